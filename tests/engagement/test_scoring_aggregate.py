"""The SQL aggregate behind every scorecard against a plain Python reference, on each
database: weeks without check-ins, revisions and late answers, skips and expiries,
advocacy at the edges of each account's local week, manual KPIs (one lower-is-better)
read as of each week's end, and an account without any data."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement.indicators import RATED
from engagement.models import (
    AdvocacyAction,
    Answer,
    CheckIn,
    CheckInState,
    KpiActual,
    KpiDefinition,
    Role,
)
from engagement.scoring import weeks
from engagement.scoring.evaluate import AccountScores, score_accounts
from engagement.scoring.indicators import HISTORY, WINDOW, everyone
from engagement.scoring.scorecard import Score, Status, Thresholds, overall, status_of
from tests.factories import account_id, add_checkin, load_portfolio, person_id, portfolio

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # Tuesday of ISO week 48 everywhere
W48 = weeks.week_of(date(2026, 11, 23))
SCORECARD: list[dict[str, Any]] = [
    {"key": "stakeholder_engagement", "source": "indicator", "target": 4.0,
     "red_below": 3.0, "weight": 25},
    {"key": "response_rate", "source": "indicator", "target": 90, "red_below": 60,
     "weight": 15},
    {"key": "checkin_regularity", "source": "indicator", "target": 75, "red_below": 50,
     "weight": 10},
    {"key": "joint_revenue_growth", "label": "Joint revenue growth", "unit": "%",
     "source": "manual", "target": 5, "red_below": 4, "weight": 25},
    {"key": "days_late", "label": "Days late on milestones", "unit": "days",
     "source": "manual", "target": 2, "red_above": 10, "weight": 15},
]  # fmt: skip


def monday(week: int) -> date:
    return weeks.monday(week)


def history(session: Session) -> None:
    """Acme Corp (New York): weeks with and without check-ins; Globex (Berlin): nothing;
    Hanami Logistics (Tokyo): answers only long ago, advocacy around its local midnight."""
    load_portfolio(session, portfolio(scorecard=SCORECARD))
    sponsor = {"account": "Acme Corp", "user": "U0SPN0001", "role": "sponsor"}
    sam = {"account": "Acme Corp", "user": "U0SAM0001", "role": "sam"}
    for back, ratings in ((13, (5, 4, 3, 2, 1)), (12, (2, 2, 2, 2, 2)), (9, (4, 5, 4, 5, 4))):
        add_checkin(session, **sponsor, period=monday(W48 - back), answers=[ratings],
                    held=back == 12)  # fmt: skip
    # weeks 10, 11 and 8 without any check-in; an edit: only the latest revision counts
    add_checkin(session, **sponsor, period=monday(W48 - 7),
                answers=[(1, 1, 1, 1, 1), (3, 4, 3, 4, 3)], held=True)  # fmt: skip
    add_checkin(session, **sponsor, period=monday(W48 - 6), state="skipped")
    add_checkin(session, **sponsor, period=monday(W48 - 5), state="expired")
    add_checkin(session, **sponsor, period=monday(W48 - 4), state="expired")
    add_checkin(session, **sponsor, period=monday(W48 - 2), answers=[(5, 5, 4, 4, 5)])
    add_checkin(session, **sponsor, period=monday(W48 - 1), answers=[(2, 3, 2, 3, 2)])
    add_checkin(session, **sponsor, period=monday(W48), state="sent")
    add_checkin(session, **sam, period=monday(W48 - 9), answers=[(3, 3, 3, 3, 3)])
    add_checkin(session, **sam, period=monday(W48 - 7), state="expired")
    add_checkin(session, **sam, period=monday(W48 - 2), answers=[(4, 4, 4, 4, 4)], held=True)
    add_checkin(session, **sam, period=monday(W48 - 1), state="skipped")
    add_checkin(session, **sam, period=monday(W48), state="due", sent=False)
    # answered after NOW: its answer does not count yet
    late = add_checkin(session, **sam, period=monday(W48 - 3), answers=[(1, 2, 1, 2, 1)])
    session.get_one(CheckIn, late).answers[0].submitted_at = NOW + timedelta(hours=1)
    hanami = {"account": "Hanami Logistics", "user": "U0SPN0003", "role": "sponsor"}
    add_checkin(session, **hanami, period=monday(W48 - 20), answers=[(5, 5, 5, 5, 5)])
    acme, hanami_id = account_id(session, "Acme Corp"), account_id(session, "Hanami Logistics")
    spn1, spn3 = person_id(session, "U0SPN0001"), person_id(session, "U0SPN0003")

    def utc(day: date, hour: int, minute: int = 0) -> datetime:
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)

    sunday = monday(W48) - timedelta(days=1)
    logged = [
        (acme, spn1, utc(monday(W48), 4, 30)),  # Sunday 23:30 in New York: week 47
        (acme, spn1, utc(monday(W48), 5, 30)),  # Monday 00:30 in New York: week 48
        (acme, spn1, utc(monday(W48 - 5), 12)),
        (acme, spn1, NOW + timedelta(minutes=1)),  # after NOW: not yet
        (hanami_id, spn3, utc(sunday, 14, 30)),  # Sunday 23:30 in Tokyo: week 47
        (hanami_id, spn3, utc(sunday, 15, 30)),  # Monday 00:30 in Tokyo: week 48
        (hanami_id, spn3, utc(monday(W48 - 14), 1)),  # the first week of the span
    ]
    session.add_all(
        AdvocacyAction(account_id=a, person_id=p, text="t", logged_at=at) for a, p, at in logged
    )
    kpis = {k.key: k.id for k in session.scalars(select(KpiDefinition))}
    sam1 = person_id(session, "U0SAM0001")
    recorded = [
        ("joint_revenue_growth", 3.0, utc(monday(W48 - 30), 12)),  # long before the span
        ("joint_revenue_growth", 4.5, utc(monday(W48 - 6), 12)),
        ("joint_revenue_growth", 6.0, utc(monday(W48 - 6), 12)),  # same instant: last wins
        ("joint_revenue_growth", 9.0, NOW + timedelta(hours=1)),  # after NOW
        ("days_late", 12.0, utc(monday(W48 - 10), 12)),  # red (above 10)
        ("days_late", 5.0, utc(monday(W48 - 3), 4, 59)),  # Sunday 23:59 in New York
        ("days_late", 1.0, utc(monday(W48 - 1), 12)),  # green (at or below 2)
    ]
    session.add_all(
        KpiActual(account_id=acme, kpi_id=kpis[key], value=value, recorded_at=at,
                  recorded_by=sam1)
        for key, value, at in recorded
    )  # fmt: skip
    session.commit()


# --- the reference: every figure recomputed from the rows, one account and week at a time


def _latest_answers(session: Session, now: datetime) -> dict[int, Answer]:
    """Each check-in's latest revision, when it was submitted by `now`."""
    latest: dict[int, Answer] = {}
    for answer in session.scalars(select(Answer)):
        seen = latest.get(answer.checkin_id)
        if seen is None or answer.revision > seen.revision:
            latest[answer.checkin_id] = answer
    return {key: answer for key, answer in latest.items() if answer.submitted_at <= now}


