"""Kept weeks: a digest reads completed weeks it kept, and never one that a change since
has made untrue."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from bot.root import wire
from engagement.duework.engine import Engine
from engagement.models import (
    AdvocacyAction,
    Answer,
    CheckIn,
    Escalation,
    KeptWeek,
    KpiActual,
    KpiDefinition,
    ScoreChange,
)
from engagement.scoring import evaluate, kept, weeks
from engagement.scoring.evaluate import History, score_accounts
from engagement.scoring.indicators import everyone
from engagement.scoring.messages import Digest
from tests.factories import account_id, add_checkin, load_portfolio, person_id, portfolio
from tests.fakes import FakeNotifier

registry = wire().due_work

FRIDAY = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)  # week 48 in New York
WEEKS = [date(2026, 11, 23) - timedelta(weeks=back) for back in range(11, -1, -1)]
CHANGED = WEEKS[5]  # a completed week, kept: its change reaches the four weeks after it
SCORECARD = [
    {"key": "stakeholder_engagement", "source": "indicator", "target": 4.0, "red_below": 3.0,
     "weight": 30},
    {"key": "response_rate", "source": "indicator", "target": 90, "red_below": 60, "weight": 10},
    {"key": "hours_to_acknowledge", "source": "indicator", "target": 24, "red_above": 72,
     "weight": 10},
    {"key": "advocacy_actions", "source": "indicator", "target": 1, "red_below": 1, "weight": 10},
    {"key": "joint_revenue_growth", "label": "Joint revenue growth", "unit": "%",
     "source": "manual", "target": 5, "red_below": 4, "weight": 30},
]  # fmt: skip
ACME = {"account": "Acme Corp", "user": "U0SPN0001", "role": "sponsor"}


def instant(day: date, hours: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hours, tzinfo=UTC)


@pytest.fixture
def acme(session: Session) -> Session:
    """Twelve weeks of one account's answers (one of them low), an escalation acknowledged
    in 80 h, the SAM's check-in of that week still unanswered, and one revenue figure."""
    load_portfolio(session, portfolio(scorecard=SCORECARD), now=instant(WEEKS[0], 0))
    for week in WEEKS:
        rating = 2 if week == CHANGED else 4
        add_checkin(session, **ACME, period=week, answers=[(rating,) * 5])
    add_checkin(session, account="Acme Corp", user="U0SAM0001", role="sam", period=CHANGED,
                state="sent")  # fmt: skip
    acme, sam = account_id(session, "Acme Corp"), person_id(session, "U0SAM0001")
    raised = instant(CHANGED + timedelta(days=1))
    session.add(Escalation(account_id=acme, raised_by=sam, severity="high", summary="s",
                           state="acknowledged", created_at=raised,
                           ack_deadline=raised + timedelta(hours=24),
                           acknowledged_at=raised + timedelta(hours=80)))  # fmt: skip
    session.add(KpiActual(account_id=acme, kpi_id=_kpi(session, "joint_revenue_growth"),
                          value=6, recorded_at=instant(WEEKS[0]), recorded_by=sam))  # fmt: skip
    session.commit()
    return session


def _kpi(session: Session, key: str) -> int:
    return session.scalars(select(KpiDefinition.id).where(KpiDefinition.key == key)).one()


Weeks = dict[str, list[tuple[int, int | None, tuple[Any, ...], tuple[Any, ...]]]]


def scorecards(session: Session, history: History, now: datetime = FRIDAY) -> Weeks:
    """Each account's weeks: score, statuses and values, as `history` gives them."""
    result = {
        scores.account.name: [
            (number, week.score.score, week.statuses, week.actuals)
            for number, week in sorted(scores.weeks.items())
            if number > scores.timeline.current - evaluate.HISTORY
        ]
        for scores in score_accounts(session, everyone(), now=now, history=history)
    }
    session.rollback()
    return result


def keep(sessions: sessionmaker[Session], now: datetime = FRIDAY) -> None:
    with sessions() as session:
        score_accounts(session, everyone(), now=now, history=History.KEEP)
        session.commit()


def _late_answer(session: Session) -> None:
    checkin = _checkin(session, "sam")
    checkin.state = "answered"
    session.add(_answer(checkin, revision=1, rating=1))


def _edit(session: Session) -> None:
    session.add(_answer(_checkin(session, "sponsor"), revision=2, rating=1))


def _expiry(session: Session) -> None:
    _checkin(session, "sam").state = "expired"


def _withdrawn(session: Session) -> None:
    checkin = _checkin(session, "sponsor")
    session.execute(delete(Answer).where(Answer.checkin_id == checkin.id))
    session.delete(checkin)


