"""Turning domain `Message`s into Slack message payloads: one renderer per message type.

Renderers are pure functions (message in, `{"text": …, "blocks": […]}` out), registered
next to the Block Kit they build, so the notifier needs no knowledge of any feature.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from engagement.notify import Message

Payload = dict[str, Any]
M = TypeVar("M", bound=Message)

_renderers: dict[type[Message], Callable[[Any], Payload]] = {}


def renders(kind: type[M]) -> Callable[[Callable[[M], Payload]], Callable[[M], Payload]]:
    def register(function: Callable[[M], Payload]) -> Callable[[M], Payload]:
        _renderers[kind] = function
        return function

    return register


def render(message: Message) -> Payload:
    """The Slack payload for a message; every payload has fallback `text` for notifications."""
    for kind in type(message).__mro__:
        if kind in _renderers:
            payload = _renderers[kind](message)
            if not payload.get("text"):
                raise ValueError(f"renderer for {kind.__name__} gave no fallback text")
            return payload
    raise LookupError(f"no renderer registered for {type(message).__name__}")
