"""Everything Sherpa posts goes through here: one WebClient with retries, one log line a call."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Mapping
from contextlib import nullcontext
from typing import Any, NoReturn
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.outbound import POOLED_PER_HOST, Answer, Outbound, TransportError, proxy_for
from bot.pacing import PacedRetry, Pacer, impatient, refused
from bot.render import Renderers
from bot.views.channels import CHANNEL_ID
from engagement.notify import (
    ChannelUnavailable,
    DeliveryError,
    Message,
    Posted,
    Profile,
    SendingStopped,
    Undeliverable,
)
from engagement.places import Wait, waiting

log = logging.getLogger(__name__)

PERMANENT = frozenset({
    "user_not_found", "users_not_found", "invalid_blocks", "msg_too_long", "cannot_dm_bot",
    "user_disabled", "invalid_arguments", "no_text", "message_not_found", "cant_update_message",
    "file_not_found", "file_deleted",
})  # fmt: skip
"""Errors that retrying cannot fix: the due work is kept as failed, for an operator."""

CHANNEL_REFUSALS = frozenset({"channel_not_found", "not_in_channel", "is_archived"})
"""A channel refuses until someone acts (invites Sherpa, unarchives it): the work waits."""

TOKEN_REFUSALS = frozenset({"token_revoked", "account_inactive", "invalid_auth", "not_authed"})
"""Slack no longer takes the token: all sending stops until it works again."""

STOP_QUIET = 60.0
"""Seconds a stopped notifier refuses without calling Slack (and between its log lines);
then one call goes through, and works or stops it again."""

CHANNEL = re.compile(r"^(#|[CG][A-Z0-9]{2,}$)")
"""A channel, as Sherpa addresses one: `#name` or an ID (a user ID means their DM)."""

SLACK_REPLY_ORIGINS = ("https://hooks.slack.com/", "https://hooks.slack-gov.com/")
"""Where Slack's `response_url`s point (commercial and GovSlack workspaces)."""


def reply_origins(api_url: str) -> tuple[str, ...]:
    """The URL prefixes a `response_url` may have: Slack's, and the origin of the Web API
    Sherpa is set to use (the bundled emulator's, in the demo and the tests). A reply never
    goes anywhere else, whatever a request's body says."""
    parts = urlsplit(api_url)
    return (*SLACK_REPLY_ORIGINS, f"{parts.scheme}://{parts.netloc}/")


READS = frozenset(
    {"users.info", "users.lookupByEmail", "conversations.info", "auth.test", "chat.getPermalink"}
)
"""Methods Slack takes as query parameters rather than a JSON body."""


def make_client(token: str, base_url: str, *, rate_limit_retries: int = 5) -> WebClient:
    """A WebClient that honours Retry-After and retries 5xx and connection errors, and
    goes out through the proxy `bot.outbound` chooses for `base_url` (`NO_PROXY` too)."""
    client = WebClient(
        token=token,
        base_url=base_url,
        timeout=15,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=3),
            RateLimitErrorRetryHandler(max_retry_count=rate_limit_retries),
            ServerErrorRetryHandler(max_retry_count=3),
        ],
    )
    client.proxy = proxy_for(base_url)
    return client


def failure(method: str, code: str, target: str) -> DeliveryError:
    """What a Web API error means for the work that made the call."""
    if code in TOKEN_REFUSALS:
        return SendingStopped(code)
    if code in CHANNEL_REFUSALS and CHANNEL.match(target):
        return ChannelUnavailable(target, code)
    kind = Undeliverable if code in PERMANENT | CHANNEL_REFUSALS else DeliveryError
    return kind(f"{method}: {code}")  # a DM to someone Slack does not know: for good


def _refusal(answer: Answer) -> str | None:
    """Why a `response_url` turned a reply away (Slack says it in text, the emulator in
    JSON), or None when it took it."""
    if answer.status == 200:
        return None
    text = answer.body.decode(errors="replace").strip()
    try:
        said = json.loads(text)
    except ValueError:
        said = None
    if isinstance(said, dict) and said.get("error"):
        return str(said["error"])
    return text.split()[0][:40] if text else f"http_{answer.status}"


