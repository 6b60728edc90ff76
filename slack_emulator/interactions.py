"""What an interaction hands the app: a short-lived ``trigger_id`` and a ``response_url``."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from slack_emulator import limits
from slack_emulator.args import flag
from slack_emulator.errors import ApiError
from slack_emulator.ids import Ids
from slack_emulator.store import Store

TRIGGER_LIFETIME = 3.0  # seconds; Slack refuses an older trigger_id


@dataclass
class _Trigger:
    user: str
    minted: float
    used: bool = False


class Triggers:
    """Trigger ids: each opens one view, within 3 seconds on the emulator's clock."""

    def __init__(self, ids: Ids, clock: Callable[[], float] = time.monotonic) -> None:
        self._ids = ids
        self._clock = clock
        self._triggers: dict[str, _Trigger] = {}
        self._lock = threading.Lock()

    def mint(self, user: str) -> str:
        trigger_id = f"{self._ids.next('')}.{secrets.token_hex(16)}"
        with self._lock:
            self._triggers[trigger_id] = _Trigger(user, self._clock())
        return trigger_id

    def exchange(self, trigger_id: str) -> str:
        """Use the trigger up; returns the user whose action minted it, or Slack's refusal."""
        with self._lock:
            trigger = self._triggers.get(trigger_id)
            if trigger is None:
                raise ApiError("invalid_trigger_id")
            if trigger.used:
                raise ApiError("exchanged_trigger_id")
            if self._clock() - trigger.minted > TRIGGER_LIFETIME:
                raise ApiError("expired_trigger_id")
            trigger.used = True
            return trigger.user


@dataclass(frozen=True)
class ResponseTarget:
    """Where an interaction happened, so a ``response_url`` post knows what "original" means."""

    user: str
    channel: str
    message_ts: str | None = None
    is_ephemeral: bool = False


Effect = Literal["ephemeral", "in_channel", "replace_original", "delete_original"]
Via = Literal["response_url", "ack"]


@dataclass(frozen=True)
class ResponsePost:
    """One reply the app made to an interaction: a post to its ``response_url``, or (``via``
    ``"ack"``) a slash command's ack with content; its JSON ``body``, what it did, and
    ``error`` if it was refused."""

    user: str
    channel: str
    body: dict[str, Any]
    effect: Effect
    error: str | None = None
    via: Via = "response_url"


class ResponseUrls:
    """``response_url``s the emulator serves; each post is recorded and applied to the store."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._targets: dict[str, ResponseTarget] = {}
        self._posts: list[ResponsePost] = []
        self._lock = threading.Lock()

    def register(self, target: ResponseTarget) -> str:
        url_id = self._store.ids.next("R")
        with self._lock:
            self._targets[url_id] = target
        return url_id

    def post(self, url_id: str, payload: Mapping[str, Any]) -> ResponsePost | None:
        """Apply a post as Slack does; None if the URL was never handed out."""
        with self._lock:
            target = self._targets.get(url_id)
        if target is None:
            return None
        return self._reply(target, payload, "response_url")

    def answer(self, target: ResponseTarget, payload: Mapping[str, Any]) -> ResponsePost:
        """A slash command's ack with content: Slack shows it as it would a response_url
        post (ephemeral unless ``response_type`` is ``in_channel``)."""
        return self._reply(target, payload, "ack")

    def _reply(self, target: ResponseTarget, payload: Mapping[str, Any], via: Via) -> ResponsePost:
        effect = _effect(payload, target)
        error = None
        try:
            self._apply(target, effect, payload)
        except ApiError as refusal:
            error = refusal.error
        post = ResponsePost(target.user, target.channel, dict(payload), effect, error, via)
        with self._lock:
            self._posts.append(post)
        return post

    def posts(self, user: str | None = None) -> list[ResponsePost]:
        with self._lock:
            return [p for p in self._posts if user is None or p.user == user]

    def _apply(self, target: ResponseTarget, effect: Effect, payload: Mapping[str, Any]) -> None:
        content = {k: payload[k] for k in ("text", "blocks", "attachments") if k in payload}
        problem = limits.check_message(content) if effect != "delete_original" else None
        if problem is not None:
            raise problem
        original = target.message_ts
        if effect == "in_channel":
            thread = {"thread_ts": payload["thread_ts"]} if "thread_ts" in payload else {}
            self._store.post(target.channel, {**content, **thread})
        elif effect == "ephemeral":
            self._store.post_ephemeral(target.channel, target.user, content)
        elif original and target.is_ephemeral:
            self._store.update_ephemeral(original, content if effect != "delete_original" else None)
        elif original and effect == "replace_original":
            self._store.update(target.channel, original, content)
        elif original:
            self._store.delete(target.channel, original)


def _effect(payload: Mapping[str, Any], target: ResponseTarget) -> Effect:
    """What a post does: Slack honours delete, then replace (if there is an original)."""
    if target.message_ts and flag(payload.get("delete_original")):
        return "delete_original"
    if target.message_ts and flag(payload.get("replace_original")):
        return "replace_original"
    return "in_channel" if payload.get("response_type") == "in_channel" else "ephemeral"
