"""Sherpa in the production shape of the Procfile, on this machine.

PostgreSQL, `sherpa db upgrade` (release), `sherpa serve --no-scheduler` under gunicorn
with two workers (web) and two `sherpa scheduler` processes (clock), all talking to the
Slack emulator, which runs here in the test's process so the checks can read what Slack
saw. Every process shares one rehearsal clock, so a simulated week passes in minutes.
Any process can be killed as a machine dies (SIGKILL to its whole process group) and
started again. `running_shape` runs the same on any database, SQLite included, where the
web process can run its own scheduler instead of the clock processes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from engagement import db
from engagement.clock import RehearsalClock, utcnow
from engagement.models import DueWork, WorkState
from engagement.portfolio.importer import import_portfolio
from engagement.portfolio.schema import PortfolioSpec
from slack_emulator import Emulator
from tests import pg
from tests.reliability.population import Population

ROOT = Path(__file__).resolve().parents[2]


def sherpa() -> list[str]:
    """The installed console script, as the Procfile runs it (or the module in a bare tree)."""
    script = Path(sys.executable).with_name("sherpa")
    return [str(script)] if script.exists() else [sys.executable, "-m", "sherpa.cli"]


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _children(pid: int) -> list[int]:
    """Direct children of `pid`, from /proc (gunicorn's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def rss_mb(pid: int) -> float:
    """Resident memory of one process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Process:
    """One process of the Procfile, in a process group of its own."""

    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    popen: subprocess.Popen[bytes] | None = None
    kills: int = 0

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                self.command,
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        """As when its machine dies: no signal handler runs, nothing is given back."""
        assert self.popen is not None
        os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait()
        self.kills += 1

    def stop(self, timeout: float = 60) -> int | None:
        """SIGTERM, as a platform stops a process; its exit status."""
        if self.popen is None or self.popen.poll() is not None:
            return None if self.popen is None else self.popen.returncode
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            return self.popen.wait()

    @property
    def pids(self) -> list[int]:
        """The process and its direct children (gunicorn's master and workers)."""
        assert self.popen is not None
        return [self.popen.pid, *_children(self.popen.pid)]

    def rss_mb(self) -> dict[int, float]:
        return {pid: rss_mb(pid) for pid in self.pids}

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None


@dataclass
class Shape:
    url: str
    emulator: Emulator
    clock: RehearsalClock
    web: Process
    schedulers: list[Process]
    port: int
    engine: Engine = field(init=False)
    sessions: sessionmaker[Session] = field(init=False)

    def __post_init__(self) -> None:
        self.engine = create_engine(self.url, pool_pre_ping=True)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def events_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    @property
    def processes(self) -> list[Process]:
        return [self.web, *self.schedulers]

    def health(self) -> tuple[int, dict[str, Any]]:
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{self.port}/healthz", timeout=5
            ) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def wait_web(self, limit: float = 60) -> None:
        """Until the web process answers its health check (after a start or restart)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            try:
                if self.health()[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)  # polling a starting server
        raise AssertionError(f"the web process did not answer within {limit:.0f} s")

    def count(self, statement: Any) -> int:
        with self.sessions() as session:
            return int(session.scalar(statement) or 0)

    def unfinished(self, as_of: datetime) -> int:
        """Rows due by `as_of` that are not done yet (retries included)."""
        return self.count(
            select(func.count())
            .select_from(DueWork)
            .where(DueWork.due_at <= as_of, DueWork.state.in_([WorkState.DUE, WorkState.CLAIMED]))
        )

    def wait_caught_up(self, as_of: datetime, limit: float) -> bool:
        """Until everything due by `as_of` is done; False if it is not within `limit` s."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.clock() >= as_of and self.unfinished(as_of) == 0:
                return True
            time.sleep(0.5)
        return False

    def sim_at(self, instant: datetime) -> float:
        """The wall-clock time (Unix seconds) at which the shared clock reads `instant`."""
        return self.clock.anchor + (instant - self.clock.start).total_seconds() / self.clock.speed

    def wait_until(self, instant: datetime) -> None:
        """Until the shared clock reads `instant`."""
        time.sleep(max(0.0, self.sim_at(instant) - time.time()))


def _import(url: str, population: Population) -> None:
    """The release step (`sherpa db upgrade`) and the portfolio import."""
    db.upgrade(url)
    spec = PortfolioSpec.model_validate(population.portfolio)  # the file format is tested apart
    engine = db.make_engine(url)
    with db.transaction(db.session_factory(engine)) as session:
        import_portfolio(session, spec, now=utcnow())
    engine.dispose()


@contextmanager
def production_shape(
    server: pg.PostgresServer,
    population: Population,
    folder: Path,
    *,
    start: datetime,
    speed: float,
    lead: float = 4.0,
    schedulers: int = 2,
) -> Iterator[Shape]:
    """Everything of the Procfile running on a new database of `server`; the shared clock
    reads `start` `lead` seconds after the processes are launched (time for them to start),
    then runs `speed`x."""
    name = f"sherpa_{folder.name.replace('-', '_').lower()}"
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    with running_shape(
        server.url(name), population, folder, start=start, speed=speed, lead=lead,
        schedulers=schedulers,
    ) as shape:  # fmt: skip
        yield shape


@contextmanager
def running_shape(
    url: str,
    population: Population,
    folder: Path,
    *,
    start: datetime,
    speed: float,
    lead: float = 4.0,
    schedulers: int = 2,
) -> Iterator[Shape]:
    """The web process and `schedulers` clock processes on the empty database at `url`;
    with no clock process, the web runs its own scheduler (`sherpa serve`)."""
    _import(url, population)
    with Emulator(population.workspace) as emulator:
        port = _free_port()
        clock = RehearsalClock(start, speed, time.time() + lead)
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": url,
            "SLACK_BOT_TOKEN": emulator.bot_token,
            "SLACK_SIGNING_SECRET": emulator.signing_secret,
            "SLACK_API_URL": emulator.api_url,
            "SHERPA_REHEARSAL_CLOCK": str(clock),
            "PORT": str(port),
            "WEB_CONCURRENCY": "2",
        }
        serve = [*sherpa(), "serve", *(["--no-scheduler"] if schedulers else [])]
        web = Process("web", serve, env, folder / "web.log")
        clocks = [
            Process(f"clock.{n + 1}", [*sherpa(), "scheduler"], env, folder / f"clock{n + 1}.log")
            for n in range(schedulers)
        ]
        shape = Shape(url, emulator, clock, web, clocks, port)
        emulator.app_url = shape.events_url
        try:
            for process in shape.processes:
                process.start()
            shape.wait_web()
            yield shape
        finally:
            for process in shape.processes:
                process.stop()
            shape.engine.dispose()