class SlackNotifier:
    """The `Notifier` of the domain, over Slack's Web API; messages look as `renderers` say.

    `pace` (method -> calls per second) makes every attempt at those methods, retries by
    the client's retry handlers included, keep to a rate (see `Pacer`). The client's retry
    handlers are wrapped in `PacedRetry`.
    """

    def __init__(
        self,
        client: WebClient,
        renderers: Renderers,
        *,
        pace: Mapping[str, float] | None = None,
        repliers: int = POOLED_PER_HOST,
    ) -> None:
        self.client = client
        self.renderers = renderers
        self._stopped: str | None = None
        self._quiet_until = 0.0
        self._limited_until: dict[str, float] = {}
        self._stop_lock = threading.Lock()
        self.replies = Outbound(per_host=repliers)
        self.reply_origins = reply_origins(client.base_url)
        self.pacers = {method: Pacer(rate) for method, rate in (pace or {}).items()}
        client.retry_handlers = [
            PacedRetry(handler.inner if isinstance(handler, PacedRetry) else handler, self.pacers)
            for handler in client.retry_handlers
        ]

    @property
    def stopped(self) -> str | None:
        """Why Slack refuses the token, or None while it takes it."""
        return self._stopped

    def stop(self, reason: str) -> None:
        """Send nothing for a while (`STOP_QUIET`): Slack refuses the token. Logged at most
        once a quiet period, however many rows meet it."""
        with self._stop_lock:
            quiet = self._stopped is not None and time.monotonic() < self._quiet_until
            self._stopped = reason
            self._quiet_until = time.monotonic() + STOP_QUIET
        if not quiet:
            log.error("slack.sending_stopped reason=%s: nothing is sent until it works", reason)

    def _resume(self) -> None:
        with self._stop_lock:
            was, self._stopped = self._stopped, None
        if was is not None:
            log.info("slack.sending_resumed after=%s", was)

    def probe(self) -> bool:
        """One `auth.test`: True (sending resumes) when Slack takes the token again."""
        try:
            self.client.api_call("auth.test", http_verb="GET")
        except SlackApiError as error:
            code = str(error.response.get("error", "unknown"))
            if code in TOKEN_REFUSALS:
                self.stop(code)
            return False
        except (SlackClientError, OSError):
            return False
        self._resume()
        return True

    def _refuse_while_stopped(self) -> None:
        if self._stopped is not None and time.monotonic() < self._quiet_until:
            raise SendingStopped(self._stopped)

    def call(self, method: str, *, wait: bool = True, **arguments: Any) -> dict[str, Any]:
        """Call one Web API method, log it on one line, map failures to delivery errors.

        Without `wait`, a rate limit is not waited out: the call fails at once, and the
        method is not called that way again until Slack's Retry-After has passed.
        """
        self._refuse_while_stopped()
        if not wait and time.monotonic() < self._limited_until.get(method, 0.0):
            raise DeliveryError(f"{method}: ratelimited")
        pacer = self.pacers.get(method)
        if pacer is not None:
            pacer.wait()
        started = time.perf_counter()
        target = arguments.get("channel") or arguments.get("user") or arguments.get("email", "-")
        if "@" in str(target):
            target = "(e-mail)"
        try:
            with waiting(Wait.REPLY), nullcontext() if wait else impatient():
                if method in READS:
                    response = self.client.api_call(method, http_verb="GET", params=arguments)
                else:
                    response = self.client.api_call(method, json=arguments)
        except SlackApiError as error:
            if pacer is not None and refused(error.response.status_code):
                pacer.give_back()  # the client's retries ran out, each refused too
            if not wait and error.response.status_code == 429:
                after = float(error.response.headers.get("Retry-After", 1))
                self._limited_until[method] = time.monotonic() + after
            code = str(error.response.get("error", "unknown"))
            log.warning(
                "slack.call method=%s target=%s ok=false error=%s ms=%d",
                method,
                target,
                code,
                (time.perf_counter() - started) * 1000,
            )
            self._raise(failure(method, code, str(target)))
        except (SlackClientError, OSError) as error:
            log.warning(
                "slack.call method=%s target=%s ok=false error=%s ms=%d",
                method,
                target,
                type(error).__name__,
                (time.perf_counter() - started) * 1000,
            )
            raise DeliveryError(f"{method}: {type(error).__name__}") from None
        if self._stopped is not None:
            self._resume()
        log.info(
            "slack.call method=%s target=%s ok=true ms=%d",
            method,
            target,
            (time.perf_counter() - started) * 1000,
        )
        return dict(response.data) if isinstance(response.data, dict) else {}

    def respond(self, response_url: str, **payload: Any) -> None:
        """Reply to an interaction at its `response_url` (Slack's, valid for 30 minutes and
        five replies), over a pooled connection; one log line, without the URL."""
        started = time.perf_counter()
        error: str | None = "untrusted_url"
        try:
            if response_url.startswith(self.reply_origins):
                with waiting(Wait.REPLY):
                    answer = self.replies.post_json(response_url, payload)
                error = _refusal(answer)
        except (OSError, TransportError, ValueError) as failure:
            error = type(failure).__name__
        elapsed = (time.perf_counter() - started) * 1000
        if error is not None:
            log.warning("slack.respond ok=false error=%s ms=%d", error, elapsed)
            raise DeliveryError(f"response_url: {error}")
        log.info("slack.respond ok=true ms=%d", elapsed)

    def post(self, to: str, message: Message, *, thread_ts: str | None = None) -> Posted:
        payload = self.renderers.render(message)
        if thread_ts:
            payload["thread_ts"] = thread_ts
        data = self.call("chat.postMessage", channel=to, **payload)
        return Posted(channel=str(data["channel"]), ts=str(data["ts"]))

    def update(self, where: Posted, message: Message) -> None:
        self.call(
            "chat.update", channel=where.channel, ts=where.ts, **self.renderers.render(message)
        )

    def delete(self, where: Posted) -> None:
        self.call("chat.delete", channel=where.channel, ts=where.ts)

    def delete_file(self, file_id: str) -> None:
        self.call("files.delete", file=file_id)

    def upload(
        self, where: Posted, *, filename: str, content: bytes, title: str, alt_text: str
    ) -> str:
        self._refuse_while_stopped()
        started = time.perf_counter()
        try:
            with waiting(Wait.REPLY):
                done = self.client.files_upload_v2(
                    channel=where.channel,
                    thread_ts=where.ts,
                    content=content,
                    filename=filename,
                    title=title,
                    alt_txt=alt_text,
                )
            return str((done.get("file") or {}).get("id", ""))
        except SlackApiError as error:
            self._raise(failure("files_upload_v2", str(error.response.get("error")), where.channel))
        except (SlackClientError, OSError) as error:
            raise DeliveryError(f"files.upload: {type(error).__name__}") from None
        finally:
            log.info(
                "slack.call method=files_upload_v2 target=%s bytes=%d ms=%d",
                where.channel,
                len(content),
                (time.perf_counter() - started) * 1000,
            )

    def _raise(self, error: DeliveryError) -> NoReturn:
        if isinstance(error, SendingStopped):
            self.stop(error.reason)
        raise error from None

    def profile(
        self, *, user_id: str | None = None, email: str | None = None, wait: bool = True
    ) -> Profile | None:
        try:
            if user_id:
                data = self.call("users.info", wait=wait, user=user_id)
            elif email:
                data = self.call("users.lookupByEmail", wait=wait, email=email)
            else:
                return None
        except Undeliverable:
            return None
        return profile_of(data.get("user") or {})

    def channel_name(self, channel: str) -> str:
        if not CHANNEL_ID.match(channel):
            return channel
        try:
            data = self.call("conversations.info", channel=channel)
        except (Undeliverable, ChannelUnavailable):  # the upload that follows says why
            return channel
        name = (data.get("channel") or {}).get("name")
        return f"#{name}" if name else channel


def profile_of(user: dict[str, Any]) -> Profile:
    """A user object (`users.info`, `users.lookupByEmail`, the `user_change` event) as the
    domain keeps it."""
    names = user.get("profile")
    names = names if isinstance(names, dict) else {}  # a garbled event tells nothing
    expiration = names.get("status_expiration")
    return Profile(
        user_id=str(user["id"]),
        display_name=str(
            names.get("display_name")
            or names.get("real_name")
            or user.get("real_name")
            or user.get("name")
            or user["id"]
        ),
        timezone=str(user.get("tz") or "UTC"),
        status_emoji=str(names.get("status_emoji") or ""),
        status_text=str(names.get("status_text") or ""),
        status_expiration=expiration if isinstance(expiration, int) else 0,
    )
