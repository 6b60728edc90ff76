"""Everything Sherpa posts goes through here: one WebClient with retries, one log line a call."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.outbound import Answer, Outbound, TransportError, proxy_for
from bot.render import Renderers
from engagement.notify import DeliveryError, Message, Posted, Profile, Undeliverable
from engagement.places import Wait, waiting

log = logging.getLogger(__name__)

PERMANENT = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "user_not_found", "users_not_found",
    "invalid_blocks", "msg_too_long", "account_inactive", "cannot_dm_bot", "user_disabled",
    "invalid_arguments", "no_text", "message_not_found", "cant_update_message",
})  # fmt: skip
"""Errors that retrying cannot fix: the due work is kept as failed, for an operator."""

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


def refused(status: int) -> bool:
    """Slack turned the call away (rate limited, or failed itself): it did not count."""
    return status == 429 or status >= 500


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


class Pacer:
    """Spread the calls of one method at `per_second`, across every thread of a process.

    Slack limits each method per workspace; a fan-out that outruns the limit gets 429s,
    and every worker that gets one waits out Retry-After (a second or more), so bursts
    alternate with stalls. Keeping just under the limit avoids both. Every attempt takes
    a slot, retries included (unpaced retries burst past the limit); an attempt Slack
    refused gives its slot back, as Slack did not count it, so refusals cost no pace.
    """

    def __init__(
        self,
        per_second: float,
        sleep: Callable[[float], None] = time.sleep,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_second <= 0:
            raise ValueError("a pace needs a positive rate")
        self.interval = 1.0 / per_second
        self._next = 0.0
        self._lock = threading.Lock()
        self._sleep = sleep
        self._clock = clock

    def wait(self) -> None:
        """Block until this call's slot comes."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self.interval
        if slot > now:
            self._sleep(slot - now)

    def give_back(self) -> None:
        """The call in the last slot taken was refused: the next call may go a slot sooner."""
        with self._lock:
            self._next = max(self._clock(), self._next - self.interval)


class PacedRetry(RetryHandler):
    """One of the client's retry handlers, run the notifier's way.

    For a paced method the refused attempt gives its slot back, and after the handler's
    own wait (Retry-After, back-off) the retry takes a slot like any call. The wait itself
    is a `Wait.RETRY` (`engagement.places`): the worker's place goes to other work meanwhile.
    """

    def __init__(self, inner: RetryHandler, pacers: Mapping[str, Pacer]) -> None:
        self.inner = inner
        super().__init__(inner.max_retry_count, inner.interval_calculator)
        self.pacers = pacers

    @property
    def interval_calculator(self) -> RetryIntervalCalculator:
        """The inner handler's: it is the one that waits, so a change here must reach it."""
        return self.inner.interval_calculator

    @interval_calculator.setter
    def interval_calculator(self, calculator: RetryIntervalCalculator) -> None:
        self.inner.interval_calculator = calculator

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return self.inner.can_retry(state=state, request=request, response=response, error=error)

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        pacer = self.pacers.get(request.url.split("?", 1)[0].rsplit("/", 1)[-1])
        if pacer is not None and response is not None and refused(response.status_code):
            pacer.give_back()
        with waiting(Wait.RETRY):
            self.inner.prepare_for_next_attempt(
                state=state, request=request, response=response, error=error
            )
        if pacer is not None:
            pacer.wait()


class SlackNotifier:
    """The `Notifier` of the domain, over Slack's Web API; messages look as `renderers` say.

    `pace` (method -> calls per second) makes every attempt at those methods, retries by
    the client's retry handlers included, keep to a rate (see `Pacer`). The client's retry
    handlers are wrapped in `PacedRetry`.
    """

    def __init__(
        self, client: WebClient, renderers: Renderers, *, pace: Mapping[str, float] | None = None
    ) -> None:
        self.client = client
        self.renderers = renderers
        self.replies = Outbound()
        self.reply_origins = reply_origins(client.base_url)
        self.pacers = {method: Pacer(rate) for method, rate in (pace or {}).items()}
        client.retry_handlers = [
            PacedRetry(handler.inner if isinstance(handler, PacedRetry) else handler, self.pacers)
            for handler in client.retry_handlers
        ]

    def call(self, method: str, **arguments: Any) -> dict[str, Any]:
        """Call one Web API method, log it on one line, map failures to delivery errors."""
        pacer = self.pacers.get(method)
        if pacer is not None:
            pacer.wait()
        started = time.perf_counter()
        target = arguments.get("channel") or arguments.get("user") or arguments.get("email", "-")
        if "@" in str(target):
            target = "(e-mail)"
        try:
            with waiting(Wait.REPLY):
                if method in READS:
                    response = self.client.api_call(method, http_verb="GET", params=arguments)
                else:
                    response = self.client.api_call(method, json=arguments)
        except SlackApiError as error:
            if pacer is not None and refused(error.response.status_code):
                pacer.give_back()  # the client's retries ran out, each refused too
            code = str(error.response.get("error", "unknown"))
            log.warning(
                "slack.call method=%s target=%s ok=false error=%s ms=%d",
                method,
                target,
                code,
                (time.perf_counter() - started) * 1000,
            )
            kind = Undeliverable if code in PERMANENT else DeliveryError
            raise kind(f"{method}: {code}") from None
        except (SlackClientError, OSError) as error:
            log.warning(
                "slack.call method=%s target=%s ok=false error=%s ms=%d",
                method,
                target,
                type(error).__name__,
                (time.perf_counter() - started) * 1000,
            )
            raise DeliveryError(f"{method}: {type(error).__name__}") from None
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

    def upload(self, where: Posted, *, filename: str, content: bytes, title: str) -> None:
        started = time.perf_counter()
        try:
            with waiting(Wait.REPLY):
                self.client.files_upload_v2(
                    channel=where.channel,
                    thread_ts=where.ts,
                    content=content,
                    filename=filename,
                    title=title,
                )
        except SlackApiError as error:
            code = str(error.response.get("error", "unknown"))
            kind = Undeliverable if code in PERMANENT else DeliveryError
            raise kind(f"files.upload: {code}") from None
        except (SlackClientError, OSError) as error:
            raise DeliveryError(f"files.upload: {type(error).__name__}") from None
        finally:
            log.info(
                "slack.call method=files_upload_v2 target=%s bytes=%d ms=%d",
                where.channel,
                len(content),
                (time.perf_counter() - started) * 1000,
            )

    def profile(self, *, user_id: str | None = None, email: str | None = None) -> Profile | None:
        try:
            if user_id:
                data = self.call("users.info", user=user_id)
            elif email:
                data = self.call("users.lookupByEmail", email=email)
            else:
                return None
        except Undeliverable:
            return None
        user = data.get("user") or {}
        names = user.get("profile") or {}
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
        )
