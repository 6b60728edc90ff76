"""Indicator maths on hand-computed fixtures: windows, revisions, skips, zones, escalations."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from engagement.models import AdvocacyAction, Escalation
from engagement.scoring import indicators, weeks
from engagement.scoring.indicators import Timeline
from engagement.scoring.indicators.figures import week_parameters, week_rows, week_table
from engagement.scoring.indicators.values import WeekValues
from tests.factories import account_id, add_checkin, load_portfolio, person_id

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # Tuesday of ISO week 48 everywhere
W48 = weeks.week_of(date(2026, 11, 23))


def at(day: int, hour: int = 10, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def acme_history(session: Session) -> None:
    """Sponsor and SAM of Acme Corp over weeks 44-48 (see the expected means below)."""
    load_portfolio(session)
    sponsor = {"account": "Acme Corp", "user": "U0SPN0001", "role": "sponsor"}
    sam = {"account": "Acme Corp", "user": "U0SAM0001", "role": "sam"}
    add_checkin(session, **sponsor, period=date(2026, 10, 26), answers=[(5, 5, 5, 5, 5)])
    # an edit: only the latest revision counts
    add_checkin(session, **sponsor, period=date(2026, 11, 2),
                answers=[(1, 1, 1, 1, 1), (4, 4, 4, 4, 4)], held=True)  # fmt: skip
    add_checkin(session, **sponsor, period=date(2026, 11, 9), state="skipped")
    add_checkin(session, **sponsor, period=date(2026, 11, 16), answers=[(2, 3, 4, 5, 1)])
    add_checkin(session, **sponsor, period=date(2026, 11, 23), state="sent")
    add_checkin(session, **sam, period=date(2026, 11, 2), answers=[(3, 3, 3, 3, 3)], held=True)
    add_checkin(session, **sam, period=date(2026, 11, 9), state="expired")
    add_checkin(session, **sam, period=date(2026, 11, 16), answers=[(2, 2, 2, 2, 2)])
    add_checkin(session, **sam, period=date(2026, 11, 23), state="due", sent=False)
    acme, raiser = account_id(session, "Acme Corp"), person_id(session, "U0SAM0001")
    common = {"account_id": acme, "raised_by": raiser, "severity": "high", "summary": "s"}
    session.add_all([
        # acknowledged 48 h after it was raised, a day after its deadline: late
        Escalation(**common, created_at=at(10), ack_deadline=at(11), acknowledged_at=at(12),
                   state="acknowledged"),
        # acknowledged in 4 h and resolved: not open, not late
        Escalation(**common, created_at=at(18), ack_deadline=at(21), acknowledged_at=at(18, 14),
                   resolved_at=at(19), state="resolved"),
        # still open past its deadline: open and late
        Escalation(**common, created_at=at(20), ack_deadline=at(21), state="open"),
        # cancelled: counts nowhere
        Escalation(**common, created_at=at(20), ack_deadline=at(21), state="cancelled"),
    ])  # fmt: skip
    session.add_all([
        AdvocacyAction(account_id=acme, person_id=raiser, text="in", logged_at=at(20)),
        AdvocacyAction(account_id=acme, person_id=raiser, text="old", logged_at=at(20, 10, 10)),
    ])  # fmt: skip
    session.commit()


def timelines(session: Session, now: datetime = NOW) -> dict[str, Timeline]:
    accounts = indicators.load_accounts(session, indicators.everyone())
    computed = indicators.compute(session, accounts, now=now)
    return {timeline.account.name: timeline for timeline in computed.values()}


def test_rated_indicators_over_the_trailing_window(session: Session) -> None:
    acme_history(session)
    acme = timelines(session)["Acme Corp"]
    assert acme.current == W48
    week = acme.now
    # sponsor: 4s (revision 2 of Nov 2) and (2,3,4,5,1) of Nov 16; the Oct 26 answer is
    # outside weeks 45-48 and the skip adds nothing
    assert week.sponsor == {"stakeholder_engagement": 3.0, "strategic_alignment": 3.5,
                            "internal_advocacy": 4.0, "regular_checkins": 4.5,
                            "role_balance": 2.5}  # fmt: skip
    assert week.sam == dict.fromkeys(week.sponsor, 2.5)
    assert week.values["stakeholder_engagement"] == (4 + 2 + 3 + 2) / 4
    assert week.values["role_balance"] == (4 + 1 + 3 + 2) / 4
    assert week.gap == {"stakeholder_engagement": 0.5, "strategic_alignment": 1.0,
                        "internal_advocacy": 1.5, "regular_checkins": 2.0,
                        "role_balance": 0.0}  # fmt: skip
    assert week.values["perception_gap"] == 2.0
    # a week earlier the window (44-47) still holds the 5s of Oct 26
    assert acme.at(W48 - 1).values["stakeholder_engagement"] == (5 + 4 + 2 + 3 + 2) / 5


def test_response_rate_and_regularity(session: Session) -> None:
    acme_history(session)
    week = timelines(session)["Acme Corp"].now
    # settled (answered or expired; skips never count, the pending Nov 23 not yet):
    # sponsor Nov 2, 16; SAM Nov 2, 9 (expired), 16 → 4 answered of 5
    assert week.values["response_rate"] == pytest.approx(100 * 4 / 5)
    # periods with check-ins out: Nov 2 (meeting held), 9, 16, 23 → 1 of 4
    assert week.values["checkin_regularity"] == 25.0


def test_escalations_and_advocacy(session: Session) -> None:
    acme_history(session)
    week = timelines(session)["Acme Corp"].now
    assert week.values["escalations_open"] == 2
    assert week.values["acknowledged_late"] == 2
    assert week.values["hours_to_acknowledge"] == (48 + 4) / 2
    assert week.values["advocacy_actions"] == 1
    # as of the end of week 46 (Nov 15), only the first escalation existed
    earlier = timelines(session)["Acme Corp"].at(W48 - 2).values
    assert (earlier["escalations_open"], earlier["hours_to_acknowledge"]) == (1, 48)


def test_nothing_sent_means_no_data(session: Session) -> None:
    acme_history(session)
    globex = timelines(session)["Globex"].now
    assert "response_rate" not in globex.values
    assert "stakeholder_engagement" not in globex.values
    assert globex.values["escalations_open"] == 0


def test_unanswered_and_missed_streaks(session: Session) -> None:
    acme_history(session)
    sponsor = {"account": "Globex", "user": "U0SPN0002", "role": "sponsor"}
    add_checkin(session, **sponsor, period=date(2026, 11, 2), answers=[(3, 3, 3, 3, 3)])
    add_checkin(session, **sponsor, period=date(2026, 11, 9), state="expired")
    add_checkin(session, **sponsor, period=date(2026, 11, 16), state="expired")
    session.commit()
    found = timelines(session)
    assert found["Acme Corp"].unanswered  # the sponsor's Nov 23 check-in is still open
    assert found["Acme Corp"].missed == []  # a skip is not a miss
    (streak,) = found["Globex"].missed
    assert streak.user_id == "U0SPN0002"
    assert streak.periods == (date(2026, 11, 9), date(2026, 11, 16))
    assert found["Globex"].unanswered


def test_weeks_follow_each_account_zone(session: Session) -> None:
    load_portfolio(session)
    sunday_evening_in_new_york = datetime(2026, 11, 29, 20, 0, tzinfo=UTC)
    found = timelines(session, sunday_evening_in_new_york)
    assert found["Acme Corp"].current == W48
    assert found["Hanami Logistics"].current == W48 + 1  # already Monday in Tokyo
    assert weeks.label(W48) == "2026-W48"


def test_a_fixed_number_of_queries_for_any_number_of_accounts(session: Session) -> None:
    acme_history(session)
    accounts = indicators.load_accounts(session, indicators.everyone())
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append("x")

    bind = session.get_bind()
    event.listen(bind, "before_cursor_execute", count)
    try:
        indicators.compute(session, accounts[:1], now=NOW)
        one = len(statements)
        statements.clear()
        indicators.compute(session, accounts, now=NOW)
        # PostgreSQL's cursor is planned for all its rows first (`checkins._PLAN_WHOLE`)
        assert len(statements) == one == (4 if bind.dialect.name == "postgresql" else 3)
    finally:
        event.remove(bind, "before_cursor_execute", count)


def test_the_weeks_table_holds_each_zones_weeks_as_given_whatever_their_number(
    session: Session,
) -> None:
    """One JSON parameter carries the table; SQLite keeps instants as text, so a value
    that came back altered would move every window's edge."""
    table = week_table()
    statement = select(*table.c).order_by(table.c.zone, table.c.week)
    for zones in (["Europe/Berlin"], ["America/New_York", "Asia/Kolkata", "Europe/Berlin"]):
        current = {zone: W48 for zone in zones}  # Berlin's clocks went back in week 44
        rows = week_rows(current, NOW, W48 - 6, W48)
        back = session.execute(statement, week_parameters(rows)).all()
        assert [tuple(row) for row in back] == sorted(rows)
        assert {row.ends.tzinfo for row in back} == {UTC}


