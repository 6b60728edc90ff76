"""What a running Sherpa process holds: settings, the database, the Slack client, and what
the features registered that the process itself runs: the due-work kinds and planners
(the engine), the message renderers (the notifier) and the App Home sections.

The composition root (`bot/root.py`) starts it with those; nothing here knows a feature.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.executor import ContextThreadPool
from bot.home import Home
from bot.notifier import SlackNotifier, make_client
from bot.render import Renderers
from engagement import db, sending
from engagement.access import actor_for
from engagement.clock import Clock, utcnow
from engagement.duework.engine import Engine as DueEngine
from engagement.duework.registry import Registry
from engagement.duework.wake import Alarm, watch
from engagement.settings import Settings

DUE_WORK_CONCURRENCY = 4
"""Due-work items worked on at once on PostgreSQL (SQLite takes one writer at a time)."""


def connections_kept(settings: Settings) -> int:
    """A process's database connections kept open: one for each thread that may use one at
    once (a web worker's request and follow-up threads; a clock's due-work workers, two per
    item in progress). With SQLAlchemy's default of 5, under 200 clients the web opened and
    closed a PostgreSQL connection for most requests: 247 backends in 60 s."""
    return settings.web_threads + settings.sherpa_followup_threads + 2 * DUE_WORK_CONCURRENCY


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session] = field(repr=False)
    """Sessions that schedule due work for `registry` (`Registry.bind_sessions`)."""
    registry: Registry = field(repr=False)
    """Every kind of due work and every planner, for the engine."""
    renderers: Renderers = field(repr=False)
    """How each message looks in Slack, for the notifier."""
    home: Home = field(repr=False)
    """The sections of App Home (`publish_home`)."""
    clock: Clock = utcnow
    """"Now" for everything users do; `sherpa demo` runs it faster than real time."""
    stopping: threading.Event = field(default_factory=threading.Event)
    """Set on SIGTERM: due work claims nothing more and finishes what it holds."""
    alarm: Alarm = field(default_factory=Alarm, repr=False)
    """Rung after each commit that makes due work due now: wakes this process's clock, if
    it runs one (`sherpa.clock`); on PostgreSQL such a commit also wakes the others."""
    reads: sessionmaker[Session] = field(init=False, repr=False)
    """Sessions that only read (`db.read_session_factory`): they never wait for a writer."""
    reader: Engine = field(init=False, repr=False)
    """The engine for a single read with no ORM session around it (`db.read_only`)."""

    def __post_init__(self) -> None:
        self.registry.bind_sessions(self.sessions)
        watch(self.sessions, clock=self.clock, alarm=self.alarm)
        self.reads = db.read_session_factory(self.engine)
        self.reader = db.read_only(self.engine)

    @classmethod
    def start(
        cls,
        settings: Settings,
        *,
        registry: Registry,
        renderers: Renderers,
        home: Home,
        check_schema: bool = True,
        clock: Clock | None = None,
    ) -> Runtime:
        """Connect, and refuse an out-of-date schema with a one-line instruction.

        "Now" is `clock`, else the rehearsal clock of a drill, else the real one.
        """
        engine = db.make_engine(settings.database_url, keep_open=connections_kept(settings))
        if check_schema:
            db.ensure_current(engine)
        return cls(
            settings=settings,
            engine=engine,
            sessions=db.session_factory(engine),
            registry=registry,
            renderers=renderers,
            home=home,
            clock=clock or settings.sherpa_rehearsal_clock or utcnow,
        )

    @cached_property
    def notifier(self) -> SlackNotifier:
        token = self.settings.required("slack_bot_token")
        rate = self.settings.sherpa_post_rate
        pace = {"chat.postMessage": rate} if rate else None
        client = make_client(token, self.settings.slack_api_url)
        repliers = self.settings.web_threads + self.settings.sherpa_followup_threads
        return SlackNotifier(client, self.renderers, pace=pace, repliers=repliers)

    def stop_sending(self, reason: str) -> None:
        """Slack refuses the token from now on (an uninstall): every process stops sending."""
        self.notifier.stop(reason)
        with db.transaction(self.sessions) as session:
            sending.stop(session, reason, self.clock())

    def may_send(self) -> bool:
        """Before each due-work run: while sending is stopped (here or by another process),
        a cheap `auth.test` instead, and sending resumes, everywhere, when it works."""
        with self.reads() as session:
            stop = sending.stopped(session)
        if stop is None and self.notifier.stopped is None:
            return True
        if not self.notifier.probe():
            return False
        if stop is not None:
            with db.transaction(self.sessions) as session:
                sending.resume(session)
        return True

    @cached_property
    def followups(self) -> ContextThreadPool:
        """The work after an ack, in a pool of its own: slow work never holds up an ack.

        That work mostly waits on Slack, so by default there are threads for 8 calls in
        flight but places for 4 to run at once: with 4 threads, replies waiting on Slack
        filled the pool (a tenth of clicks did their work before acking); with 8 running,
        the follow-ups took the interpreter from the acks under a 200-client burst.
        """
        return ContextThreadPool(
            max_workers=self.settings.sherpa_followup_threads,
            places=self.settings.sherpa_followup_places,
            thread_name_prefix="followup",
        )

    def wait_idle(self, timeout: float = 30) -> bool:
        """Wait for the work listeners handed on after their acks (shutdown, tests)."""
        return self.followups.wait_idle(timeout)

    def publish_home(self, user_id: str) -> None:
        """Build and publish a person's App Home (also after changes made from it)."""
        with self.reads() as session:
            actor = actor_for(session, user_id, self.settings.sherpa_admins)
            view = self.home.view(session, actor, self.clock())
        self.notifier.call("views.publish", user_id=user_id, view=view)

    def due_engine(self, *, concurrency: int | None = None) -> DueEngine:
        """SQLite takes one writer at a time, so parallel delivery only adds lock waits there."""
        if concurrency is None:
            concurrency = 1 if self.engine.dialect.name == "sqlite" else DUE_WORK_CONCURRENCY
        return DueEngine(
            self.sessions,
            self.registry,
            self.notifier,
            concurrency=concurrency,
            stopping=self.stopping,
            admins=self.settings.sherpa_admins,
            may_send=self.may_send,
        )
