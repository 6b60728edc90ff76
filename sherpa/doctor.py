"""`sherpa doctor`: one line per check an operator needs, exit 0 only if all pass."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import text

from bot.notifier import make_client
from bot.scopes import METHOD_SCOPES, scopes_for
from engagement import channels, db
from engagement.clock import utcnow
from engagement.duework.heartbeat import last_beat, overdue, silence
from engagement.errors import SherpaError
from engagement.settings import Settings, load_settings

Check = Callable[[], str]


def run_checks(print_line: Callable[[str], None] = print) -> bool:
    """Run every check in order; later checks are skipped when what they need failed."""
    try:
        settings = load_settings()
    except SherpaError as error:
        print_line(f"FAIL settings: {error}")
        return False
    print_line("ok   settings")
    checks: list[tuple[str, Check]] = [
        ("database", lambda: _database(settings)),
        ("migrations", lambda: _migrations(settings)),
        ("slack token", lambda: _token(settings)[0]),
        ("slack scopes", lambda: _scopes(settings)),
        ("clock", lambda: _clock(settings)),
    ]
    healthy = all([_run(name, check, print_line) for name, check in checks])
    if healthy:  # the portfolio's channels, one line each, once Slack and the database work
        found: list[tuple[str, Check]] = []
        healthy = _run("channels", lambda: _listed(settings, found), print_line)
        healthy = all([_run(name, check, print_line) for name, check in found]) and healthy
    return healthy


def _run(name: str, check: Check, print_line: Callable[[str], None]) -> bool:
    try:
        detail = check()
    except SlackApiError as error:
        print_line(f"FAIL {name}: Slack answered {error.response.get('error')}")
    except (SherpaError, SlackClientError, OSError) as error:
        print_line(f"FAIL {name}: {error}")
    except Exception as error:  # a check must never crash the doctor
        print_line(f"FAIL {name}: {type(error).__name__}: {error}")
    else:
        print_line(f"ok   {name}: {detail}")
        return True
    return False


def _database(settings: Settings) -> str:
    engine = db.make_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return f"reachable ({engine.dialect.name})"
    finally:
        engine.dispose()


def _migrations(settings: Settings) -> str:
    engine = db.make_engine(settings.database_url)
    try:
        db.ensure_current(engine)
        return f"at the latest schema ({db.head_revision()})"
    finally:
        engine.dispose()


def _clock(settings: Settings) -> str:
    """When a clock last ran due work, and how much is overdue: fails when none has run for
    three minutes (a fresh install whose clock has never run is only told to start one)."""
    engine = db.make_engine(settings.database_url)
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


def _token(settings: Settings) -> tuple[str, set[str] | None]:
    client = make_client(settings.required("slack_bot_token"), settings.slack_api_url)
    response = client.auth_test()
    header = response.headers.get("x-oauth-scopes") or response.headers.get("X-OAuth-Scopes")
    granted = {scope.strip() for scope in header.split(",")} if header else None
    return f"valid for team {response.get('team')} as {response.get('user')}", granted


def _scopes(settings: Settings) -> str:
    _, granted = _token(settings)
    needed = scopes_for(set(METHOD_SCOPES))
    if granted is None:
        raise SherpaError("Slack did not report the token's scopes")
    missing = sorted(needed - granted)
    if missing:
        raise SherpaError(f"missing {', '.join(missing)}: reinstall the app from manifest.yml")
    return f"all {len(needed)} granted"


def _listed(settings: Settings, checks: list[tuple[str, Check]]) -> str:
    """Find the portfolio's channels in Slack; adds one check per channel to `checks`."""
    engine = db.make_engine(settings.database_url)
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