def test_a_weeks_values_read_as_a_mapping_of_what_has_data() -> None:
    values = WeekValues()
    values["response_rate"] = 50.0
    values.update({"stakeholder_engagement": 4.0, "advocacy_actions": 0.0})
    assert dict(values) == {
        "stakeholder_engagement": 4.0, "response_rate": 50.0, "advocacy_actions": 0.0,
    }  # fmt: skip
    assert len(values) == 3
    assert values.get("perception_gap") is None  # no data
    assert "perception_gap" not in values and "response_rate" in values
    with pytest.raises(KeyError):
        values["perception_gap"]
    with pytest.raises(KeyError):
        values["get"] = 1.0  # only indicators: not a method's name, not a typo
    assert values.get("update") is None
    del values["response_rate"]
    assert values == {"stakeholder_engagement": 4.0, "advocacy_actions": 0.0}
    values.fill([("perception_gap", 0.5), ("advocacy_actions", 2.0)])  # many at once
    assert values == {"stakeholder_engagement": 4.0, "advocacy_actions": 2.0, "perception_gap": 0.5}
    with pytest.raises(AttributeError):
        values.fill([("get", 1.0)])
    with pytest.raises(AttributeError):
        values.fill([("perception_gaps", 1.0)])
    assert values == {"stakeholder_engagement": 4.0, "advocacy_actions": 2.0, "perception_gap": 0.5}


