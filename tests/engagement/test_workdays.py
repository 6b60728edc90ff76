"""Working days: check-ins on weekends and public holidays (US, UK, Germany, Japan) move to
the next working day at the same local time; whose holidays apply; the portfolio switch."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.root import wire
from engagement.checkins.items import prompt
from engagement.checkins.planner import plan_checkins
from engagement.checkins.workdays import country_for, next_working_day, zone_country
from engagement.models import CheckIn, Person
from engagement.portfolio.loader import PortfolioInvalid, parse_portfolio
from tests.factories import load_portfolio, portfolio

SAM, SPONSOR = "U0SAM0001", "U0SPN0001"
render = wire().slack.renderers.render


def one_account(zone: str, weekday: str = "mon", **settings: Any) -> dict[str, Any]:
    document = portfolio(**{"working_days": True, **settings})
    document["accounts"] = [
        {"name": "Acme Corp", "sam": SAM, "sponsors": [SPONSOR], "timezone": zone,
         "checkins": {"cadence": "weekly", "weekday": weekday, "time": "09:00"}},
    ]  # fmt: skip
    return document


def first_checkin(session: Session, user: str) -> CheckIn:
    return session.scalars(
        select(CheckIn)
        .join(Person, Person.id == CheckIn.person_id)
        .where(Person.slack_user_id == user)
        .order_by(CheckIn.due_at)
    ).first()  # type: ignore[return-value]


def plan_before(session: Session, document: dict[str, Any], day: date) -> None:
    """Import, then plan from noon UTC three days before `day`."""
    planned_at = datetime.combine(day - timedelta(days=3), time(12), tzinfo=UTC)
    load_portfolio(session, document, now=planned_at - timedelta(days=30))
    plan_checkins(session, now=planned_at)
    session.commit()


@pytest.mark.parametrize(
    ("zone", "holiday", "moved_to"),
    [
        ("America/New_York", date(2026, 9, 7), date(2026, 9, 8)),  # Labor Day
        ("Europe/London", date(2026, 12, 28), date(2026, 12, 29)),  # Boxing Day (observed)
        ("Europe/Berlin", date(2026, 4, 6), date(2026, 4, 7)),  # Easter Monday
        ("Asia/Tokyo", date(2026, 9, 21), date(2026, 9, 24)),  # Silver Week: Mon to Wed off
    ],
)
def test_a_holiday_moves_the_checkin_to_the_next_working_day_same_local_time(
    session: Session, zone: str, holiday: date, moved_to: date
) -> None:
    plan_before(session, one_account(zone), holiday)
    checkin = first_checkin(session, SAM)
    assert checkin.period_start == moved_to
    local = checkin.due_at.astimezone(ZoneInfo(zone))
    assert (local.date(), local.time()) == (moved_to, time(9))


def test_a_weekend_checkin_moves_to_monday(session: Session) -> None:
    saturday = date(2026, 10, 17)
    plan_before(session, one_account("Europe/Berlin", weekday="sat"), saturday)
    assert first_checkin(session, SAM).period_start == date(2026, 10, 19)


def test_the_portfolio_switch_keeps_holidays_as_they_are(session: Session) -> None:
    labor_day = date(2026, 9, 7)
    plan_before(session, one_account("America/New_York", working_days=False), labor_day)
    assert first_checkin(session, SAM).period_start == labor_day


def test_a_persons_country_comes_before_the_account_and_the_zone(session: Session) -> None:
    """A Tokyo account: the SAM works to US holidays, the sponsor to Japan's (the zone's)."""
    document = one_account("Asia/Tokyo", people={SAM: {"country": "us"}})
    plan_before(session, document, date(2026, 9, 21))
    assert first_checkin(session, SAM).period_start == date(2026, 9, 21)
    assert first_checkin(session, SPONSOR).period_start == date(2026, 9, 24)


def test_an_accounts_country_and_the_portfolio_default(session: Session) -> None:
    document = one_account("Asia/Tokyo", country="DE")  # the default: no zone's country
    document["accounts"][0]["country"] = "GB"
    plan_before(session, document, date(2026, 12, 28))
    assert first_checkin(session, SAM).period_start == date(2026, 12, 29)  # GB's, not DE's


def test_whose_holidays() -> None:
    assert [zone_country(z) for z in ("Asia/Tokyo", "Europe/London", "America/Los_Angeles")] == [
        "JP",
        "GB",
        "US",
    ]
    assert zone_country("UTC") is None
    assert country_for("JP", "US", "DE", "Europe/London") == "JP"
    assert country_for(None, "US", "DE", "Europe/London") == "US"
    assert country_for(None, None, "DE", "Europe/London") == "DE"
    assert country_for(None, None, None, "Europe/London") == "GB"
    assert next_working_day(date(2026, 12, 26), None) == date(2026, 12, 28)  # weekends only
    assert next_working_day(date(2026, 12, 26), "GB") == date(2026, 12, 29)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"country": "XX"}, "unknown country 'XX'"),
        ({"people": {"U0NOBODY1": {"country": "US"}}}, "not a SAM or sponsor of any account"),
        ({"away_statuses": {"emoji": ["palm_tree"]}}, "not an emoji code"),
        ({"away_statuses": {"texts": [" "]}}, "would match every status"),
    ],
)
def test_bad_settings_are_refused_with_their_place(change: dict[str, Any], problem: str) -> None:
    with pytest.raises(PortfolioInvalid) as refused:
        parse_portfolio(yaml.safe_dump(portfolio(**change)))
    assert problem in str(refused.value)


def test_the_dm_says_which_day_off_the_checkin_moved_from(session: Session) -> None:
    plan_before(session, one_account("Asia/Tokyo"), date(2026, 9, 21))
    checkin = first_checkin(session, SAM)
    message = prompt(session, checkin.person, [checkin])
    assert (message.day, message.planned_day) == (date(2026, 9, 24), date(2026, 9, 21))
    assert message.day_off == "Respect for the Aged Day"
    text = json.dumps(render(message), ensure_ascii=False)
    assert "Thu 24 Sep, moved from Mon 21 Sep: Respect for the Aged Day" in text
