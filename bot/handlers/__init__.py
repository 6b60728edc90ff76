"""What Sherpa does with each click, submission and shortcut, one module per feature.

Each module exposes `ACTIONS` (action_id -> handler), `VIEWS` (callback_id -> handler
returning the ack payload, or None to just close the modal) and `SHORTCUTS`
(callback_id -> handler); it registers its `/sponsor` subcommands with `@handles` and
its App Home section with `@home_section` when imported. The listener modules in
`bot/listeners/` wire them into Bolt, by kind.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from types import ModuleType
from typing import Any

from bot.request import SlackRequest

ActionHandler = Callable[[SlackRequest, dict[str, Any]], None]
ViewHandler = Callable[[SlackRequest, dict[str, Any]], dict[str, Any] | None]
ShortcutHandler = Callable[[SlackRequest, dict[str, Any]], None]


def surfaces() -> tuple[ModuleType, ...]:
    """The feature handler modules, imported on first use."""
    from bot.handlers import checkins, escalations, general, scorecard

    return (general, checkins, escalations, scorecard)


def actions() -> Mapping[str, ActionHandler]:
    return {key: value for module in surfaces() for key, value in
            getattr(module, "ACTIONS", {}).items()}  # fmt: skip


def views() -> Mapping[str, ViewHandler]:
    return {key: value for module in surfaces() for key, value in
            getattr(module, "VIEWS", {}).items()}  # fmt: skip


def shortcuts() -> Mapping[str, ShortcutHandler]:
    return {key: value for module in surfaces() for key, value in
            getattr(module, "SHORTCUTS", {}).items()}  # fmt: skip


def any_of(ids: Iterable[str]) -> re.Pattern[str]:
    """Exactly one of these action or callback IDs, as one pattern for one Bolt listener.

    Bolt tries every registered listener's matcher in turn on every request, working out
    each matcher's arguments as it goes; one listener per kind with a table behind it
    keeps that to a match or two however many buttons and modals the features add.
    """
    return re.compile("^(?:" + "|".join(re.escape(str(key)) for key in ids) + ")$")
