"""From a parsed `/sponsor` command to the feature that handles it.

Features register a handler per command type with `@handles(...)`; the listener only
parses and dispatches, so adding a subcommand never touches the listener.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from bot.runtime import Runtime
from bot.slash.grammar import HELP_TEXT, Command, Help
from engagement.access import Actor, actor_for
from engagement.db import transaction

C = TypeVar("C", bound=Command)


@dataclass(frozen=True)
class Invocation:
    """One `/sponsor` call: who, where, and how to answer them."""

    runtime: Runtime
    user_id: str
    channel_id: str
    trigger_id: str
    respond: Callable[..., Any]

    @contextmanager
    def session(self) -> Iterator[Session]:
        with transaction(self.runtime.sessions) as session:
            yield session

    def now(self) -> datetime:
        return self.runtime.clock()

    def actor(self, session: Session) -> Actor:
        return actor_for(session, self.user_id, self.runtime.settings.sherpa_admins)

    def reply(self, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        """An ephemeral answer, seen only by the caller."""
        self.respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)


Handler = Callable[[Invocation, Any], None]
_handlers: dict[type[Command], Handler] = {}


def handles(kind: type[C]) -> Callable[[Callable[[Invocation, C], None]], Callable[..., None]]:
    def register(handler: Callable[[Invocation, C], None]) -> Callable[..., None]:
        _handlers[kind] = handler
        return handler

    return register


def dispatch(invocation: Invocation, command: Command) -> None:
    _handlers[type(command)](invocation, command)


@handles(Help)
def show_help(invocation: Invocation, _command: Help) -> None:
    invocation.reply(HELP_TEXT)
