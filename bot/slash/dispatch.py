"""From a parsed `/sponsor` command to the feature that handles it.

Features register a handler per command type with `@handles(...)`; the listener only
parses and dispatches, so adding a subcommand never touches the listener. A command whose
answer needs neither the database nor Slack registers it with `@answers(...)` instead:
that answer goes back in the ack itself, so the person sees it at once and nothing runs
after the ack (Slack's advice for slash commands).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from bot.handlers import surfaces
from bot.request import SlackRequest
from bot.slash.grammar import Command

C = TypeVar("C", bound=Command)

Handler = Callable[[SlackRequest, Any], None]
Answer = Callable[[Any], str]
_handlers: dict[type[Command], Handler] = {}
_answers: dict[type[Command], Answer] = {}


def handles(kind: type[C]) -> Callable[[Callable[[SlackRequest, C], None]], Callable[..., None]]:
    def register(handler: Callable[[SlackRequest, C], None]) -> Callable[..., None]:
        _handlers[kind] = handler
        return handler

    return register


def dispatch(request: SlackRequest, command: Command) -> None:
    surfaces()  # importing the feature handlers registers their subcommands
    _handlers[type(command)](request, command)


def answers(kind: type[C]) -> Callable[[Callable[[C], str]], Callable[[C], str]]:
    """Register a pure function from the command to the text of its ephemeral answer."""

    def register(answer: Callable[[C], str]) -> Callable[[C], str]:
        _answers[kind] = answer
        return answer

    return register


def answer_now(command: Command) -> str | None:
    """The answer that goes in the ack, or None if the command is dispatched after it."""
    surfaces()
    answer = _answers.get(type(command))
    return None if answer is None else answer(command)
