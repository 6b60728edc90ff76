"""Review cadence (seed 002): when each account's review falls due by its governance,
recording one held, and the sponsor's reminder two weeks ahead with a drafted agenda."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from engagement.dates import months_after
from engagement.db import transaction
from engagement.duework.engine import Engine
from engagement.duework.registry import Registry
from engagement.errors import Invalid, NotFound
from engagement.escalations import service as escalations
from engagement.escalations.rules import EscalationInput
from engagement.models import Account, Review
from engagement.reviews import cadence
from engagement.reviews import register as register_reviews
from engagement.reviews.cadence import review_dues
from engagement.reviews.reminders import ReviewReminder
from engagement.reviews.service import record_review, reviews_for
from engagement.risks.rules import RiskInput
from engagement.risks.service import log_risk
from engagement.scoring.cards import status_cards
from engagement.scoring.kpis import record_kpi
from engagement.scoring.scorecard import Status
from tests.factories import NOW, actor, add_checkin, load_portfolio, portfolio
from tests.fakes import FakeNotifier

SAM, SPONSOR = "U0SAM0001", "U0SPN0001"  # Acme Corp's, direct governance


def governed() -> dict[str, Any]:
    document = portfolio()
    accounts = document["accounts"]
    accounts[1]["governance"] = "steering-committee"  # Globex, Berlin
    accounts[2]["governance"] = "three-tier"  # Hanami Logistics, Tokyo
    accounts[2]["review_every"] = "semi-annual"
    return document


def dues(session: Session) -> dict[str, tuple[str, date]]:
    accounts = session.scalars(select(Account).order_by(Account.name)).all()
    return {due.account: (due.name, due.next_due) for due in review_dues(session, accounts)}


def test_the_governance_sets_the_cadence_and_the_file_may_override_it(session: Session) -> None:
    load_portfolio(session, governed())  # accounts created on NOW, 23 Nov 2026
    assert dues(session) == {
        "Acme Corp": ("monthly sponsor–SAM review", date(2026, 12, 23)),
        "Globex": ("quarterly steering committee", date(2027, 2, 23)),
        "Hanami Logistics": ("semi-annual executive steering committee", date(2027, 5, 23)),
    }


def test_a_month_later_keeps_the_day_or_takes_the_months_last() -> None:
    assert months_after(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert months_after(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert months_after(date(2026, 12, 15), 1) == date(2027, 1, 15)


def test_recording_a_review_moves_the_next_due_date(session: Session) -> None:
    load_portfolio(session, governed())
    later = NOW + timedelta(days=10)
    recorded = record_review(
        session, actor=actor(session, "U0SPN0002"), account="globex",
        held_on=date(2026, 12, 1), notes="Roadmap agreed", now=later,
    )  # fmt: skip
    assert (recorded.held_on, recorded.due.next_due) == (date(2026, 12, 1), date(2027, 3, 1))
    again = record_review(
        session, actor=actor(session, "U0SAM0002"), account="Globex",
        held_on=date(2026, 12, 1), notes="Minutes attached", now=later,
    )  # fmt: skip
    assert again.due.last_held == date(2026, 12, 1)
    session.commit()
    assert session.scalars(select(Review.notes)).all() == ["Minutes attached"]  # one a day


def test_a_future_review_and_an_outsider_are_refused_and_nothing_is_written(
    session: Session,
) -> None:
    load_portfolio(session, governed())
    with pytest.raises(Invalid, match=r"^2026-11-24 is still to come"):
        record_review(session, actor=actor(session, SAM), account="Acme Corp",
                      held_on=date(2026, 11, 24), notes="", now=NOW)  # fmt: skip
    with pytest.raises(NotFound, match=r"^None of your accounts is named 'Acme Corp'"):
        record_review(session, actor=actor(session, "U0SAM0002"), account="Acme Corp",
                      held_on=None, notes="", now=NOW)  # fmt: skip
    session.commit()
    assert session.scalar(select(func.count()).select_from(Review)) == 0


def test_an_alignment_meeting_in_a_check_in_counts_for_a_monthly_review(session: Session) -> None:
    load_portfolio(session, governed())
    for account, user in (("Acme Corp", SPONSOR), ("Globex", "U0SPN0002")):
        add_checkin(session, account=account, user=user, role="sponsor",
                    period=date(2026, 11, 30), answers=[(4, 4, 4, 4, 4)], held=True)  # fmt: skip
    session.commit()
    assert dues(session)["Acme Corp"][1] == date(2026, 12, 30)  # monthly: counts
    assert dues(session)["Globex"][1] == date(2027, 2, 23)  # quarterly committee: does not


@pytest.mark.parametrize("many", [0, 1000], ids=["recent first", "in full"])
def test_the_latest_meetings_are_the_same_read_recent_first_or_in_full(
    session: Session, monkeypatch: pytest.MonkeyPatch, many: int
) -> None:
    load_portfolio(session, portfolio())  # all three direct: a meeting counts
    meetings = {
        "Acme Corp": (date(2026, 8, 3), date(2026, 11, 30)),  # an old one, then a recent one
        "Globex": (date(2026, 9, 7),),  # only long ago: read in full
        "Hanami Logistics": (date(2026, 11, 30),),  # recent, but not always asked
    }
    ids: dict[str, int] = {}
    for number, (account, periods) in enumerate(meetings.items(), start=1):
        for period in periods:
            add_checkin(session, account=account, user=f"U0SPN000{number}", role="sponsor",
                        period=period, answers=[(4, 4, 4, 4, 4)], held=True)  # fmt: skip
        ids[account] = session.scalars(select(Account.id).where(Account.name == account)).one()
    session.commit()
    monkeypatch.setattr(cadence, "MANY", many)
    monkeypatch.setattr(cadence, "utcnow", lambda: datetime(2026, 12, 20, tzinfo=UTC))

    def at(day: date) -> datetime:  # add_checkin's first revision: 10:00 UTC that day
        return datetime(day.year, day.month, day.day, 10, tzinfo=UTC)

    assert cadence.meetings(session, list(ids.values())) == {
        ids["Acme Corp"]: at(date(2026, 11, 30)),
        ids["Globex"]: at(date(2026, 9, 7)),
        ids["Hanami Logistics"]: at(date(2026, 11, 30)),
    }
    asked = [ids["Acme Corp"], ids["Globex"]]
    assert cadence.meetings(session, asked) == {
        ids["Acme Corp"]: at(date(2026, 11, 30)),
        ids["Globex"]: at(date(2026, 9, 7)),
    }


def test_a_persons_reviews_soonest_first(session: Session) -> None:
    load_portfolio(session, governed())
    shown = [due.account for due in reviews_for(session, actor(session, SPONSOR))]
    assert shown == ["Acme Corp"]


def engine(sessions: sessionmaker[Session], notifier: FakeNotifier) -> Engine:
    registry = Registry()
    register_reviews(registry)
    return Engine(sessions, registry, notifier)


def test_each_sponsor_is_reminded_two_weeks_ahead_at_09_00_their_time_with_the_agenda(
    sessions: sessionmaker[Session],
) -> None:
    document = governed()
    document["accounts"][0]["sponsors"] = [SPONSOR, "U0SPN0009"]
    with sessions() as session:
        load_portfolio(session, document)
        log_risk(
            session,
            actor=actor(session, SAM),
            account="Acme Corp",
            now=NOW,
            fields=RiskInput.read(probability=4, impact=4, description="CIO leaves"),
        )
        escalations.raise_escalation(
            session, actor=actor(session, SAM), account_name="Acme Corp", now=NOW,
            fields=EscalationInput.read({"severity": "high", "summary": "Renewal blocked"}),
        )  # fmt: skip
        record_kpi(session, actor=actor(session, SAM), account_name="Acme Corp",
                   key="joint_revenue_growth", value="3",
                   now=datetime(2026, 12, 8, tzinfo=UTC))  # fmt: skip
        session.commit()
    notifier = FakeNotifier()
    remind_on = date(2026, 12, 9)  # 14 days before Acme Corp's review, due 23 Dec
    engine(sessions, notifier).run_due(datetime(2026, 12, 8, 10, tzinfo=UTC))
    assert notifier.messages_of(ReviewReminder) == []  # queued a day ahead, not sent
    new_york_nine = datetime(2026, 12, 9, 14, tzinfo=UTC)
    engine(sessions, notifier).run_due(new_york_nine - timedelta(minutes=1))
    assert notifier.messages_of(ReviewReminder) == []
    engine(sessions, notifier).run_due(new_york_nine)
    engine(sessions, notifier).run_due(new_york_nine + timedelta(hours=2))  # never twice
    sent = notifier.messages_of(ReviewReminder)
    assert [to for to, _ in sent] == [SPONSOR, "U0SPN0009"]
    reminder = sent[0][1]
    assert isinstance(reminder, ReviewReminder)
    assert (reminder.due.account, reminder.due.next_due) == ("Acme Corp", remind_on + timedelta(14))
    assert [(risk.code, risk.score) for risk in reminder.risks] == [("SR-01", 16)]
    assert reminder.escalations_raised == 1
    assert reminder.open_escalations == [("ESC-1", "Renewal blocked")]
    performance = reminder.performance  # the scorecard's figures of the week
    assert (performance.iso_week, performance.status, performance.kpis) == (
        "2026-W50", Status.RED, 2
    )  # fmt: skip
    assert [(kpi.key, kpi.actual, kpi.target, kpi.status) for kpi in performance.off_target] == [
        ("joint_revenue_growth", 3.0, 5.0, Status.RED)
    ]
    assert performance.score is not None and performance.no_data == ["Stakeholder engagement"]


def test_a_review_recorded_before_the_reminder_withdraws_it(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        load_portfolio(session, governed())
    notifier = FakeNotifier()
    engine(sessions, notifier).run_due(datetime(2026, 12, 8, 10, tzinfo=UTC))
    with transaction(sessions) as session:
        record_review(
            session, actor=actor(session, SAM), account="Acme Corp",
            held_on=date(2026, 12, 8), notes="", now=datetime(2026, 12, 8, 11, tzinfo=UTC),
        )  # fmt: skip
    engine(sessions, notifier).run_due(datetime(2026, 12, 9, 15, tzinfo=UTC))
    assert notifier.messages_of(ReviewReminder) == []


def test_the_card_counts_high_risks_and_says_when_the_review_is_overdue(session: Session) -> None:
    """`/sponsor status` and the digest take both from the register and the cadence."""
    load_portfolio(session, governed())
    sam = actor(session, SAM)
    for probability in (5, 4, 1):  # 20 and 16 are high; 4 is not
        fields = RiskInput.read(probability=probability, impact=4, description="x")
        log_risk(session, actor=sam, account="Acme Corp", fields=fields, now=NOW)
    session.commit()
    before_due = status_cards(session, actor=sam, account_name="Acme Corp", now=NOW)
    [card] = before_due.cards
    assert (card.summary.high_risks, card.summary.review_overdue) == (2, False)
    after_due = NOW + timedelta(days=31)  # the monthly review was due on 23 Dec
    [late] = status_cards(session, actor=sam, account_name="Acme Corp", now=after_due).cards
    assert late.summary.review_overdue and late.summary.attention
