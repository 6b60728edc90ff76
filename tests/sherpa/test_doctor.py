"""`sherpa doctor` against the emulator: one line per check, exit 0 only when all pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from engagement import db
from sherpa.cli import main
from slack_emulator import Emulator
from tests import pg


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
    ]
    assert lines[5] == "ok   slack token: valid for team Sherpa Emulated as sherpa"
    assert asked == 1


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
    assert status == 1 and len(lines) == 7
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
        assert lines[6].startswith("FAIL slack scopes: missing chat:write.public, files:write")
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
