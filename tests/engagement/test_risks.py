"""The risk register: seed 002's Table 2 from the portfolio file, logging from Slack, who
may see and log, and each risk's history."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engagement.backup import export_all
from engagement.errors import Invalid, NotFound
from engagement.forget.person import forget_person
from engagement.models import Review, Risk, RiskEvent
from engagement.portfolio.importer import import_portfolio
from engagement.portfolio.loader import PortfolioInvalid, parse_portfolio, read_portfolio
from engagement.reviews.service import record_review
from engagement.risks.rules import RiskInput
from engagement.risks.service import list_risks, log_risk, open_risks
from tests.factories import ADMIN, NOW, account_id, actor, load_portfolio, portfolio

EXAMPLE = Path(__file__).parents[2] / "examples" / "portfolio.yaml"


def test_table_2_of_the_example_portfolio_scores_10_12_12_and_9(session: Session) -> None:
    import_portfolio(session, read_portfolio(EXAMPLE), now=NOW)
    session.commit()
    risks = open_risks(session, [account_id(session, "Globex")])
    assert [(risk.code, risk.score) for risk in risks] == [
        ("SR-02", 12),
        ("SR-03", 12),
        ("SR-01", 10),
        ("SR-04", 9),
    ]
    assert {risk.owner for risk in risks} == {"U0SPN0002"}  # Globex's sponsor
    assert risks[2].description == "Partner is acquired by a direct competitor."
    assert risks[2].mitigation.startswith("Maintain strong executive relationships;")
    again = import_portfolio(session, read_portfolio(EXAMPLE), now=NOW)
    assert again.changes == 0
    assert session.scalar(select(func.count()).select_from(RiskEvent)) == 4


def _with_risks(*risks: dict[str, Any]) -> dict[str, Any]:
    document = portfolio()
    document["accounts"][0]["risks"] = list(risks)
    return document


TABLE_ROW = {"id": "SR-04", "description": "Business unit de-prioritises us.",
             "probability": 3, "impact": 3}  # fmt: skip


def test_a_changed_file_updates_the_risk_and_keeps_its_history(session: Session) -> None:
    load_portfolio(session, _with_risks(TABLE_ROW))
    changed = {**TABLE_ROW, "probability": 5, "state": "mitigating"}
    plan = import_portfolio(session, parse_portfolio(yaml.safe_dump(_with_risks(changed))), now=NOW)
    session.commit()
    [acme] = [item for item in plan.accounts if item.name == "Acme Corp"]
    assert acme.details == ["risk SR-04: probability 3 -> 5; state open -> mitigating"]
    [risk] = session.scalars(select(Risk)).all()
    history = [(event.state, event.probability, event.note) for event in risk.events]
    assert history == [("open", 3, "logged"), ("mitigating", 5, "portfolio file")]
    assert risk.score == 15


@pytest.mark.parametrize(
    ("row", "place", "message"),
    [
        ({"probability": 6}, "accounts[0].risks[0].probability", "The probability is '6'"),
        ({"impact": "high"}, "accounts[0].risks[0].impact", "The impact is 'high'"),
        ({"id": "R1"}, "accounts[0].risks[0].id", "'R1' is not a risk ID"),
        ({"category": "weather"}, "accounts[0].risks[0].category", "'weather' is not a risk"),
        ({"description": " "}, "accounts[0].risks[0].description", "Say what the risk is"),
    ],
)
def test_a_bad_risk_in_the_file_is_named_with_its_place(
    row: dict[str, Any], place: str, message: str
) -> None:
    with pytest.raises(PortfolioInvalid) as refused:
        parse_portfolio(yaml.safe_dump(_with_risks({**TABLE_ROW, **row})))
    assert place in str(refused.value) and message in str(refused.value)


def test_the_same_id_twice_in_an_account_is_refused() -> None:
    with pytest.raises(PortfolioInvalid, match="listed twice"):
        parse_portfolio(yaml.safe_dump(_with_risks(TABLE_ROW, TABLE_ROW)))


def fields(probability: int = 4, impact: int = 4, description: str = "CIO is leaving") -> RiskInput:
    return RiskInput.read(probability=probability, impact=impact, description=description)


def test_sams_sponsors_and_admins_log_and_each_gets_the_next_id(session: Session) -> None:
    load_portfolio(session, _with_risks(TABLE_ROW))
    by_sam = log_risk(session, actor=actor(session, "U0SAM0001"), account="acme corp",
                      fields=fields(), now=NOW)  # fmt: skip
    by_sponsor = log_risk(session, actor=actor(session, "U0SPN0001"), account="Acme Corp",
                          fields=fields(2, 2), now=NOW)  # fmt: skip
    by_admin = log_risk(session, actor=actor(session, ADMIN, admin=True), account="Globex",
                        fields=fields(1, 5), now=NOW)  # fmt: skip
    session.commit()
    assert [(line.code, line.account, line.score) for line in (by_sam, by_sponsor, by_admin)] == [
        ("SR-05", "Acme Corp", 16),
        ("SR-06", "Acme Corp", 4),
        ("SR-01", "Globex", 5),
    ]
    assert by_sam.owner == "U0SPN0001" and by_admin.owner == "U0SPN0002"
    events = session.scalars(select(RiskEvent).order_by(RiskEvent.id)).all()
    assert [event.person_id is None for event in events] == [True, False, False, True]


def test_outsiders_neither_see_nor_log_an_accounts_risks(session: Session) -> None:
    load_portfolio(session, _with_risks(TABLE_ROW))
    outsider = actor(session, "U0SAM0002")  # Globex's SAM
    with pytest.raises(NotFound, match=r"^None of your accounts is named 'Acme Corp'\."):
        log_risk(session, actor=outsider, account="Acme Corp", fields=fields(), now=NOW)
    with pytest.raises(NotFound, match=r"^None of your accounts is named 'Acme Corp'\."):
        list_risks(session, actor=outsider, account="Acme Corp")
    assert list_risks(session, actor=outsider) == (["Globex"], [])
    session.commit()
    assert session.scalar(select(func.count()).select_from(Risk)) == 1
    mine = list_risks(session, actor=actor(session, "U0SPN0001"))
    assert [line.code for line in mine[1]] == ["SR-04"]


def test_closed_risks_leave_the_list(session: Session) -> None:
    load_portfolio(session, _with_risks(TABLE_ROW, {**TABLE_ROW, "id": "SR-05", "state": "closed"}))
    assert [line.code for line in open_risks(session, [account_id(session, "Acme Corp")])] == [
        "SR-04"
    ]


@pytest.mark.parametrize(
    ("given", "line"),
    [
        ({"probability": "0"}, "The probability is '0': give a whole number from 1 to 5."),
        ({"impact": "4.5"}, "The impact is '4.5': give a whole number from 1 to 5."),
        ({"description": "  "}, "Say what the risk is: the description is empty."),
        ({"description": "x" * 3001}, "The description is 3,001 characters; the limit is 3,000."),
        ({"description": "CIO\x07"}, "The description contains a control character"),
        ({"review_on": "soon"}, "Give the review date as YYYY-MM-DD."),
    ],
)
def test_each_field_is_checked_once_with_one_line(given: dict[str, str], line: str) -> None:
    with pytest.raises(Invalid) as refused:
        RiskInput.read(**{"probability": "3", "impact": "3", "description": "x", **given})
    assert str(refused.value).startswith(line)


def test_risks_and_reviews_are_exported_and_forgetting_a_person_reaches_their_text(
    session: Session,
) -> None:
    """`sherpa export all` and `sherpa forget` cover every table: the register too."""
    load_portfolio(session, _with_risks(TABLE_ROW))
    sponsor = actor(session, "U0SPN0001")
    log_risk(session, actor=sponsor, account="Acme Corp", now=NOW,
             fields=RiskInput.read(probability=2, impact=2, description="<@U0SPN0001> may move on",
                                   mitigation="Ask <@U0SPN0001> for a successor"))  # fmt: skip
    record_review(session, actor=sponsor, account="Acme Corp", held_on=None,
                  notes="Chaired by <@U0SPN0001>", now=NOW)  # fmt: skip
    session.commit()
    out = io.StringIO()
    counts = export_all(session, out)
    assert (counts["risks"], counts["risk_events"], counts["reviews"]) == (2, 2, 1)
    forgotten = forget_person(session, user="U0SPN0001", now=NOW)
    session.commit()
    risk = session.scalars(select(Risk).where(Risk.number == 5)).one()
    assert (risk.description, risk.mitigation) == (
        f"{forgotten.pseudonym} may move on",
        f"Ask {forgotten.pseudonym} for a successor",
    )
    assert session.scalars(select(Review.notes)).one() == f"Chaired by {forgotten.pseudonym}"
    assert "U0SPN0001" not in export_text(session)


def export_text(session: Session) -> str:
    out = io.StringIO()
    export_all(session, out)
    return out.getvalue()
