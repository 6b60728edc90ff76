"""`/sponsor status`, a digest's Details button, and App Home scores: who sees what."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engagement.access import actor_for
from engagement.errors import NotFound
from engagement.models import Answer, DigestRun, DigestState, Risk
from engagement.risks.rules import RiskInput
from engagement.risks.service import close, log_risk
from engagement.scoring.cards import details_card, home_scores, status_cards
from engagement.scoring.kpis import record_kpi
from engagement.scoring.messages import PhaseAnswer, RoleBalance
from engagement.scoring.scorecard import Status
from tests.factories import NOW, account_id, add_checkin, load_portfolio, portfolio


def test_status_without_an_account_shows_each_of_the_callers(session: Session) -> None:
    accounts = portfolio()["accounts"]
    accounts[1]["sam"] = "U0SAM0001"  # the same SAM on Acme and Globex
    load_portfolio(session, portfolio(accounts=accounts))
    sam = actor_for(session, "U0SAM0001", seed=())
    cards = status_cards(session, actor=sam, now=NOW)
    assert [card.summary.name for card in cards.cards] == ["Acme Corp", "Globex"]
    stranger = actor_for(session, "U0NOBODY", seed=())
    empty = status_cards(session, actor=stranger, now=NOW)
    assert empty.cards == [] and "not the SAM or a sponsor" in empty.empty_reason


def test_status_of_someone_elses_account_is_refused(session: Session) -> None:
    load_portfolio(session)
    sam = actor_for(session, "U0SAM0001", seed=())
    with pytest.raises(NotFound) as existing:  # not told that Globex exists
        status_cards(session, actor=sam, account_name="globex", now=NOW)
    assert str(existing.value) == "None of your accounts is named 'globex'."
    with pytest.raises(NotFound) as close:  # nor offered it as the closest name
        status_cards(session, actor=sam, account_name="Glowbex", now=NOW)
    assert str(close.value) == "None of your accounts is named 'Glowbex'."
    globex_sam = actor_for(session, "U0SAM0002", seed=())
    with pytest.raises(NotFound, match="Did you mean 'Globex'"):  # its members are
        status_cards(session, actor=globex_sam, account_name="Glowbex", now=NOW)


def test_details_from_the_digest_channel_are_open_to_its_readers(session: Session) -> None:
    load_portfolio(session)
    globex = account_id(session, "Globex")
    reader = actor_for(session, "U0READER", seed=())
    with pytest.raises(NotFound) as refused:
        details_card(session, actor=reader, account_id=globex, now=NOW, from_channel="C0DIGEST")
    assert str(refused.value) == "That account no longer exists, or is not one of yours."
    session.add(DigestRun(channel="#sponsor-digest", iso_week="2026-W48",
                          state=DigestState.POSTED, message_channel="C0DIGEST",
                          message_ts="1.0"))  # fmt: skip
    session.flush()
    (card,) = details_card(
        session, actor=reader, account_id=globex, now=NOW, from_channel="C0DIGEST"
    ).cards
    assert card.summary.name == "Globex"
    with pytest.raises(NotFound) as elsewhere:  # another channel is not the digest's
        details_card(session, actor=reader, account_id=globex, now=NOW, from_channel="C0OTHER")
    with pytest.raises(NotFound) as gone:
        details_card(session, actor=reader, account_id=9999, now=NOW)
    assert str(elsewhere.value) == str(gone.value) == str(refused.value)


def test_the_card_lists_open_risks_by_score_to_members_and_admins_only(session: Session) -> None:
    load_portfolio(session)
    globex = account_id(session, "Globex")
    sam = actor_for(session, "U0SAM0002", seed=())
    for probability, impact in ((2, 3), (4, 4), (1, 1), (3, 4), (2, 2), (5, 1)):
        fields = RiskInput.read(probability=probability, impact=impact, description="A risk")
        log_risk(session, actor=sam, account="Globex", fields=fields, now=NOW)
    closed = RiskInput.read(probability=5, impact=5, description="Gone")
    log_risk(session, actor=sam, account="Globex", fields=closed, now=NOW)
    gone = session.scalars(select(Risk.id).where(Risk.description == "Gone")).one()
    close(session, actor=sam, risk_id=gone, note="Over", now=NOW)
    (card,) = status_cards(session, actor=sam, account_name="Globex", now=NOW).cards
    assert card.risks is not None and card.risks_open == 6
    assert [(line.code, line.score) for line in card.risks] == [
        ("SR-02", 16), ("SR-04", 12), ("SR-01", 6), ("SR-06", 5), ("SR-05", 4)
    ]  # fmt: skip
    admin = actor_for(session, "U0ADMIN01", seed=("U0ADMIN01",))
    (seen,) = details_card(session, actor=admin, account_id=globex, now=NOW).cards
    assert seen.risks == card.risks
    (other,) = status_cards(session, actor=actor_for(session, "U0SAM0001", seed=()),
                            now=NOW).cards  # fmt: skip
    assert other.summary.name == "Acme Corp" and other.risks == []
    session.add(DigestRun(channel="#sponsor-digest", iso_week="2026-W48",
                          state=DigestState.POSTED, message_channel="C0DIGEST",
                          message_ts="1.0"))  # fmt: skip
    session.flush()
    reader = actor_for(session, "U0READER", seed=())
    (read,) = details_card(
        session, actor=reader, account_id=globex, now=NOW, from_channel="C0DIGEST"
    ).cards
    assert read.risks is None and read.summary.high_risks == 1  # counted, never listed


def test_home_shows_latest_scores(session: Session) -> None:
    load_portfolio(session)
    sam = actor_for(session, "U0SAM0002", seed=())
    record_kpi(session, actor=sam, account_name="Globex", key="joint_revenue_growth",
               value="3", now=NOW - timedelta(days=1))  # fmt: skip
    (score,) = home_scores(session, actor=sam, now=NOW)
    assert (score.name, score.score, score.status) == ("Globex", 33, Status.RED)
    assert score.red_kpis == ["Joint revenue growth"]
    assert home_scores(session, actor=actor_for(session, "U0NOBODY", seed=()), now=NOW) == []


def test_the_card_counts_the_weeks_the_sponsor_took_over_or_stepped_back(
    session: Session,
) -> None:
    """Seed 000's role balance: the weeks of the last four (this one included) in which the
    latest answer of a check-in, the sponsor's or the SAM's, said the sponsor took over or
    stepped back; with the account's phase and governance and the sponsor's latest answer
    to the phase's question (seed 002)."""
    accounts = portfolio()["accounts"]
    accounts[0] |= {"phase": "implementation", "governance": "steering-committee"}
    load_portfolio(session, portfolio(accounts=accounts))
    monday = NOW.date()  # Monday 23 November 2026
    said = [
        (monday - timedelta(weeks=4), "U0SPN0001", "sponsor", "took_over"),  # before the window
        (monday - timedelta(weeks=3), "U0SPN0001", "sponsor", "took_over"),
        (monday - timedelta(weeks=2), "U0SPN0001", "sponsor", "took_over"),
        (monday - timedelta(weeks=2), "U0SAM0001", "sam", "took_over"),  # the same week
        (monday - timedelta(weeks=1), "U0SPN0001", "sponsor", "balanced"),  # edited (below)
        (monday, "U0SAM0001", "sam", "stepped_back"),
    ]
    ids = [
        add_checkin(session, account="Acme Corp", user=user, role=role, period=period,
                    answers=[(4, 4, 4, 4, 5)] * 2, direction=direction)
        for period, user, role, direction in said
    ]  # fmt: skip
    session.execute(  # the first revision said "took over"; the edit, which counts, did not
        update(Answer)
        .where(Answer.checkin_id == ids[4], Answer.revision == 1)
        .values(role_direction="took_over")
    )
    for checkin_id, phase, check in (
        (ids[2], "selection", True),
        (ids[4], "implementation", False),
    ):
        session.execute(  # the phase question, answered in the latest revision
            update(Answer)
            .where(Answer.checkin_id == checkin_id, Answer.revision == 2)
            .values(phase=phase, phase_check=check)
        )
    sam = actor_for(session, "U0SAM0001", seed=())
    (card,) = status_cards(session, actor=sam, account_name="Acme Corp", now=NOW).cards
    assert card.phase_answer == PhaseAnswer(
        phase="implementation", check=False, period_start=monday - timedelta(weeks=1)
    )
    summary = card.summary
    assert summary.role_balance == RoleBalance(took_over=2, stepped_back=1, answered=4)
    assert (summary.phase, summary.governance) == ("implementation", "steering-committee")
    assert summary.attention  # boss mode needs attention, whatever the score
    globex = actor_for(session, "U0SAM0002", seed=())
    (calm,) = status_cards(session, actor=globex, account_name="Globex", now=NOW).cards
    assert calm.summary.role_balance == RoleBalance() and not calm.summary.role_balance.off
    assert (calm.summary.phase, calm.summary.governance) == ("steady-state", "direct")
    assert calm.phase_answer is None


def test_a_role_balance_is_shared_not_copied_and_stays_what_it_was() -> None:
    balance = RoleBalance(took_over=1, answered=3)
    assert copy.deepcopy(balance) is balance  # frozen numbers: a copy would change nothing
    with pytest.raises(ValidationError):
        balance.took_over = 2  # type: ignore[misc]
    assert balance == RoleBalance(took_over=1, answered=3) and balance.off
