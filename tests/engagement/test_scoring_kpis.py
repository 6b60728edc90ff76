"""KPI actuals through `/sponsor kpi`, and the source article's Table 1 end to end: 83."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engagement.access import Actor, actor_for
from engagement.errors import Invalid, NotAllowed, NotFound
from engagement.models import Account, KpiActual
from engagement.scoring.cards import status_cards
from engagement.scoring.evaluate import score_accounts
from engagement.scoring.kpis import Recorded, record_kpi
from engagement.scoring.scorecard import Status, Trend
from tests.factories import NOW, TABLE_1, TABLE_1_ACTUALS, load_portfolio, portfolio


def sam(session: Session, user: str = "U0SAM0001") -> Actor:
    return actor_for(session, user, seed=())


@pytest.fixture
def table_1(session: Session) -> Session:
    load_portfolio(session, portfolio(scorecard=TABLE_1))
    return session


def test_table_1_entered_as_kpis_and_actuals_scores_83(table_1: Session) -> None:
    session = table_1
    for key, value in TABLE_1_ACTUALS.items():
        record_kpi(session, actor=sam(session), account_name="acme corp", key=key, value=value,
                   now=NOW - timedelta(days=1))  # fmt: skip
    session.commit()
    cards = status_cards(session, actor=sam(session), account_name="Acme Corp", now=NOW)
    (card,) = cards.cards
    assert card.summary.score == 83
    assert [kpi.status for kpi in card.kpis] == [
        Status.GREEN, Status.AMBER, Status.GREEN, Status.RED, Status.GREEN, Status.AMBER,
    ]  # fmt: skip
    assert [kpi.weighted for kpi in card.kpis] == [30, 15, 15, 5, 10, 7.5]
    assert [kpi.actual for kpi in card.kpis] == [6.2, 1.8, 99.95, 88, 55, 4.0]
    assert card.summary.status is Status.AMBER
    assert not card.renormalised


def test_kpi_without_data_is_left_out_and_said_so(table_1: Session) -> None:
    session = table_1
    record_kpi(session, actor=sam(session), account_name="Acme Corp",
               key="joint_revenue_growth", value="6.2", now=NOW)  # fmt: skip
    record_kpi(session, actor=sam(session), account_name="Acme Corp",
               key="milestone_delivery", value="88", now=NOW)  # fmt: skip
    (card,) = status_cards(session, actor=sam(session), account_name="Acme Corp", now=NOW).cards
    # 30 green + 15 red (5) out of 45 → 77.8 → 78
    assert card.summary.score == 78
    assert card.renormalised
    assert [kpi.status for kpi in card.kpis].count(None) == 4


def test_trend_compares_with_four_weeks_earlier(table_1: Session) -> None:
    session = table_1
    record = {"actor": sam(session), "account_name": "Acme Corp", "key": "milestone_delivery"}
    record_kpi(session, value="80", now=NOW - timedelta(weeks=5), **record)
    record_kpi(session, value="99", now=NOW - timedelta(weeks=2), **record)
    record_kpi(session, value="88", now=NOW - timedelta(hours=1), **record)
    (card,) = status_cards(session, actor=sam(session), account_name="Acme Corp", now=NOW).cards
    (milestones,) = [kpi for kpi in card.kpis if kpi.key == "milestone_delivery"]
    assert (milestones.before, milestones.actual, milestones.trend) == (80, 88, Trend.UP)


def test_each_week_takes_the_latest_value_recorded_by_its_end(table_1: Session) -> None:
    session = table_1
    record = {"actor": sam(session), "account_name": "Acme Corp", "key": "milestone_delivery"}
    record_kpi(session, value="70", now=NOW - timedelta(weeks=30), **record)  # before the weeks
    record_kpi(session, value="80", now=NOW - timedelta(weeks=3), **record)
    record_kpi(session, value="81", now=NOW - timedelta(weeks=3), **record)  # the same instant
    record_kpi(session, value="99", now=NOW + timedelta(hours=1), **record)  # not yet
    (scores,) = score_accounts(session, Account.name == "Acme Corp", now=NOW)
    index = [kpi.key for kpi in scores.kpis].index("milestone_delivery")
    current = scores.timeline.current
    by_week = {week - current: score.actuals[index] for week, score in scores.weeks.items()}
    assert by_week == {**{back: 70 for back in range(-11, -3)}, -3: 81, -2: 81, -1: 81, 0: 81}


def test_values_are_checked_against_the_unit(table_1: Session) -> None:
    session = table_1
    actor = sam(session)
    with pytest.raises(Invalid, match="between 1 and 5"):
        record_kpi(session, actor=actor, account_name="Acme Corp",
                   key="executive_engagement", value="7", now=NOW)  # fmt: skip
    with pytest.raises(Invalid, match="between -1,000% and 1,000%"):
        record_kpi(session, actor=actor, account_name="Acme Corp",
                   key="joint_revenue_growth", value="1200%", now=NOW)  # fmt: skip
    with pytest.raises(Invalid, match=r"not a number.*for example 5%"):
        record_kpi(session, actor=actor, account_name="Acme Corp",
                   key="joint_revenue_growth", value="lots", now=NOW)  # fmt: skip
    with pytest.raises(Invalid, match="between -100 NPS and 100 NPS"):
        record_kpi(session, actor=actor, account_name="Acme Corp",
                   key="customer_nps", value="150", now=NOW)  # fmt: skip
    assert session.scalar(select(func.count()).select_from(KpiActual)) == 0


def test_unknown_names_suggest_the_closest(table_1: Session) -> None:
    session = table_1
    expected = "No KPI named 'milestone_delivry'. Did you mean 'milestone_delivery'?"
    with pytest.raises(NotFound, match=re.escape(expected)):
        record_kpi(session, actor=sam(session), account_name="Acme Corp",
                   key="milestone_delivry", value="88", now=NOW)  # fmt: skip
    with pytest.raises(NotFound, match="Did you mean 'Acme Corp'"):
        record_kpi(session, actor=sam(session), account_name="Acme Crop",
                   key="milestone_delivery", value="88", now=NOW)  # fmt: skip
    with pytest.raises(NotFound) as outside:  # Globex's SAM is not offered Acme Corp
        record_kpi(session, actor=sam(session, "U0SAM0002"), account_name="Acme Crop",
                   key="milestone_delivery", value="88", now=NOW)  # fmt: skip
    assert str(outside.value) == "None of your accounts is named 'Acme Crop'."


def test_only_the_sam_or_an_admin_records(session: Session) -> None:
    load_portfolio(session, portfolio(scorecard=TABLE_1))
    sponsor = actor_for(session, "U0SPN0001", seed=())
    with pytest.raises(NotAllowed, match="Only the SAM of Acme Corp"):
        record_kpi(session, actor=sponsor, account_name="Acme Corp",
                   key="milestone_delivery", value="88", now=NOW)  # fmt: skip
    other_sam = sam(session, "U0SAM0002")
    with pytest.raises(NotFound, match=r"^None of your accounts is named 'Acme Corp'\.$"):
        record_kpi(session, actor=other_sam, account_name="Acme Corp",
                   key="milestone_delivery", value="88", now=NOW)  # fmt: skip
    admin = actor_for(session, "U0SAM0002", seed=("U0SAM0002",))
    done = record_kpi(session, actor=admin, account_name="Acme Corp",
                      key="milestone_delivery", value="88", now=NOW)  # fmt: skip
    assert done == Recorded("Acme Corp", "milestone_delivery", "Joint milestone delivery", 88, "%")


def test_indicator_kpis_cannot_be_recorded(session: Session) -> None:
    load_portfolio(session)
    with pytest.raises(Invalid, match="computed by Sherpa"):
        record_kpi(session, actor=sam(session), account_name="Acme Corp",
                   key="stakeholder_engagement", value="4", now=NOW)  # fmt: skip