def _escalation_cancelled(session: Session) -> None:
    session.execute(update(Escalation).values(state="cancelled"))


def _advocacy_logged_late(session: Session) -> None:
    session.add(AdvocacyAction(account_id=account_id(session, "Acme Corp"),
                               person_id=person_id(session, "U0SPN0001"), text="Opened doors",
                               logged_at=instant(CHANGED + timedelta(days=2))))  # fmt: skip


def _revenue_recorded_late(session: Session) -> None:
    session.add(KpiActual(account_id=account_id(session, "Acme Corp"),
                          kpi_id=_kpi(session, "joint_revenue_growth"), value=1,
                          recorded_at=instant(CHANGED + timedelta(days=2)),
                          recorded_by=person_id(session, "U0SAM0001")))  # fmt: skip


def _checkin(session: Session, role: str) -> CheckIn:
    return session.scalars(
        select(CheckIn).where(CheckIn.period_start == CHANGED, CheckIn.role == role)
    ).one()


def _answer(checkin: CheckIn, *, revision: int, rating: int) -> Answer:
    ratings = dict.fromkeys(
        ("stakeholder_engagement", "strategic_alignment", "internal_advocacy",
         "regular_checkins", "role_balance"), rating,
    )  # fmt: skip
    return Answer(checkin_id=checkin.id, revision=revision, **ratings,
                  alignment_meeting_held=False, submitted_at=FRIDAY - timedelta(hours=1),
                  submitted_by=checkin.person_id)  # fmt: skip


CHANGES: dict[str, Callable[[Session], None]] = {
    "an answer given late": _late_answer,
    "an answer edited": _edit,
    "a check-in expired": _expiry,
    "a check-in withdrawn": _withdrawn,
    "an escalation cancelled": _escalation_cancelled,
    "an advocacy action logged late": _advocacy_logged_late,
    "a KPI value recorded late": _revenue_recorded_late,
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=list(CHANGES))
def test_a_change_to_a_kept_week_makes_it_computed_again(
    acme: Session, sessions: sessionmaker[Session], change: Callable[[Session], None]
) -> None:
    keep(sessions)
    before = scorecards(acme, History.KEPT)
    assert before == scorecards(acme, History.COMPUTED)
    change(acme)
    acme.commit()
    after = scorecards(acme, History.COMPUTED)
    changed = [week for week, old in zip(after["Acme Corp"], before["Acme Corp"], strict=True)
               if week != old]  # fmt: skip
    assert changed, "the change alters the kept weeks"
    assert changed[0][0] < after["Acme Corp"][-2][0], "a kept week, not only the recent two"
    assert scorecards(acme, History.KEPT) == after


def test_the_weeks_kept_are_the_ones_read(acme: Session, sessions: sessionmaker[Session]) -> None:
    keep(sessions)
    acme_id = account_id(acme, "Acme Corp")
    kept_weeks = acme.scalars(
        select(KeptWeek.week).where(KeptWeek.account_id == acme_id).order_by(KeptWeek.week)
    ).all()
    shown = [week for week, *_ in scorecards(acme, History.KEPT)["Acme Corp"]]
    assert kept_weeks == shown[:-1], "every completed week is kept, the current one is not"
    acme.execute(
        update(KeptWeek)
        .where(KeptWeek.account_id == acme_id, KeptWeek.week == shown[0])
        .values(statuses="rrrrr")
    )
    acme.commit()
    first = scorecards(acme, History.KEPT)["Acme Corp"][0]
    assert first[1] == 33 and first[3][0] == 4.0, "read as kept: all red, its values as they were"


def test_a_kept_week_holds_only_for_its_kpis_zone_and_time(
    acme: Session, sessions: sessionmaker[Session]
) -> None:
    keep(sessions)
    acme.execute(update(KeptWeek).values(statuses="rrrrr"))  # what a read would show
    acme.commit()
    acme.execute(update(KpiDefinition).where(KpiDefinition.key == "response_rate")
                    .values(target=95))  # fmt: skip
    assert scorecards(acme, History.KEPT) == scorecards(acme, History.COMPUTED)
    acme.execute(text("UPDATE accounts SET timezone = 'Asia/Tokyo' WHERE name = 'Acme Corp'"))
    assert (
        scorecards(acme, History.KEPT)["Acme Corp"]
        == scorecards(acme, History.COMPUTED)["Acme Corp"]
    )
    earlier = FRIDAY - timedelta(hours=1)  # `sherpa tick --at` an hour before they were kept
    assert scorecards(acme, History.KEPT, earlier) == scorecards(acme, History.COMPUTED, earlier)


