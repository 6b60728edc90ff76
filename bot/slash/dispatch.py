"""From a parsed `/sponsor` command to the feature that handles it.

Features register a handler per command type with `@handles(...)`; the listener only
parses and dispatches, so adding a subcommand never touches the listener.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from bot.handlers import surfaces
from bot.request import SlackRequest
from bot.slash.grammar import Command

C = TypeVar("C", bound=Command)

Handler = Callable[[SlackRequest, Any], None]
_handlers: dict[type[Command], Handler] = {}


def handles(kind: type[C]) -> Callable[[Callable[[SlackRequest, C], None]], Callable[..., None]]:
    def register(handler: Callable[[SlackRequest, C], None]) -> Callable[..., None]:
        _handlers[kind] = handler
        return handler

    return register


def dispatch(request: SlackRequest, command: Command) -> None:
    surfaces()  # importing the feature handlers registers their subcommands
    _handlers[type(command)](request, command)
