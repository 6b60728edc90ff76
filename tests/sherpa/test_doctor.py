"""`sherpa doctor` against the emulator: one line per check, exit 0 only when all pass."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from engagement import db
from engagement.clock import utcnow
from engagement.duework.heartbeat import beat
from engagement.models import DueWork
from sherpa.cli import main
from slack_emulator import Emulator


def doctor(capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    status = main(["doctor"])
    return status, capsys.readouterr().out.strip().splitlines()


@pytest.fixture
def healthy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/doctor.sqlite3"
    db.upgrade(url)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-emulator-token")
    return url


def test_all_checks_pass(
    healthy: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with Emulator() as emulator:
        monkeypatch.setenv("SLACK_API_URL", emulator.api_url)
        status, lines = doctor(capsys)
    assert status == 0
    assert [line.split(":")[0] for line in lines] == [
        "ok   settings",
        "ok   database",
        "ok   migrations",
        "ok   slack token",
        "ok   slack scopes",
        "ok   clock",
    ]
    assert lines[3] == "ok   slack token: valid for team Sherpa Emulated as sherpa"
    assert lines[5] == (
        "ok   clock: no clock has run yet (0 rows of due work overdue): start `sherpa scheduler`"
    )


def test_the_clock_check_tells_when_it_last_ran_and_what_is_overdue(
    healthy: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    now = utcnow()
    engine = db.make_engine(healthy)
    with db.transaction(db.session_factory(engine)) as session:
        beat(session, "clock-host:1", now - timedelta(seconds=30))
        session.add(DueWork(kind="checkin.send", key="late", due_at=now - timedelta(hours=1)))
    with Emulator() as emulator:
        monkeypatch.setenv("SLACK_API_URL", emulator.api_url)
        status, lines = doctor(capsys)
        assert status == 0
        assert lines[5].startswith("ok   clock: last run ")
        assert lines[5].endswith(" s ago); 1 row of due work overdue")
        with db.transaction(db.session_factory(engine)) as session:
            beat(session, "clock-host:1", now - timedelta(minutes=10))
        status, lines = doctor(capsys)
    engine.dispose()
    assert status == 1
    assert lines[5].startswith("FAIL clock: no clock has run for 10 min (last at ")
    assert lines[5].endswith("1 row of due work overdue: is `sherpa scheduler` running?")


def test_missing_scope_and_bad_token_fail(
    healthy: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with Emulator({"bot": {"scopes": ["chat:write", "commands"]}}) as emulator:
        monkeypatch.setenv("SLACK_API_URL", emulator.api_url)
        status, lines = doctor(capsys)
        assert status == 1
        assert lines[4].startswith("FAIL slack scopes: missing chat:write.public, files:write")
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-wrong")
        status, lines = doctor(capsys)
    assert status == 1 and lines[3].startswith("FAIL slack token:")
    assert "invalid_auth" in lines[3]


def test_out_of_date_schema_and_bad_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/empty.sqlite3")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-x")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api/")
    status, lines = doctor(capsys)
    assert status == 1 and lines[2].startswith("FAIL migrations: the database schema is not up")
    monkeypatch.setenv("PORT", "0")
    status, lines = doctor(capsys)
    assert (status, lines) == (
        1,
        ["FAIL settings: PORT: Input should be greater than or equal to 1"],
    )
