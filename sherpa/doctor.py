"""`sherpa doctor`: one line per check an operator needs, exit 0 only if none failed.

It only looks: it never creates a database, and it asks Slack `auth.test` once."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, partial
from pathlib import Path

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import Engine, make_url

from bot.notifier import make_client
from bot.scopes import METHOD_SCOPES, scopes_for
from engagement import channels, db
from engagement.clock import utcnow
from engagement.duework.heartbeat import last_beat, overdue, silence
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
        ("clock", lambda: _clock(settings)),
    ]
    healthy = _run(checks, print_line)
    if healthy:  # the portfolio's channels, one line each, once Slack and the database work
        found: list[tuple[str, Check]] = []
        healthy = _run([("channels", lambda: _listed(settings, found))], print_line)
        healthy = _run(found, print_line) and healthy
    return healthy


def _run(checks: list[tuple[str, Check]], print_line: Callable[[str], None]) -> bool:
    """Each check's one line; True when none failed (a warning is no failure)."""
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


def _clock(settings: Settings) -> str:
    """When a clock last ran due work, and how much is overdue: fails when none has run for
    three minutes (a fresh install whose clock has never run is only told to start one)."""
    engine = _engine(settings)
    try:
        with db.read_session_factory(engine)() as session:
            last = last_beat(session)
            late = overdue(session, (settings.sherpa_rehearsal_clock or utcnow)())
    finally:
        engine.dispose()
    rows = f"{late} row{'s' if late != 1 else ''} of due work overdue"
    if last is None:
        return f"no clock has run yet ({rows}): start `sherpa scheduler`"
    now = utcnow()
    silent = silence(last, since=last, now=now)
    if silent is not None:
        raise SherpaError(f"{silent}; {rows}: is `sherpa scheduler` running?")
    seconds = int((now - last).total_seconds())
    return f"last run {last:%Y-%m-%d %H:%M:%S} UTC ({seconds} s ago); {rows}"


def _listed(settings: Settings, checks: list[tuple[str, Check]]) -> str:
    """Find the portfolio's channels in Slack; adds one check per channel to `checks`."""
    engine = _engine(settings)
    try:
        with db.session_factory(engine)() as session:
            uses = channels.portfolio_channels(session)
    finally:
        engine.dispose()
    client = make_client(settings.required("slack_bot_token"), settings.slack_api_url)
    visible: dict[str, str] = {}
    cursor = ""
    while uses:
        wanted = {"types": "public_channel,private_channel", "limit": 1000, "cursor": cursor}
        page = client.api_call("conversations.list", http_verb="GET", params=wanted)
        visible |= {f"#{found['name']}": str(found["id"]) for found in page["channels"]}
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or ""
        if not cursor:
            break
    for channel, use in uses.items():
        checks.append((f"channel {channel}", partial(_channel, client, visible, channel, use)))
    return f"{len(uses)} in the portfolio" if uses else "none in the portfolio yet"


def _channel(client: WebClient, visible: dict[str, str], channel: str, uses: list[str]) -> str:
    """Exists, public or private, and Sherpa a member where it must be (`conversations.info`)."""
    what = "; ".join(uses)
    channel_id = visible.get(channel) if channel.startswith("#") else channel
    if channel_id is None:
        raise SherpaError(
            f"not found: it does not exist, or it is private and Sherpa is not in it "
            f"(`/invite @Sherpa` in {channel}) — {what}"
        )
    info = client.api_call("conversations.info", http_verb="GET", params={"channel": channel_id})[
        "channel"
    ]
    kind = "private" if info.get("is_private") else "public"
    if info.get("is_archived"):
        raise SherpaError(f"archived: unarchive it, or name another channel — {what}")
    if not info.get("is_member") and (info.get("is_private") or channels.DIGEST in uses):
        raise SherpaError(
            f"{kind}, Sherpa is not a member: `/invite @Sherpa` in {channel} — {what}"
        )
    joined = "Sherpa is a member" if info.get("is_member") else "Sherpa posts without joining"
    return f"{kind}, {joined} — {what}"