def _mean(values: Iterable[int]) -> float | None:
    items = list(values)
    return sum(items) / len(items) if items else None


def reference_figures(
    session: Session, account: int, zone: str, week: int, now: datetime
) -> dict[str, float]:
    answers = _latest_answers(session, now)
    window = range(week - WINDOW + 1, week + 1)
    checkins = [
        c
        for c in session.scalars(select(CheckIn).where(CheckIn.account_id == account))
        if weeks.week_of(c.period_start) in window
    ]

    def sent(c: CheckIn) -> bool:
        return c.sent_at is not None and c.sent_at <= now

    counted = [c for c in checkins if sent(c) and c.state != CheckInState.SKIPPED]
    settled = [c for c in counted if c.state in (CheckInState.ANSWERED, CheckInState.EXPIRED)]
    answered = [c for c in counted if c.state == CheckInState.ANSWERED]
    logged = session.scalars(
        select(AdvocacyAction.logged_at).where(AdvocacyAction.account_id == account)
    )
    values: dict[str, float] = {
        "advocacy_actions": float(
            sum(1 for at in logged if at <= now and weeks.local_week(at, zone) in window)
        )
    }
    rated = {c.id: answers[c.id] for c in checkins if c.id in answers}
    for key in RATED:
        mean = _mean(getattr(answer, key) for answer in rated.values())
        if mean is not None:
            values[key] = mean
    views = [
        [a for i, a in rated.items() if session.get_one(CheckIn, i).role == role]
        for role in (Role.SPONSOR, Role.SAM)
    ]
    if all(views):
        sponsor, sam = ({k: sum(getattr(a, k) for a in view) / len(view) for k in RATED}
                        for view in views)  # fmt: skip
        values["perception_gap"] = max(abs(sponsor[k] - sam[k]) for k in RATED)
    if settled:
        values["response_rate"] = 100 * len(answered) / len(settled)
        weeks_out = {weeks.week_of(c.period_start) for c in counted}
        held = {
            weeks.week_of(c.period_start)
            for c in checkins
            if c.id in rated and rated[c.id].alignment_meeting_held
        }
        values["checkin_regularity"] = 100 * len(held & weeks_out) / len(weeks_out)
    return values


def reference_actual(session: Session, account: int, kpi: int, instant: datetime) -> float | None:
    rows = session.execute(
        select(KpiActual.value, KpiActual.recorded_at, KpiActual.id).where(
            KpiActual.account_id == account,
            KpiActual.kpi_id == kpi,
            KpiActual.recorded_at <= instant,
        )
    ).all()
    return max(rows, key=lambda row: (row[1], row[2]))[0] if rows else None


