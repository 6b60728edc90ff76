"""Every kind of due work, and every planner that creates it, declared in one registry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engagement.notify import Notifier


@dataclass(frozen=True)
class WorkContext:
    """What a handler gets: the session of its transaction, the as-of time, the notifier."""

    session: Session
    now: datetime
    notifier: Notifier
    kind: str
    key: str
    payload: dict[str, Any]
    attempts: int


Handler = Callable[[WorkContext], None]
Planner = Callable[[WorkContext], int]
"""Creates future due rows idempotently; returns how many it created."""


@dataclass
class Registry:
    """Maps a kind name to its handler; planners create future rows idempotently."""

    handlers: dict[str, Handler] = field(default_factory=dict)
    planners: dict[str, Planner] = field(default_factory=dict)

    def kind(self, name: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            if name in self.handlers:
                raise ValueError(f"due-work kind {name!r} registered twice")
            self.handlers[name] = handler
            return handler

        return register

    def planner(self, name: str) -> Callable[[Planner], Planner]:
        def register(planner: Planner) -> Planner:
            self.planners[name] = planner
            return planner

        return register


registry = Registry()
"""The application's registry; feature modules register into it when imported."""
