"""`/sponsor status`, a digest's Details button, and App Home scores: who sees what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement.access import actor_for
from engagement.errors import NotFound
from engagement.models import DigestRun, DigestState, Risk
from engagement.risks.rules import RiskInput
from engagement.risks.service import close, log_risk
from engagement.scoring.cards import details_card, home_scores, status_cards
from engagement.scoring.kpis import record_kpi
from engagement.scoring.scorecard import Status
from tests.factories import NOW, account_id, load_portfolio, portfolio


def test_status_without_an_account_shows_each_of_the_callers(session: Session) -> None:
    accounts = portfolio()["accounts"]
    accounts[1]["sam"] = "U0SAM0001"  # the same SAM on Acme and Globex
    load_portfolio(session, portfolio(accounts=accounts))
    sam = actor_for(session, "U0SAM0001", admins=())
    cards = status_cards(session, actor=sam, now=NOW)
    assert [card.summary.name for card in cards.cards] == ["Acme Corp", "Globex"]
    stranger = actor_for(session, "U0NOBODY", admins=())
    empty = status_cards(session, actor=stranger, now=NOW)
    assert empty.cards == [] and "not the SAM or a sponsor" in empty.empty_reason


def test_status_of_someone_elses_account_is_refused(session: Session) -> None:
    load_portfolio(session)
    sam = actor_for(session, "U0SAM0001", admins=())
    with pytest.raises(NotFound) as existing:  # not told that Globex exists
        status_cards(session, actor=sam, account_name="globex", now=NOW)
    assert str(existing.value) == "None of your accounts is named 'globex'."
    with pytest.raises(NotFound) as close:  # nor offered it as the closest name
        status_cards(session, actor=sam, account_name="Glowbex", now=NOW)
    assert str(close.value) == "None of your accounts is named 'Glowbex'."
    globex_sam = actor_for(session, "U0SAM0002", admins=())
    with pytest.raises(NotFound, match="Did you mean 'Globex'"):  # its members are
        status_cards(session, actor=globex_sam, account_name="Glowbex", now=NOW)


def test_details_from_the_digest_channel_are_open_to_its_readers(session: Session) -> None:
    load_portfolio(session)
    globex = account_id(session, "Globex")
    reader = actor_for(session, "U0READER", admins=())
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
    sam = actor_for(session, "U0SAM0002", admins=())
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
    admin = actor_for(session, "U0ADMIN01", admins=("U0ADMIN01",))
    (seen,) = details_card(session, actor=admin, account_id=globex, now=NOW).cards
    assert seen.risks == card.risks
    (other,) = status_cards(session, actor=actor_for(session, "U0SAM0001", admins=()),
                            now=NOW).cards  # fmt: skip
    assert other.summary.name == "Acme Corp" and other.risks == []
    session.add(DigestRun(channel="#sponsor-digest", iso_week="2026-W48",
                          state=DigestState.POSTED, message_channel="C0DIGEST",
                          message_ts="1.0"))  # fmt: skip
    session.flush()
    reader = actor_for(session, "U0READER", admins=())
    (read,) = details_card(
        session, actor=reader, account_id=globex, now=NOW, from_channel="C0DIGEST"
    ).cards
    assert read.risks is None and read.summary.high_risks == 1  # counted, never listed


def test_home_shows_latest_scores(session: Session) -> None:
    load_portfolio(session)
    sam = actor_for(session, "U0SAM0002", admins=())
    record_kpi(session, actor=sam, account_name="Globex", key="joint_revenue_growth",
               value="3", now=NOW - timedelta(days=1))  # fmt: skip
    (score,) = home_scores(session, actor=sam, now=NOW)
    assert (score.name, score.score, score.status) == ("Globex", 33, Status.RED)
    assert score.red_kpis == ["Joint revenue growth"]
    assert home_scores(session, actor=actor_for(session, "U0NOBODY", admins=()), now=NOW) == []
