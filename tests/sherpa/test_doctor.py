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
from slack_emulator import Bot, Emulator
from tests import pg
from tests.conftest import loaded_workspace


def doctor(capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    status = main(["doctor"])
    return status, capsys.readouterr().out.strip().splitlines()


@pytest.fixture
def healthy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/doctor.sqlite3"
    db.upgrade(url)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-emulator-token")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "a-signing-secret")
    monkeypatch.setenv("WEB_CONCURRENCY", "1")
    return url


def test_all_checks_pass(
    healthy: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with Emulator() as emulator:
        monkeypatch.setenv("SLACK_API_URL", emulator.api_url)
        status, lines = doctor(capsys)
        asked = len(emulator.calls("auth.test"))
    assert status == 0
    assert [line.split(":")[0] for line in lines] == [
        "ok   settings",
        "ok   slack signing secret",
        "ok   database",
        "ok   database processes",
        "ok   migrations",
        "ok   slack token",
        "ok   slack scopes",
        "ok   clock",
        "ok   channels",
    ]
    assert lines[5] == "ok   slack token: valid for team Sherpa Emulated as sherpa"
    assert asked == 1
    assert lines[7] == (
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
        assert lines[7].startswith("ok   clock: last run ")
        assert lines[7].endswith(" s ago); 1 row of due work overdue")
        with db.transaction(db.session_factory(engine)) as session:
            beat(session, "clock-host:1", now - timedelta(minutes=10))
        status, lines = doctor(capsys)
    engine.dispose()
    assert status == 1
    assert lines[7].startswith("FAIL clock: no clock has run for 10 min (last at ")
    assert lines[7].endswith("1 row of due work overdue: is `sherpa scheduler` running?")


def test_no_settings_creates_no_database_and_names_the_signing_secret(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With nothing set, in an empty folder: what is missing is named, nothing is made."""
    for name in ("DATABASE_URL", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    status, lines = doctor(capsys)
    assert status == 1 and list(tmp_path.iterdir()) == []
    assert lines[1:5] == [
        "FAIL slack signing secret: SLACK_SIGNING_SECRET is not set: `sherpa serve` refuses to "
        "start without it (the app's Basic Information page, App Credentials)",
        f"FAIL database: {tmp_path}/sherpa.sqlite3 does not exist: `sherpa db upgrade` creates it",
        "WARN database processes: SQLite with WEB_CONCURRENCY=2: one writer at a time for "
        "every process; use PostgreSQL with more than one process",
        f"FAIL migrations: {tmp_path}/sherpa.sqlite3 does not exist: `sherpa db upgrade` "
        "creates it",
    ]
    assert lines[5] == (
        "FAIL slack token: SLACK_BOT_TOKEN is required for this command but is not set"
    )


def test_a_database_that_cannot_be_reached_is_one_line(
    healthy: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"postgres://sherpa@127.0.0.1:{pg._free_port()}/sherpa")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api/")
    status, lines = doctor(capsys)
    assert status == 1 and len(lines) == 8
    assert lines[2].startswith("FAIL database: the database at postgresql+psycopg://sherpa@")
    assert "cannot be reached: connection failed:" in lines[2]
    assert lines[3] == "ok   database processes: PostgreSQL: any number of web and clock processes"


def test_missing_scope_and_bad_token_fail(
    healthy: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with Emulator({"bot": {"scopes": ["chat:write", "commands"]}}) as emulator:
        monkeypatch.setenv("SLACK_API_URL", emulator.api_url)
        status, lines = doctor(capsys)
        assert status == 1
        assert lines[6].startswith("FAIL slack scopes: missing channels:read, chat:write.public")
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-wrong")
        status, lines = doctor(capsys)
    assert status == 1 and lines[5].startswith("FAIL slack token:")
    assert "invalid_auth" in lines[5]


def test_out_of_date_schema_and_bad_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty.sqlite3").touch()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/empty.sqlite3")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-x")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api/")
    status, lines = doctor(capsys)
    assert status == 1 and lines[4].startswith("FAIL migrations: the database schema is not up")
    monkeypatch.setenv("PORT", "0")
    status, lines = doctor(capsys)
    assert (status, lines) == (
        1,
        ["FAIL settings: PORT: Input should be greater than or equal to 1"],
    )


def test_each_channel_of_the_portfolio_gets_a_line(
    healthy: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace = loaded_workspace(healthy)
    setup = {
        "exec-steering": {"is_private": True},  # Sherpa not invited
        "sponsor-digest": {},  # public, Sherpa not in it: no chart
        "globex-alliance": {"is_archived": True},
        "hanami-alliance": {"is_private": True, "invited": True},
    }
    for channel in workspace["channels"]:
        change = setup.get(channel["name"])
        if change is not None and not change.pop("invited", False):
            channel["members"] = [m for m in channel["members"] if m != Bot().user_id]
        channel.update(change or {})
    with Emulator(workspace) as emulator:
        monkeypatch.setenv("SLACK_API_URL", emulator.api_url)
        status, lines = doctor(capsys)
    assert status == 1
    assert lines[7].startswith("ok   clock:")
    assert lines[8] == "ok   channels: 5 in the portfolio"
    assert sorted(lines[9:]) == [
        "FAIL channel #exec-steering: not found: it does not exist, or it is private and "
        "Sherpa is not in it (`/invite @Sherpa` in #exec-steering) — escalation path",
        "FAIL channel #globex-alliance: archived: unarchive it, or name another channel — "
        "Globex's channel",
        "FAIL channel #sponsor-digest: public, Sherpa is not a member: `/invite @Sherpa` in "
        "#sponsor-digest — digest (a file: Sherpa must be a member)",
        "ok   channel #acme-alliance: public, Sherpa is a member — Acme Corp's channel",
        "ok   channel #hanami-alliance: private, Sherpa is a member — Hanami Logistics's channel",
    ]
