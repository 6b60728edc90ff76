"""Slack's side toward the app: signed HTTP requests for commands, actions, views and events.

Requests are built as Slack builds them (form-encoded commands, ``payload=<json>`` for
interactivity, JSON for events) and signed with v0 HMAC-SHA256, so the app's real
endpoint and its signature check are what the tests exercise.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from slack_emulator import limits
from slack_emulator.blocks import VALUE_KEYS, action_value, find_element, state_values
from slack_emulator.interactions import ResponseTarget
from slack_emulator.store import public

if TYPE_CHECKING:
    from slack_emulator.emulator import Emulator

VERIFICATION_TOKEN = "emulator-verification-token"  # Slack's deprecated per-app token


@dataclass(frozen=True)
class ActorResult:
    """The app's answer, and the payload that was sent (for its ``trigger_id``, ``event_id``…)."""

    status: int
    headers: dict[str, str]
    text: str
    json: Any
    sent: dict[str, Any]


@dataclass(frozen=True)
class Actor:
    """Acts as Slack toward the app at ``url``; ``secret``/``timestamp`` override the signing."""

    emulator: Emulator
    url: str
    secret: str | None = None
    timestamp: int | None = None
    timeout: float = 10.0

    def with_signature(self, *, secret: str | None = None, timestamp: int | None = None) -> Actor:
        """The same actor signing with another secret or a fixed timestamp (to test refusals)."""
        return dataclasses.replace(self, secret=secret, timestamp=timestamp)

    # Interactions -----------------------------------------------------------------------

    def slash(
        self, user_id: str, text: str = "", command: str = "/sponsor", channel_id: str | None = None
    ) -> ActorResult:
        """A slash command; by default typed in the user's DM with the app.

        An ack with content (plain text, or JSON with ``text``/``blocks``) is shown to the
        person as Slack shows it, and recorded with the ``response_url`` posts."""
        user = self._user(user_id)
        channel = channel_id or self._dm(user_id)
        team = self.emulator.workspace.team
        form = {
            "token": VERIFICATION_TOKEN,
            "team_id": team.id,
            "team_domain": team.domain,
            "channel_id": channel,
            "channel_name": self.emulator.workspace.channel_name(channel),
            "user_id": user_id,
            "user_name": user["username"],
            "command": command,
            "text": text,
            "api_app_id": self.emulator.workspace.bot.app_id,
            "is_enterprise_install": "false",
            "response_url": self._response_url(ResponseTarget(user_id, channel)),
            "trigger_id": self.emulator.triggers.mint(user_id),
        }
        result = self._post(urlencode(form), "application/x-www-form-urlencoded", form)
        if result.status == 200 and result.text:
            answer = result.json if isinstance(result.json, dict) else {"text": result.text}
            self.emulator.response_urls.answer(ResponseTarget(user_id, channel), answer)
        return result

    def block_action(
        self,
        user_id: str,
        action_id: str,
        value: Any = None,
        *,
        block_id: str | None = None,
        message: Mapping[str, Any] | None = None,
        view: Mapping[str, Any] | None = None,
        container: Mapping[str, Any] | None = None,
    ) -> ActorResult:
        """A click or selection on an element of a stored ``message`` or ``view``.

        ``message`` is one from ``emulator.messages()`` or ``emulator.ephemerals()``;
        ``view`` one from ``emulator.open_views()`` or ``emulator.home()``. ``value`` is the
        chosen option's ``value`` (a list for multi-selects) or the typed value; a button
        sends its own value unless ``value`` replaces it.
        """
        source = message if view is None else view
        if source is None or (message is not None and view is not None):
            raise ValueError("give exactly one of message or view")
        found_block, element = find_element(source.get("blocks") or [], action_id, block_id)
        action = {"action_id": action_id, "block_id": found_block, **action_value(element, value)}
        if element["type"] == "button":
            action["text"] = element["text"]
        action["action_ts"] = _now()
        given = {found_block: {action_id: value}} if element["type"] in VALUE_KEYS else {}
        state = state_values(source["blocks"], given)
        payload = self._envelope("block_actions", user_id) | {"actions": [action]}
        if view is not None:
            payload |= {
                "container": container or {"type": "view", "view_id": view["id"]},
                "view": {**view, "state": {"values": state}},
            }
        else:
            payload |= self._message_context(user_id, source, container)
            payload["state"] = {"values": state}
        return self._interactive(payload)

    def submit_view(
        self, user_id: str, view: Mapping[str, Any], values: Mapping[str, Mapping[str, Any]]
    ) -> ActorResult:
        """Submit a modal (from ``emulator.open_views(user)``) with ``{block_id: {action_id: v}}``.

        Text inputs take a string, selects an option value, dates ``"YYYY-MM-DD"``; inputs not
        given keep their initial value or are sent empty. The app's ``response_action``
        (errors, update, push, clear, or none) is then applied to the user's modal stack.
        """
        payload = self._envelope("view_submission", user_id) | {
            "view": {**view, "state": {"values": state_values(view["blocks"], values)}},
            "response_urls": [],
        }
        result = self._interactive(payload)
        if result.status == 200:
            self._apply_response_action(user_id, view, result.json or {})
        return result

    def message_shortcut(
        self,
        user_id: str,
        callback_id: str,
        message: Mapping[str, Any],
        channel: str | None = None,
    ) -> ActorResult:
        """A message shortcut (e.g. *Escalate to sponsor*) used on a message.

        ``message`` is a stored one, or any dict with ``ts`` and ``text`` (someone else's
        message, which the emulator does not hold) with ``channel`` given.
        """
        payload = self._envelope("message_action", user_id) | {
            "callback_id": callback_id,
            "message_ts": message["ts"],
            "action_ts": _now(),
        }
        channel_id = channel or message["channel"]
        payload |= {
            "channel": self._channel(channel_id),
            "message": public(message),
            "response_url": self._response_url(ResponseTarget(user_id, channel_id)),
        }
        return self._interactive(payload)

    def event(
        self,
        event: Mapping[str, Any],
        *,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        event_id: str | None = None,
    ) -> ActorResult:
        """An Events API ``event_callback``; pass the first attempt's ``event_id`` to retry it."""
        workspace = self.emulator.workspace
        event_id = event_id or self.emulator.store.ids.next("Ev")
        envelope = {
            "token": VERIFICATION_TOKEN,
            "team_id": workspace.team.id,
            "api_app_id": workspace.bot.app_id,
            "event": dict(event),
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": workspace.team.id,
                    "user_id": workspace.bot.user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{event_id}",
        }
        headers = {}
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
        if retry_reason is not None:
            headers["X-Slack-Retry-Reason"] = retry_reason
        return self._post(json.dumps(envelope), "application/json", envelope, headers)

    def user_change(self, user_id: str, **changes: Any) -> ActorResult:
        """The person changes their profile (zone, status…) and Slack sends ``user_change``
        with the whole user object, as ``users.info`` now gives it."""
        user = self.emulator.workspace.change_user(user_id, **changes)
        event = {
            "type": "user_change",
            "user": self.emulator.web_api.user_object(user),
            "cache_ts": int(time.time()),
            "event_ts": _now(),
        }
        return self.event(event)

    def direct_message(self, user_id: str, text: str, **fields: Any) -> ActorResult:
        """The person writes to the app in its Messages tab: a ``message.im`` event
        (``fields`` add or replace what it carries: ``subtype``, ``bot_id``…)."""
        self._user(user_id)
        ts = _now()
        event = {
            "type": "message",
            "channel": self._dm(user_id),
            "user": user_id,
            "text": text,
            "ts": ts,
            "event_ts": ts,
            "channel_type": "im",
            **fields,
        }
        return self.event(event)

    def url_verification(self, challenge: str = "emulator-challenge") -> ActorResult:
        """The handshake Slack makes when the events URL is configured."""
        body = {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
        return self._post(json.dumps(body), "application/json", body)

    # Payload parts ----------------------------------------------------------------------

    def _envelope(self, kind: str, user_id: str) -> dict[str, Any]:
        """Fields every interactive payload carries."""
        team = self.emulator.workspace.team
        return {
            "type": kind,
            "team": {"id": team.id, "domain": team.domain},
            "user": self._user(user_id),
            "api_app_id": self.emulator.workspace.bot.app_id,
            "token": VERIFICATION_TOKEN,
            "trigger_id": self.emulator.triggers.mint(user_id),
            "is_enterprise_install": False,
            "enterprise": None,
        }

    def _message_context(
        self, user_id: str, message: Mapping[str, Any], container: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        """``container``, ``channel``, ``message`` and ``response_url`` for a message action."""
        channel, ts = message["channel"], message["ts"]
        is_ephemeral = bool(message.get("is_ephemeral"))
        target = ResponseTarget(user_id, channel, ts, is_ephemeral)
        context: dict[str, Any] = {
            "container": container
            or {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel,
                "is_ephemeral": is_ephemeral,
            },
            "channel": self._channel(channel),
            "response_url": self._response_url(target),
        }
        if not is_ephemeral:  # Slack does not send back an ephemeral message's content
            context["message"] = public(message)
        return context

    def _channel(self, channel_id: str) -> dict[str, str]:
        return {"id": channel_id, "name": self.emulator.workspace.channel_name(channel_id)}

    def _user(self, user_id: str) -> dict[str, Any]:
        user = self.emulator.workspace.user(user_id)
        if user is None:
            raise ValueError(f"{user_id} is not a user of the emulated workspace")
        team_id = self.emulator.workspace.team.id
        return {"id": user.id, "username": user.name, "name": user.name, "team_id": team_id}

    def _dm(self, user_id: str) -> str:
        channel = self.emulator.workspace.dm(user_id, create=True)
        assert channel is not None, "only called for users _user() has found"
        return channel

    def _response_url(self, target: ResponseTarget) -> str:
        return f"{self.emulator.url}response/{self.emulator.response_urls.register(target)}"

    def _apply_response_action(
        self, user_id: str, view: Mapping[str, Any], answer: Mapping[str, Any]
    ) -> None:
        """Do to the modal stack what Slack does with the app's answer to a submission."""
        store = self.emulator.store
        action = answer.get("response_action")
        if action in ("update", "push"):
            problem = limits.check_view(answer.get("view"), "modal")
            if problem is not None:
                raise problem  # Slack would show the user an error; fail the test loudly
        if action == "update":
            store.update_view(answer["view"], view_id=view["id"])
        elif action == "push":
            store.push_modal(user_id, answer["view"])
        elif action != "errors":
            store.close_modal(user_id, all_views=action == "clear")

    # Transport --------------------------------------------------------------------------

    def _interactive(self, payload: dict[str, Any]) -> ActorResult:
        body = urlencode({"payload": json.dumps(payload)})
        return self._post(body, "application/x-www-form-urlencoded", payload)

    def _push(self, sent: Mapping[str, Any]) -> ActorResult | None:
        """Over the app's Socket Mode connection, when it has one: the request as an
        envelope, the ack's payload as the answer (504 when no ack came in time)."""
        link = self.emulator.links.current()
        if link is None:
            return None
        if "command" in sent:
            kind = "slash_commands"
        elif sent.get("type") in ("event_callback", "url_verification"):
            kind = "events_api"
        else:
            kind = "interactive"
        ack = link.push(kind, dict(sent), self.timeout)
        if ack is None:
            return ActorResult(504, {}, "", None, dict(sent))
        answer = ack.get("payload")
        text = json.dumps(answer) if answer else ""
        return ActorResult(200, {}, text, answer or None, dict(sent))

    def _post(
        self,
        body: str,
        content_type: str,
        sent: Mapping[str, Any],
        extra_headers: Mapping[str, str] | None = None,
    ) -> ActorResult:
        pushed = self._push(sent)
        if pushed is not None:
            return pushed
        timestamp = str(self.timestamp if self.timestamp is not None else int(time.time()))
        headers = {
            "Content-Type": content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": sign(self.secret or self.emulator.signing_secret, timestamp, body),
            **(extra_headers or {}),
        }
        request = urllib.request.Request(self.url, body.encode(), headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return _result(response.status, dict(response.headers), response.read(), sent)
        except urllib.error.HTTPError as error:
            return _result(error.code, dict(error.headers), error.read(), sent)


def sign(secret: str, timestamp: str, body: str) -> str:
    """Slack's v0 signature: HMAC-SHA256 of ``v0:{timestamp}:{body}``."""
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256)
    return f"v0={digest.hexdigest()}"


def _result(
    status: int, headers: dict[str, str], data: bytes, sent: Mapping[str, Any]
) -> ActorResult:
    text = data.decode("utf-8", errors="replace")
    try:
        parsed = json.loads(text) if text else None
    except ValueError:
        parsed = None
    return ActorResult(status, headers, text, parsed, dict(sent))


def _now() -> str:
    return f"{time.time():.6f}"
