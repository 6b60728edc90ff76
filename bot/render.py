"""Turning domain `Message`s into Slack message payloads: one renderer per message type.

Renderers are pure functions (message in, `{"text": …, "blocks": […]}` out), kept in the
views next to the Block Kit they build. Each feature says which renders which in its
`register` (`Surfaces.renders`); the notifier renders through the table that builds, so
it needs no knowledge of any feature.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from engagement.notify import Message

Payload = dict[str, Any]
M = TypeVar("M", bound=Message)


class Renderers:
    """Message type -> its renderer; a message is rendered by the nearest type in its MRO."""

    def __init__(self) -> None:
        self._by_type: dict[type[Message], Callable[[Any], Payload]] = {}

    def add(self, kind: type[M], renderer: Callable[[M], Payload]) -> None:
        if kind in self._by_type:
            raise ValueError(f"two renderers for {kind.__name__}")
        self._by_type[kind] = renderer

    def render(self, message: Message) -> Payload:
        """The Slack payload for a message; every payload has fallback `text` for notifications."""
        for kind in type(message).__mro__:
            if kind in self._by_type:
                payload = self._by_type[kind](message)
                if not payload.get("text"):
                    raise ValueError(f"renderer for {kind.__name__} gave no fallback text")
                return payload
        raise LookupError(f"no renderer registered for {type(message).__name__}")

    def unrendered(self) -> list[type[Message]]:
        """The message types defined so far that no renderer would take."""
        return [
            kind
            for kind in _subclasses(Message)
            if not any(base in self._by_type for base in kind.__mro__)
        ]


def _subclasses(kind: type[Message]) -> Iterator[type[Message]]:
    for sub in kind.__subclasses__():
        yield sub
        yield from _subclasses(sub)