def logged_changes(session: Session) -> int:
    count = session.scalar(select(func.count()).select_from(ScoreChange)) or 0
    session.rollback()  # SQLite's writers take turns: the next one may be another session
    return count


def test_changes_every_kept_week_has_seen_are_forgotten_a_day_later(
    acme: Session, sessions: sessionmaker[Session]
) -> None:
    keep(sessions)
    before = logged_changes(acme)
    _expiry(acme)
    acme.commit()
    logged = logged_changes(acme)
    assert logged == before + 1, "an update in place logs its row once"
    keep(sessions, FRIDAY + timedelta(minutes=5))
    assert logged_changes(acme) == logged, (
        "kept again, but logged less than a day ago: a computation still running may not "
        "have seen them"
    )
    two_days_ago = datetime.now(UTC) - timedelta(days=2)  # on the database's clock
    acme.execute(update(ScoreChange).values(logged_at=two_days_ago))
    _late_answer(acme)  # logged now: unseen by the weeks kept before it
    acme.commit()
    with sessions() as session:
        kept.prune(session, oldest=0)
        session.commit()
    remaining = acme.scalars(select(ScoreChange.since)).all()
    assert remaining == [CHANGED] * 2, "only the late answer's (its answer, and its check-in)"
    assert scorecards(acme, History.KEPT) == scorecards(acme, History.COMPUTED)


def test_the_posted_digest_keeps_its_weeks_and_an_hour_later_old_ones_are_forgotten(
    acme: Session, sessions: sessionmaker[Session]
) -> None:
    keep(sessions, FRIDAY - timedelta(weeks=4))  # a digest a month ago kept older weeks
    notifier = FakeNotifier()
    Engine(sessions, registry, notifier, worker="a").run_due(FRIDAY)
    assert [post[1].iso_week for post in notifier.posts if isinstance(post[1], Digest)] == [
        "2026-W48"
    ]
    current = weeks.week_of(WEEKS[-1])
    assert kept_weeks(acme) == list(range(current - 15, current)), "last month's, and now"
    assert scorecards(acme, History.KEPT) == scorecards(acme, History.COMPUTED)
    Engine(sessions, registry, notifier, worker="a").run_due(FRIDAY + kept.PRUNE_AFTER)
    assert kept_weeks(acme) == list(range(current - kept.OLDEST, current))


def kept_weeks(session: Session) -> list[int]:
    found = session.scalars(
        select(KeptWeek.week)
        .where(KeptWeek.account_id == account_id(session, "Acme Corp"))
        .order_by(KeptWeek.week)
    ).all()
    session.rollback()
    return list(found)


def test_a_change_committed_while_weeks_are_kept_is_never_taken_as_seen(
    acme: Session, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A late answer logged before a digest begins and committed while it is composed,
    after a later change was committed: its change's ID is below the latest one seen."""
    if acme.get_bind().dialect.name == "sqlite":
        pytest.skip("SQLite's writers take turns: nothing commits while a digest keeps weeks")
    late = sessions()
    _late_answer(late)
    late.flush()  # its change logged, not committed
    with sessions() as other:
        _advocacy_logged_late(other)
        other.commit()
    compute = evaluate._computed

    def computed_then_committed(*args: Any, **kwargs: Any) -> list[evaluate.AccountScores]:
        scored = compute(*args, **kwargs)
        late.commit()  # after the figures were read, before the weeks are kept
        return scored

    monkeypatch.setattr(evaluate, "_computed", computed_then_committed)
    keep(sessions)
    monkeypatch.undo()
    late.close()
    assert acme.scalar(select(func.count()).select_from(Answer).where(Answer.revision == 1)) == 13
    assert scorecards(acme, History.KEPT) == scorecards(acme, History.COMPUTED)


def test_a_change_is_logged_for_the_weeks_it_can_alter(acme: Session) -> None:
    def logged() -> list[date]:
        found = acme.scalars(select(ScoreChange.since).order_by(ScoreChange.id)).all()
        acme.rollback()
        return list(found)

    before = logged()
    planned = WEEKS[-1] + timedelta(weeks=1)
    checkin_id = add_checkin(acme, **ACME, period=planned, state="due", sent=False)
    acme.commit()
    assert logged() == before, "a check-in planned, not sent yet, counts nowhere"
    acme.execute(update(CheckIn).where(CheckIn.id == checkin_id).values(sent_at=FRIDAY))
    acme.commit()
    assert logged() == [*before, planned], "sent: its week"
    later = planned + timedelta(weeks=1)
    acme.execute(update(CheckIn).where(CheckIn.id == checkin_id).values(period_start=later))
    acme.commit()
    assert logged()[len(before) + 1 :] == [later, planned], "moved: both weeks"
