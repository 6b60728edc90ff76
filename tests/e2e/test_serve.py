"""`sherpa serve` starts exactly as the Procfile says, answers Slack, and stops gracefully."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from slack_emulator import Emulator
from tests.factories import workspace_for

ROOT = Path(__file__).resolve().parents[2]


def sherpa_command() -> list[str]:
    """The installed console script, as the Procfile runs it (or the module in a bare tree)."""
    script = Path(sys.executable).with_name("sherpa")
    if script.exists():
        return [str(script)]
    found = shutil.which("sherpa")
    return [found] if found else [sys.executable, "-m", "sherpa.cli"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_healthy(url: str, process: subprocess.Popen[bytes], limit: float = 60) -> dict[str, str]:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        assert process.poll() is None, "sherpa serve exited during start-up"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return dict(json.loads(response.read()))
        except OSError:
            time.sleep(0.2)  # polling a starting server, not waiting for time to pass
    raise AssertionError("sherpa serve did not become healthy")


@pytest.fixture
def served(
    tmp_path: Path, sqlite_template: Path
) -> Iterator[tuple[Emulator, str, subprocess.Popen[bytes]]]:
    database = tmp_path / "serve.sqlite3"
    database.write_bytes(sqlite_template.read_bytes())
    port = free_port()
    with Emulator(workspace_for()) as emulator:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": f"sqlite:///{database}",
            "SLACK_BOT_TOKEN": emulator.bot_token,
            "SLACK_SIGNING_SECRET": emulator.signing_secret,
            "SLACK_API_URL": emulator.api_url,
            "PORT": str(port),
            "WEB_CONCURRENCY": "2",
            "SHERPA_READ_TIMEOUT": "4",
        }
        process = subprocess.Popen(
            [*sherpa_command(), "serve", "--no-scheduler"],
            env=env,
            cwd=tmp_path,
            stderr=subprocess.PIPE,
        )
        try:
            yield emulator, f"http://127.0.0.1:{port}", process
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


def test_serve_answers_health_and_signed_commands_then_stops_on_sigterm(
    served: tuple[Emulator, str, subprocess.Popen[bytes]],
) -> None:
    emulator, base, process = served
    health = wait_healthy(f"{base}/healthz", process)
    assert health == {"status": "ok", "database": "ok", "scheduler_last_run": None}
    emulator.app_url = f"{base}/slack/events"
    assert emulator.actor.slash("U0SAM0001", "help").status == 200
    deadline = time.monotonic() + 20
    while not emulator.responses("U0SAM0001") and time.monotonic() < deadline:
        time.sleep(0.05)  # the reply is posted by another process after the ack
    assert "/sponsor status [account]" in emulator.responses("U0SAM0001")[0].body["text"]
    forged = emulator.actor.with_signature(secret="wrong-secret-123").slash("U0SAM0001", "help")
    assert forged.status == 401
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=40) == 0
    assert process.stderr is not None
    log = process.stderr.read().decode()
    assert "serve.worker_stopped drained=true" in log
    assert "xoxb-" not in log and emulator.signing_secret not in log


STALLS = [
    # headers, then a body that never comes
    b"POST /slack/events HTTP/1.1\r\nHost: sherpa\r\n"
    b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\ncommand=",
    b"POST /slack/events HTTP/1.1\r\nHost: sherpa\r\n",  # half the headers
    b"",  # connected, nothing sent
]


def test_stalled_clients_cost_a_connection_not_a_worker(
    served: tuple[Emulator, str, subprocess.Popen[bytes]],
) -> None:
    """64 connections that stall mid-request (2 workers of 8 threads here) do not stop a
    command from being answered at once, and are dropped after SHERPA_READ_TIMEOUT."""
    emulator, base, process = served
    wait_healthy(f"{base}/healthz", process)
    emulator.app_url = f"{base}/slack/events"
    port = int(base.rsplit(":", 1)[1])
    stalled = []
    for index in range(64):
        connection = socket.create_connection(("127.0.0.1", port), timeout=5)
        connection.sendall(STALLS[index % len(STALLS)])
        stalled.append(connection)
    try:
        answered = dataclasses.replace(emulator.actor, timeout=3).slash("U0SAM0001", "help")
        assert answered.status == 200 and "/sponsor status [account]" in answered.text
        for connection in stalled:  # the server hangs up on each, after its read timeout
            connection.settimeout(15)
            with contextlib.suppress(ConnectionResetError):
                assert connection.recv(1024) == b""
    finally:
        for connection in stalled:
            connection.close()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=40) == 0
    assert process.stderr is not None
    assert "request.read_timeout seconds=4" in process.stderr.read().decode()


def test_scheduler_runs_due_work_at_once_and_stops_on_sigterm(
    tmp_path: Path, sqlite_template: Path
) -> None:
    """The Procfile's clock process: a run straight away (its beat is recorded), then SIGTERM."""
    from sqlalchemy import select

    from engagement import db
    from engagement.models import SchedulerBeat

    database = tmp_path / "clock.sqlite3"
    database.write_bytes(sqlite_template.read_bytes())
    url = f"sqlite:///{database}"
    with Emulator(workspace_for()) as emulator:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": url,
            "SLACK_BOT_TOKEN": emulator.bot_token,
            "SLACK_API_URL": emulator.api_url,
        }
        process = subprocess.Popen([*sherpa_command(), "scheduler"], env=env, cwd=tmp_path,
                                   stderr=subprocess.PIPE)  # fmt: skip
        engine = db.make_engine(url)
        try:
            deadline = time.monotonic() + 30
            beats: list[SchedulerBeat] = []
            while not beats and time.monotonic() < deadline:
                assert process.poll() is None, "sherpa scheduler exited"
                with db.session_factory(engine)() as session:
                    beats = list(session.scalars(select(SchedulerBeat)))
                time.sleep(0.1)  # polling another process, not waiting for time to pass
            assert len(beats) == 1
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
        finally:
            engine.dispose()
            if process.poll() is None:
                process.kill()
    assert process.stderr is not None
    assert "clock.stopped released=0" in process.stderr.read().decode()


def test_dev_needs_the_app_token(
    monkeypatch: pytest.MonkeyPatch,
    sqlite_template: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from sherpa.cli import main

    database = tmp_path / "dev.sqlite3"
    database.write_bytes(sqlite_template.read_bytes())
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    assert main(["dev"]) == 2
    assert capsys.readouterr().err.strip() == (
        "sherpa: SLACK_APP_TOKEN is required for this command but is not set"
    )
