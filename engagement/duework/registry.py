"""Every kind of due work, and every planner that creates it, declared in one registry.

There is no registry of the application's own at import: the composition root
(`bot/root.py`) builds one and hands it to each feature's `register`, in its order, and
the planners run in the order they were registered. A session knows the registry it
schedules for (`bind`): `duework.queue.schedule` refuses a kind no feature registered,
at the call, and the engine marks a row of such a kind failed at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, overload

from sqlalchemy.orm import Session, sessionmaker

from engagement.notify import Blocked, Notifier

PLAN_KIND = "plan"
"""The hourly planning run: the engine's own kind, known to a registry with planners."""

_BOUND = "sherpa.due_work_registry"
"""Where a session keeps the registry it schedules for (`Session.info`)."""


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
    admins: frozenset[str] = frozenset()
    """Sherpa's admins (`SHERPA_ADMINS`), for work that tells them something."""


Handler = Callable[[WorkContext], None]
Planner = Callable[[WorkContext], int]
"""Creates future due rows idempotently; returns how many it created."""
Hold = Callable[[Session, Blocked, datetime], None]
"""Runs in the transaction that makes a blocked row wait (`Registry.when_blocked`)."""
Clear = Callable[[Session, str, datetime], None]
"""Runs in the transaction of a row that went through after an attempt that did not, with
that attempt's error (`Registry.when_cleared`)."""


class UnknownKind(LookupError):
    """Due work of a kind that no feature registered: nothing would ever run it."""


@dataclass
class Registry:
    """Maps a kind name to its handler; planners create future rows idempotently."""

    handlers: dict[str, Handler] = field(default_factory=dict)
    planners: dict[str, Planner] = field(default_factory=dict)
    holds: list[Hold] = field(default_factory=list)
    clears: list[Clear] = field(default_factory=list)

    @overload
    def kind(self, name: str) -> Callable[[Handler], Handler]: ...
    @overload
    def kind(self, name: str, handler: Handler) -> Handler: ...
    def kind(
        self, name: str, handler: Handler | None = None
    ) -> Handler | Callable[[Handler], Handler]:
        """Register the handler of a kind (or, without one, a decorator that does)."""

        def register(handler: Handler) -> Handler:
            if name in self.handlers or name == PLAN_KIND:
                raise ValueError(f"due-work kind {name!r} registered twice")
            self.handlers[name] = handler
            return handler

        return register if handler is None else register(handler)

    @overload
    def planner(self, name: str) -> Callable[[Planner], Planner]: ...
    @overload
    def planner(self, name: str, planner: Planner) -> Planner: ...
    def planner(
        self, name: str, planner: Planner | None = None
    ) -> Planner | Callable[[Planner], Planner]:
        """Register a planner, run hourly after those registered before it."""

        def register(planner: Planner) -> Planner:
            if name in self.planners:
                raise ValueError(f"planner {name!r} registered twice")
            self.planners[name] = planner
            return planner

        return register if planner is None else register(planner)

    def when_blocked(self, hold: Hold) -> Hold:
        """Also run `hold` when a row waits because Slack refuses until someone acts (the
        engine's `Blocked`): what to tell whom, scheduled in the same transaction."""
        self.holds.append(hold)
        return hold

    def when_cleared(self, clear: Clear) -> Clear:
        """Also run `clear` when a row goes through after an attempt that did not (a held
        row, a retried one): whoever told someone about the failure can say it is over."""
        self.clears.append(clear)
        return clear

    def knows(self, kind: str) -> bool:
        return kind in self.handlers or (kind == PLAN_KIND and bool(self.planners))

    def bind(self, session: Session) -> Session:
        """Let `schedule` in this session take this registry's kinds, and only those."""
        session.info[_BOUND] = self
        return session

    def bind_sessions(self, sessions: sessionmaker[Session]) -> sessionmaker[Session]:
        """`bind` every session this factory makes from now on."""
        sessions.configure(info={_BOUND: self})
        return sessions


def check_kind(session: Session, kind: str) -> None:
    """Refuse to schedule a kind that the session's registry does not know."""
    registry = session.info.get(_BOUND)
    if registry is None:
        raise UnknownKind(
            f"cannot schedule due work of kind {kind!r}: this session has no due-work "
            "registry (open it from the runtime's sessions, or bind one)"
        )
    if not registry.knows(kind):
        raise UnknownKind(f"no feature registered the due-work kind {kind!r}")
