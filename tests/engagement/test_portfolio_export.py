"""`sherpa export portfolio`: the portfolio as a file that re-imports with no change,
including what was changed in Slack since the last import."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engagement.errors import Invalid
from engagement.forget.person import forget_person
from engagement.models import AuditEntry, Risk, RiskState
from engagement.portfolio.exporter import export_portfolio
from engagement.portfolio.importer import import_portfolio
from engagement.portfolio.loader import parse_portfolio, read_portfolio
from engagement.risks.rules import RiskInput
from engagement.risks.service import log_risk, reassess
from tests.factories import NOW, actor

EXAMPLE = Path(__file__).parents[2] / "examples" / "portfolio.yaml"
LATER = NOW + timedelta(days=1)


def audit_entries(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def test_the_exported_example_reimports_with_no_change(session: Session) -> None:
    import_portfolio(session, read_portfolio(EXAMPLE), now=NOW)
    session.commit()
    exported = export_portfolio(session)
    assert exported.accounts == 12 and exported.warnings == []
    recorded = audit_entries(session)
    plan = import_portfolio(session, parse_portfolio(exported.text), now=LATER)
    session.commit()
    assert plan.changes == 0 and plan.overwrites == []
    assert plan.counts() == {"unchanged": 12}
    assert audit_entries(session) == recorded
    assert export_portfolio(session).text == exported.text
    spec = parse_portfolio(exported.text)
    example = read_portfolio(EXAMPLE)
    assert [kpi.display_label for kpi in spec.scorecard] == [
        kpi.display_label for kpi in example.scorecard
    ]
    assert spec.people == example.people and spec.ack_hours == example.ack_hours
    sakura = spec.accounts[-1]
    assert sakura.checkins is not None and sakura.checkins.cadence == "biweekly"
    assert spec.accounts[6].review_every == "monthly"  # Nordlicht Energie


def test_changes_made_in_slack_are_exported(session: Session) -> None:
    import_portfolio(session, read_portfolio(EXAMPLE), now=NOW)
    session.commit()
    globex = actor(session, "U0SAM0001")
    budget = RiskInput(probability=2, impact=2, description="Budget freeze: 2027.")
    log_risk(session, actor=globex, fields=budget, now=LATER, account="Globex")
    sr02 = session.scalar(
        select(Risk.id).where(Risk.number == 2, Risk.description.contains("Disruptive"))
    )
    assert sr02 is not None
    disruptive = RiskInput(probability=4, impact=5, description="Disruptive technology.")
    state = RiskState.MITIGATING
    reassess(session, actor=globex, risk_id=sr02, fields=disruptive, state=state, now=LATER)
    session.commit()
    exported = export_portfolio(session)
    assert "description: 'Budget freeze: 2027.'" in exported.text
    plan = import_portfolio(session, parse_portfolio(exported.text), now=LATER)
    assert plan.changes == 0 and plan.overwrites == []
    globex_spec = parse_portfolio(exported.text).accounts[1]
    assert [(risk.id, risk.probability, risk.impact, risk.state) for risk in globex_spec.risks] == [
        (1, 2, 5, "open"),
        (2, 4, 5, "mitigating"),
        (3, 4, 3, "open"),
        (4, 3, 3, "open"),
        (5, 2, 2, "open"),
    ]


def test_an_account_without_a_sponsor_is_left_out_with_a_warning(session: Session) -> None:
    import_portfolio(session, read_portfolio(EXAMPLE), now=NOW)
    session.commit()
    forget_person(session, user="U0SPN0004", now=LATER)  # Umbrella Health's and Soylent's
    session.commit()
    exported = export_portfolio(session)
    assert exported.accounts == 10
    assert exported.warnings == [
        f"{name}: left out (a portfolio file needs one SAM and a sponsor; it has 1 SAM(s) and "
        "0 sponsor(s)); an import keeps it"
        for name in ("Umbrella Health", "Soylent Foods")
    ]
    plan = import_portfolio(session, parse_portfolio(exported.text), now=LATER)
    assert plan.changes == 0
    assert plan.counts() == {"unchanged": 10, "not in file (kept)": 2}


def test_with_no_portfolio_there_is_nothing_to_export(session: Session) -> None:
    with pytest.raises(Invalid, match="there is no portfolio yet: import one"):
        export_portfolio(session)
