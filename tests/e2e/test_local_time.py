"""Each person's own 09:00, leave and introductions, end to end: the signed endpoint, the
emulator's users with Slack zones and statuses of their own, and time moved by `tick`.

The portfolio is New York's; the emulated workspace says where people really are.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import select

from engagement.models import CheckIn, CheckInState, Person
from tests.e2e.test_checkins import MINUTE, SUNDAY, World, WorldFactory, make_world
from tests.factories import portfolio

__all__ = ["make_world"]  # the fixture, shared with test_checkins

SAM1, SPN1 = "U0SAM0001", "U0SPN0001"
NEW_YORK_9 = datetime(2026, 11, 23, 14, tzinfo=UTC)  # Monday 23 November, 09:00 New York
TOKYO_9 = datetime(2026, 11, 23, 0, tzinfo=UTC)
LOS_ANGELES_9 = datetime(2026, 11, 23, 17, tzinfo=UTC)
BERLIN_9 = datetime(2026, 11, 23, 8, tzinfo=UTC)


def new_york_only() -> dict[str, Any]:
    """One account, everything in New York as far as the portfolio file knows."""
    document = portfolio()
    document["accounts"] = document["accounts"][:1]  # Acme Corp: SAM1 and SPN1
    return document


def introductions(world: World, user: str) -> list[dict[str, Any]]:
    return [m for m in world.dms(user) if str(m.get("text", "")).startswith("Hello from Sherpa")]


def blocks_text(message: dict[str, Any]) -> str:
    return json.dumps(message["blocks"], ensure_ascii=False)


def checkins_of(world: World, user: str) -> list[CheckIn]:
    return world.query(
        select(CheckIn)
        .join(Person, Person.id == CheckIn.person_id)
        .where(Person.slack_user_id == user)
        .order_by(CheckIn.period_start)
    )


def test_first_checkins_come_at_nine_in_each_persons_slack_zone(
    make_world: WorldFactory,
) -> None:
    zones = {SAM1: "Asia/Tokyo", SPN1: "America/Los_Angeles"}
    world = make_world(new_york_only(), zones=zones)
    world.tick(SUNDAY)  # planned in New York's zone, then Slack tells the real ones
    for user, nine in ((SAM1, TOKYO_9), (SPN1, LOS_ANGELES_9)):
        [intro] = introductions(world, user)
        assert world.prompts(user) == []
        text = blocks_text(intro)
        assert "*Acme Corp*" in text and "check-in every Monday at 09:00" in text
        assert f"Mon 23 Nov at 09:00* your time ({zones[user]})" in text
        assert "Your admins added you" in text and "/sponsor pause" in text
        world.tick(nine - MINUTE)
        assert world.prompts(user) == [], f"{user} early"
        world.tick(nine)
        assert len(world.prompts(user)) == 1, f"{user} not at 09:00 local"
    world.tick(NEW_YORK_9)  # New York's 09:00 brings nobody a second DM
    world.tick(NEW_YORK_9 + timedelta(hours=1))
    assert [len(world.prompts(u)) for u in (SAM1, SPN1)] == [1, 1]
    assert [len(introductions(world, u)) for u in (SAM1, SPN1)] == [1, 1]
    tokyo = checkins_of(world, SAM1)[0]
    assert tokyo.due_at == TOKYO_9 and tokyo.sent_at == TOKYO_9


def test_a_zone_change_mid_week_moves_the_pending_checkin_once(make_world: WorldFactory) -> None:
    world = make_world(new_york_only())
    world.tick(SUNDAY)
    pending = checkins_of(world, SAM1)[0]
    assert pending.due_at == NEW_YORK_9
    world.at(SUNDAY + timedelta(hours=6))
    result = world.stack.slack.user_change(SAM1, tz="Europe/Berlin")  # SAM1 flies to Berlin
    world.stack.settle()
    assert result.status == 200
    [moved] = checkins_of(world, SAM1)
    assert moved.due_at == BERLIN_9 and moved.period_start == pending.period_start
    world.tick(BERLIN_9 - MINUTE)
    assert world.prompts(SAM1) == []
    world.tick(BERLIN_9)
    assert len(world.prompts(SAM1)) == 1
    world.tick(NEW_YORK_9)  # the old time passes: nothing more
    world.tick(NEW_YORK_9 + timedelta(hours=2))
    assert len(world.prompts(SAM1)) == 1
    assert len(world.prompts(SPN1)) == 1  # the sponsor stayed in New York
    [person] = world.query(select(Person).where(Person.slack_user_id == SAM1))
    assert person.timezone == "Europe/Berlin"


def test_a_vacation_status_with_an_expiry_pauses_then_resumes(make_world: WorldFactory) -> None:
    world = make_world(new_york_only())
    world.tick(SUNDAY)
    back = datetime(2026, 11, 27, 17, tzinfo=UTC)  # Friday: the status clears itself
    world.at(SUNDAY + timedelta(hours=1))
    world.stack.slack.user_change(
        SAM1,
        status_emoji=":palm_tree:",
        status_text="Vacationing",
        status_expiration=int(back.timestamp()),
    )
    world.stack.settle()
    world.tick(NEW_YORK_9)
    assert world.prompts(SAM1) == [] and len(world.prompts(SPN1)) == 1
    skipped = checkins_of(world, SAM1)[0]
    assert skipped.state == CheckInState.SKIPPED and skipped.sent_at is None  # not missed
    world.tick(NEW_YORK_9 + timedelta(days=2))  # the sponsor's nudge; none for SAM1
    assert world.nudges(SAM1) == [] and len(world.nudges(SPN1)) == 1
    next_monday = NEW_YORK_9 + timedelta(days=7)
    world.tick(next_monday - timedelta(hours=2))
    world.tick(next_monday)  # the status has expired: check-ins resume
    assert len(world.prompts(SAM1)) == 1
    states = [c.state for c in checkins_of(world, SAM1)][:2]
    assert states == [CheckInState.SKIPPED, CheckInState.SENT]


def test_an_away_status_without_expiry_lasts_until_it_changes(make_world: WorldFactory) -> None:
    world = make_world(new_york_only())
    world.tick(SUNDAY)
    world.at(SUNDAY + timedelta(hours=1))
    world.stack.slack.user_change(SAM1, status_emoji=":face_with_thermometer:", status_text="")
    world.stack.settle()
    world.tick(NEW_YORK_9)
    assert world.prompts(SAM1) == []
    world.at(NEW_YORK_9 + timedelta(days=3))
    world.stack.slack.user_change(SAM1, status_emoji="", status_text="")  # back at work
    world.stack.settle()
    world.tick(NEW_YORK_9 + timedelta(days=7))
    assert len(world.prompts(SAM1)) == 1


def test_a_rate_limited_status_read_holds_up_no_checkin_and_the_last_status_known_decides(
    make_world: WorldFactory,
) -> None:
    world = make_world(new_york_only(), zones={SAM1: "Asia/Tokyo"})
    world.tick(SUNDAY)
    world.at(SUNDAY + timedelta(hours=1))
    world.stack.slack.user_change(SAM1, status_emoji=":palm_tree:", status_text="Vacationing")
    world.stack.settle()
    emulator = world.stack.emulator
    emulator.workspace.change_user(SAM1, status_emoji="", status_text="")  # unannounced
    emulator.rate_limits.set("users.info", 1, 60.0)
    client = WebClient(token=emulator.bot_token, base_url=emulator.api_url)
    assert client.users_info(user=SPN1)["ok"]  # someone else took this minute's call
    world.tick(NEW_YORK_9)  # Tokyo's 09:00 and New York's: both statuses are stale
    assert world.prompts(SAM1) == [] and len(world.prompts(SPN1)) == 1
    [skipped] = checkins_of(world, SAM1)[:1]
    assert skipped.due_at == TOKYO_9 and skipped.state == CheckInState.SKIPPED
    assert [call.status for call in emulator.calls("users.info")][-2:] == [200, 429]


def test_a_dm_to_sherpa_is_answered_once_a_day_and_bots_never(make_world: WorldFactory) -> None:
    world = make_world(new_york_only())
    world.tick(SUNDAY)
    slack = world.stack.slack

    def answers() -> list[dict[str, Any]]:
        return [m for m in world.dms(SAM1) if "/sponsor help" in str(m.get("text", ""))]

    assert slack.direct_message(SAM1, "hello?").status == 200
    world.stack.settle()
    world.tick(SUNDAY + MINUTE)
    [answer] = answers()
    assert "Home" in answer["text"]
    slack.direct_message(SAM1, "hello again")
    slack.direct_message(SAM1, "edited", subtype="message_changed")
    slack.direct_message(SAM1, "from a bot", bot_id="B0OTHER001")
    slack.direct_message(world.stack.emulator.workspace.bot.user_id, "my own")
    world.stack.settle()
    world.tick(SUNDAY + 2 * MINUTE)
    assert len(answers()) == 1
    world.at(SUNDAY + timedelta(days=1))
    slack.direct_message(SAM1, "next day")
    world.stack.settle()
    world.tick(SUNDAY + timedelta(days=1, minutes=1))
    assert len(answers()) == 2