def reference_score(
    session: Session, scores: AccountScores, week: int, now: datetime
) -> tuple[tuple[float | None, ...], Score]:
    account = scores.account
    figures = reference_figures(session, account.id, account.timezone, week, now)
    instant = weeks.as_of(week, account.timezone, now)
    actuals = tuple(
        figures.get(kpi.key)
        if kpi.source == "indicator"
        else reference_actual(session, account.id, kpi.id, instant)
        for kpi in scores.kpis
    )
    statuses = [
        None if value is None else status_of(value, kpi.thresholds)
        for kpi, value in zip(scores.kpis, actuals, strict=True)
    ]
    return actuals, overall([kpi.weight for kpi in scores.kpis], statuses)


def scored(session: Session, now: datetime = NOW) -> dict[str, AccountScores]:
    return {s.account.name: s for s in score_accounts(session, everyone(), now=now)}


# --- the tests ----------------------------------------------------------------------


INDICATOR_KEYS = (*RATED, "perception_gap", "response_rate", "checkin_regularity",
                  "advocacy_actions")  # fmt: skip


@pytest.mark.parametrize("now", [NOW, NOW - timedelta(weeks=3, hours=30)])
def test_every_figure_of_every_week_matches_the_reference(session: Session, now: datetime) -> None:
    history(session)
    for name, scores in scored(session, now).items():
        timeline = scores.timeline
        assert timeline.current == weeks.local_week(now, timeline.account.timezone)
        assert sorted(scores.weeks) == list(range(timeline.current - HISTORY + 1,
                                                  timeline.current + 1))  # fmt: skip
        for week in scores.weeks:
            expected = reference_figures(
                session, timeline.account.id, timeline.account.timezone, week, now
            )
            got = {k: v for k, v in timeline.at(week).values.items() if k in INDICATOR_KEYS}
            assert got == expected, (name, weeks.label(week))
            actuals, score = reference_score(session, scores, week, now)
            assert scores.weeks[week].actuals == actuals, (name, weeks.label(week))
            assert scores.weeks[week].score == score, (name, weeks.label(week))


def test_missing_weeks_keep_the_window_and_no_data_stays_empty(session: Session) -> None:
    history(session)
    accounts = scored(session)
    acme = accounts["Acme Corp"].timeline
    # weeks 37 and 38 have no check-in at all: the windows ending there still hold the
    # sponsor's answers of weeks 35 and 36
    for week in (W48 - 11, W48 - 10):
        assert acme.at(week).values["stakeholder_engagement"] == (5 + 2) / 2
    # the SAM's answer of week 45 was submitted after now, and only the sponsor's counts
    assert acme.at(W48).values["stakeholder_engagement"] == (5 + 2 + 4) / 3
    assert acme.now.sponsor["stakeholder_engagement"] == (5 + 2) / 2
    assert acme.unanswered  # week 48's check-ins are out and unanswered
    globex = accounts["Globex"]
    for week, result in globex.weeks.items():
        assert result.actuals == (None,) * 5, weeks.label(week)
        assert (result.score.score, result.score.status) == (None, None)
        assert "response_rate" not in globex.timeline.at(week).values
    hanami = accounts["Hanami Logistics"].timeline
    assert [hanami.at(W48 - back).values["advocacy_actions"] for back in (0, 1, 11)] == [2, 1, 1]
    assert "stakeholder_engagement" not in hanami.now.values  # its answers are too old


def test_a_lower_is_better_manual_kpi_as_of_each_week(session: Session) -> None:
    history(session)
    acme = scored(session)["Acme Corp"]
    days_late = [kpi.key for kpi in acme.kpis].index("days_late")
    seen = {weeks.label(w): (r.actuals[days_late], r.statuses[days_late])
            for w, r in acme.weeks.items()}  # fmt: skip
    assert seen[weeks.label(W48 - 11)] == (None, None)
    assert seen[weeks.label(W48 - 10)] == (12.0, Status.RED)
    assert seen[weeks.label(W48 - 4)] == (5.0, Status.AMBER)  # Sunday 23:59 in New York
    assert seen[weeks.label(W48 - 1)] == (1.0, Status.GREEN)
    revenue = [kpi.key for kpi in acme.kpis].index("joint_revenue_growth")
    assert acme.weeks[W48 - 7].actuals[revenue] == 3.0
    assert acme.weeks[W48 - 6].actuals[revenue] == 6.0  # two at one instant: the last
    assert acme.current.actuals[revenue] == 6.0  # the 9.0 comes after now
    assert acme.current.statuses[days_late] is Status.GREEN


def test_thresholds_of_a_lower_is_better_kpi() -> None:
    lower = Thresholds(target=2, red_above=10)
    assert [status_of(v, lower) for v in (1, 2, 2.5, 10, 10.5)] == [
        Status.GREEN, Status.GREEN, Status.AMBER, Status.AMBER, Status.RED,
    ]  # fmt: skip
