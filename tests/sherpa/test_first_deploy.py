"""The commonest first-deploy mistakes, each answered in one line on stderr with exit 2, and
`sherpa db current | history | downgrade`."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from engagement import db
from sherpa.cli import main
from tests import pg
from tests.conftest import fresh_postgres_url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def one_line(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """The one line a refused command prints; it must exit 2 and print no traceback."""
    status, out, err = run(capsys, *argv)
    lines = err.strip().splitlines()
    assert (status, out, len(lines)) == (2, "", 1), err
    assert lines[0].startswith("sherpa: ")
    return lines[0]


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "a-signing-secret")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api/")


@pytest.mark.postgres
def test_a_postgres_url_as_heroku_and_render_give_it_works(
    postgres: pg.PostgresServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = fresh_postgres_url(postgres)
    monkeypatch.setenv("DATABASE_URL", url.replace("postgresql+psycopg://", "postgres://"))
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api/")
    assert run(capsys, "db", "current")[1] == f"{db.head_revision()} (the latest)\n"
    status, out, _ = run(capsys, "tick", "--at", "2026-11-23T09:00:00Z")
    assert status == 0 and "plan=1" in out.split(";")[0]


@pytest.mark.usefixtures("slack")
@pytest.mark.parametrize("argv", [["db", "upgrade"], ["serve"], ["tick"], ["db", "current"]])
def test_a_database_that_cannot_be_reached(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    port = pg._free_port()  # nothing listens there
    monkeypatch.setenv("DATABASE_URL", f"postgres://sherpa:hunter22@127.0.0.1:{port}/sherpa")
    line = one_line(capsys, *argv)
    assert line.startswith(
        f"sherpa: the database at postgresql+psycopg://sherpa:***@127.0.0.1:{port}/sherpa "
        "cannot be reached: connection failed:"
    )
    assert "hunter22" not in line


@pytest.mark.usefixtures("slack")
@pytest.mark.parametrize("argv", [["db", "upgrade"], ["serve"], ["tick"]])
def test_a_sqlite_database_in_a_folder_that_does_not_exist(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    argv: list[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/missing/sherpa.sqlite3")
    assert one_line(capsys, *argv) == (
        f"sherpa: DATABASE_URL: the folder {tmp_path}/missing does not exist: create it "
        "(SQLite creates the database file, not its folder)"
    )
    assert not (tmp_path / "missing").exists()


@pytest.mark.usefixtures("slack")
@pytest.mark.parametrize(
    "argv",
    [["db", "upgrade"], ["serve"], ["tick"], ["import", "x.yaml"], ["db", "downgrade", "0001"]],
)
def test_a_schema_newer_than_the_code_after_a_rollback(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    sqlite_url: str,
    argv: list[str],
) -> None:
    engine = db.make_engine(sqlite_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    head = db.head_revision()
    assert one_line(capsys, *argv) == (
        f"sherpa: the database schema is at revision 0099, newer than this version of Sherpa "
        f"knows (its latest is {head}): deploy the newer version again, or with the newer "
        f"version run `sherpa db downgrade {head}` first"
    )
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).all() == [
            ("0099",)
        ]
    engine.dispose()


@pytest.mark.usefixtures("slack")
@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("WEB_CONCURRENCY", "two", "WEB_CONCURRENCY: Input should be a valid integer"),
        ("WEB_THREADS", "-1", "WEB_THREADS: Input should be greater than or equal to 1"),
        ("PORT", "0", "PORT: Input should be greater than or equal to 1"),
    ],
)
def test_a_bad_server_setting(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    sqlite_url: str,
    name: str,
    value: str,
    message: str,
) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv(name, value)
    assert one_line(capsys, "serve").startswith(f"sherpa: {message}")


def test_current_history_downgrade_and_upgrade_again(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], database_url: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    head = db.head_revision()
    assert run(capsys, "db", "current") == (0, f"{head} (the latest)\n", "")
    revisions = [line.split()[0] for line in run(capsys, "db", "history")[1].splitlines()]
    assert revisions[0] == head and revisions[-1] == "0001"

    assert run(capsys, "db", "downgrade", "0001")[:2] == (0, "database is at revision 0001\n")
    assert run(capsys, "db", "current")[1] == (
        f"0001 (the latest is {head}: run `sherpa db upgrade`)\n"
    )
    assert "run `sherpa db upgrade` first" in one_line(capsys, "tick")
    assert one_line(capsys, "db", "downgrade", "0003x") == (
        "sherpa: '0003x' is not a revision: `sherpa db history` lists them"
    )
    assert run(capsys, "db", "upgrade")[:2] == (0, f"database is at the latest schema ({head})\n")
    assert run(capsys, "db", "current")[1] == f"{head} (the latest)\n"
