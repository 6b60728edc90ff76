"""`sherpa doctor`: one line per check an operator needs, exit 0 only if none failed.

It only looks: it never creates a database, and it asks Slack `auth.test` once."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import Engine, make_url

from bot.notifier import make_client
from bot.scopes import METHOD_SCOPES, scopes_for
from engagement import db
from engagement.errors import SherpaError
from engagement.settings import Settings, load_settings

Check = Callable[[], str]


class Advice(SherpaError):
    """Works, but not as production should run: the line says WARN, the exit status is 0."""


def run_checks(print_line: Callable[[str], None] = print) -> bool:
    """Run every check in order, one line each; True when none failed."""
    try:
        settings = load_settings()
    except SherpaError as error:
        print_line(f"FAIL settings: {error}")
        return False
    print_line("ok   settings")
    token = cache(lambda: _token(settings))
    checks: list[tuple[str, Check]] = [
        ("slack signing secret", lambda: _signing_secret(settings)),
        ("database", lambda: _database(settings)),
        ("database processes", lambda: _processes(settings)),
        ("migrations", lambda: _migrations(settings)),
        ("slack token", lambda: token()[0]),
        ("slack scopes", lambda: _scopes(token()[1])),
    ]
    healthy = True
    for name, check in checks:
        try:
            print_line(f"ok   {name}: {check()}")
        except Advice as warning:
            print_line(f"WARN {name}: {warning}")
        except Exception as error:  # a check must never crash the doctor
            print_line(f"FAIL {name}: {_one_line(error)}")
            healthy = False
    return healthy


def _one_line(error: Exception) -> str:
    if isinstance(error, SlackApiError):
        return f"Slack answered {error.response.get('error')}"
    if isinstance(error, SherpaError | SlackClientError | OSError):
        text = str(error)
    else:
        text = f"{type(error).__name__}: {error}"
    return (text.strip().splitlines() or [type(error).__name__])[0]


def _signing_secret(settings: Settings) -> str:
    if settings.slack_signing_secret:
        return "set"
    if settings.slack_app_token:
        return "not set: Socket Mode only (`sherpa dev`); `sherpa serve` needs it"
    raise SherpaError(
        "SLACK_SIGNING_SECRET is not set: `sherpa serve` refuses to start without it "
        "(the app's Basic Information page, App Credentials)"
    )


def _sqlite_file(settings: Settings) -> Path | None:
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def _engine(settings: Settings) -> Engine:
    """The database's engine; a SQLite file that does not exist is reported, not made."""
    path = _sqlite_file(settings)
    if path is not None and not path.exists():
        raise SherpaError(f"{path} does not exist: `sherpa db upgrade` creates it")
    return db.make_engine(settings.database_url)


def _database(settings: Settings) -> str:
    engine = _engine(settings)
    try:
        db.current_revision(engine)
        return f"reachable ({engine.dialect.name})"
    finally:
        engine.dispose()


def _processes(settings: Settings) -> str:
    if _sqlite_file(settings) is None:
        return "PostgreSQL: any number of web and clock processes"
    if settings.web_concurrency > 1:
        raise Advice(
            f"SQLite with WEB_CONCURRENCY={settings.web_concurrency}: one writer at a time "
            "for every process; use PostgreSQL with more than one process"
        )
    return "SQLite: keep to one process (`sherpa serve` with its clock, WEB_CONCURRENCY=1)"


def _migrations(settings: Settings) -> str:
    engine = _engine(settings)
    try:
        db.ensure_current(engine)
        return f"at the latest schema ({db.head_revision()})"
    finally:
        engine.dispose()


def _token(settings: Settings) -> tuple[str, set[str] | None]:
    client = make_client(settings.required("slack_bot_token"), settings.slack_api_url)
    response = client.auth_test()
    header = response.headers.get("x-oauth-scopes") or response.headers.get("X-OAuth-Scopes")
    granted = {scope.strip() for scope in header.split(",")} if header else None
    return f"valid for team {response.get('team')} as {response.get('user')}", granted


def _scopes(granted: set[str] | None) -> str:
    needed = scopes_for(set(METHOD_SCOPES))
    if granted is None:
        raise SherpaError("Slack did not report the token's scopes")
    missing = sorted(needed - granted)
    if missing:
        raise SherpaError(f"missing {', '.join(missing)}: reinstall the app from manifest.yml")
    return f"all {len(needed)} granted"