def test_a_missed_streak_is_the_expired_check_ins_after_the_latest_answered_or_skipped(
    session: Session,
) -> None:
    load_portfolio(session)
    mondays = [date(2026, 10, 5) + timedelta(weeks=n) for n in range(7)]  # to 16 Nov

    def sponsor(account: str, user: str, *states: str) -> None:
        for monday, state in zip(mondays, states, strict=False):
            answers = [(3, 3, 3, 3, 3)] if state == "answered" else None
            add_checkin(session, account=account, user=user, role="sponsor", period=monday,
                        state=state, answers=answers)  # fmt: skip

    sponsor("Acme Corp", "U0SPN0001", "expired", "expired", "answered", "expired", "expired")
    sponsor("Globex", "U0SPN0002", "expired", "expired", "skipped", "expired")  # one since
    sponsor("Hanami Logistics", "U0SPN0003", "answered", "expired", *["expired"] * 5)
    session.commit()
    before = datetime(2026, 11, 17, 8, tzinfo=UTC)  # Hanami's last closes at 09:00
    missed = indicators.compute(
        session, indicators.load_accounts(session, indicators.everyone()), now=before
    )
    streaks = {timeline.account.name: timeline.missed for timeline in missed.values()}
    assert [s.periods for s in streaks["Acme Corp"]] == [(mondays[3], mondays[4])]
    assert streaks["Globex"] == []
    # closed by now: the five after the answer; the one closing later is not missed yet
    assert [s.periods for s in streaks["Hanami Logistics"]] == [tuple(mondays[1:6])]
    later = indicators.compute(
        session, indicators.load_accounts(session, indicators.everyone()), now=NOW
    )
    hanami = next(t for t in later.values() if t.account.name == "Hanami Logistics")
    assert [s.periods for s in hanami.missed] == [tuple(mondays[1:7])]
