"""Every Slack surface of every feature, declared in one object that the listeners serve.

The composition root (`bot/root.py`) builds one `Surfaces` and hands it to each feature's
`register` (`bot/handlers/<feature>.py`), which declares all the feature shows in Slack:
its `/sponsor` subcommands, buttons, modals, shortcuts, App Home section and message
renderers. Nothing registers itself on import, and a second handler for the same thing
is refused when it is registered. `check` then refuses a subcommand of the grammar that
nobody handles and a message type that nobody renders, before the app starts.

A subcommand whose answer needs neither the database nor Slack is registered with
`answer` instead of `command`: that answer goes back in the ack itself, so the person
sees it at once and nothing runs after the ack (Slack's advice for slash commands).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

from bot.home import Home, HomeSection
from bot.render import M, Payload, Renderers
from bot.request import SlackRequest
from bot.slash.grammar import Command

C = TypeVar("C", bound=Command)

CommandHandler = Callable[[SlackRequest, Any], None]
Answer = Callable[[Any], str]
ActionHandler = Callable[[SlackRequest, dict[str, Any]], None]
ViewHandler = Callable[[SlackRequest, dict[str, Any]], dict[str, Any] | None]
"""Returns the ack payload (`response_action: errors` for bad fields), or None to close."""
ShortcutHandler = Callable[[SlackRequest, dict[str, Any]], None]


class Surfaces:
    def __init__(self) -> None:
        self.commands: dict[type[Command], CommandHandler] = {}
        self.answers: dict[type[Command], Answer] = {}
        self.actions: dict[str, ActionHandler] = {}
        self.views: dict[str, ViewHandler] = {}
        self.shortcuts: dict[str, ShortcutHandler] = {}
        self.home = Home()
        self.renderers = Renderers()

    # --- what a feature declares ------------------------------------------------------

    def command(self, kind: type[C], handler: Callable[[SlackRequest, C], None]) -> None:
        """A `/sponsor` subcommand, handled after the ack."""
        _add(self.commands, kind, handler, f"/sponsor {kind.__name__}", also=self.answers)

    def answer(self, kind: type[C], answer: Callable[[C], str]) -> None:
        """A `/sponsor` subcommand answered in the ack: a pure function to its text."""
        _add(self.answers, kind, answer, f"/sponsor {kind.__name__}", also=self.commands)

    def action(self, action_id: str, handler: ActionHandler) -> None:
        """A button or a select, by its action ID."""
        _add(self.actions, str(action_id), handler, f"action {action_id}")

    def view(self, callback_id: str, handler: ViewHandler) -> None:
        """A modal's submission, by its callback ID."""
        _add(self.views, str(callback_id), handler, f"modal {callback_id}")

    def shortcut(self, callback_id: str, handler: ShortcutHandler) -> None:
        """A message shortcut, by its callback ID."""
        _add(self.shortcuts, str(callback_id), handler, f"shortcut {callback_id}")

    def home_section(self, section: HomeSection) -> None:
        """A section of App Home, below those of the features registered before."""
        self.home.add(section)

    def renders(self, kind: type[M], renderer: Callable[[M], Payload]) -> None:
        """How a message of the domain looks in Slack."""
        self.renderers.add(kind, renderer)

    def check(self) -> None:
        """Refuse a subcommand of the grammar with neither handler nor answer, and a message
        type with no renderer: forgetting one would otherwise show only when it is used."""
        unhandled = [
            kind.__name__
            for kind in _commands(Command)
            if kind not in self.commands and kind not in self.answers
        ]
        if unhandled:
            raise LookupError(f"no handler for /sponsor {', '.join(unhandled)}")
        unrendered = [kind.__name__ for kind in self.renderers.unrendered()]
        if unrendered:
            raise LookupError(f"no renderer for {', '.join(unrendered)}")

    # --- what the listeners use -------------------------------------------------------

    def answer_now(self, command: Command) -> str | None:
        """The answer that goes in the ack, or None if the command is dispatched after it."""
        answer = self.answers.get(type(command))
        return None if answer is None else answer(command)

    def dispatch(self, request: SlackRequest, command: Command) -> None:
        self.commands[type(command)](request, command)


def _add(
    table: dict[Any, Any],
    key: object,
    value: object,
    what: str,
    *,
    also: Mapping[Any, object] | None = None,
) -> None:
    """Add to a table, refusing what is there already (in `also` too)."""
    if key in table or key in (also or {}):
        raise ValueError(f"{what} registered twice")
    table[key] = value


def _commands(kind: type[Command]) -> Iterator[type[Command]]:
    for sub in kind.__subclasses__():
        yield sub
        yield from _commands(sub)


def any_of(ids: Iterable[str]) -> re.Pattern[str]:
    """Exactly one of these action or callback IDs, as one pattern for one Bolt listener.

    Bolt tries every registered listener's matcher in turn on every request, working out
    each matcher's arguments as it goes; one listener per kind with a table behind it
    keeps that to a match or two however many buttons and modals the features add.
    """
    return re.compile("^(?:" + "|".join(re.escape(str(key)) for key in ids) + ")$")
