"""The portfolio file: place-named errors, all at once, nothing written; idempotent upserts."""

from __future__ import annotations

import contextlib
import copy
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engagement.models import Account, KpiDefinition, Person, PortfolioSettings, Sponsorship
from engagement.portfolio.importer import import_portfolio
from engagement.portfolio.loader import PortfolioInvalid, parse_portfolio, read_portfolio
from tests.factories import NOW, load_portfolio, portfolio

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "portfolio.yaml"


def problems_of(document: Any) -> list[str]:
    text = document if isinstance(document, str) else yaml.safe_dump(document)
    with pytest.raises(PortfolioInvalid) as error:
        parse_portfolio(text)
    return error.value.problems


def test_example_portfolio_is_valid_and_spans_time_zones() -> None:
    spec = read_portfolio(EXAMPLE)
    zones = {account.timezone or spec.timezone for account in spec.accounts}
    assert len(spec.accounts) >= 10 and len(zones) >= 3


def test_every_problem_is_reported_with_its_place() -> None:
    document = portfolio()
    document["accounts"][1]["sponsors"] = ["U0SPN0002", "not a person"]
    document["accounts"][2]["phase"] = "cruising"
    document["accounts"][0]["colour"] = "red"
    document["timezone"] = "Mars/Olympus"
    del document["digest"]["channel"]
    assert sorted(problems_of(document)) == sorted(
        [
            "accounts[1].sponsors[1]: not a Slack user ID or e-mail address",
            "accounts[2].phase: Input should be 'pre-rfp', 'selection', 'implementation' or "
            "'steady-state'",
            "accounts[0].colour: unknown key (check the spelling against the design's portfolio "
            "format)",
            "timezone: unknown time zone 'Mars/Olympus' (use an IANA name like Europe/Paris)",
            "digest.channel: required but missing",
        ]
    )


def test_yaml_syntax_error_names_the_line() -> None:
    assert problems_of("digest: {channel: '#d'\naccounts: [")[0].startswith(
        "line 2, column 1: not valid YAML"
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["accounts"].append(dict(d["accounts"][0], name="ACME CORP")),
            "accounts[3].name: 'acme corp' is listed twice (first at accounts[0])",
        ),
        (
            lambda d: d["scorecard"][0].update(red_above=5),
            "scorecard[0]: Value error, give exactly one of red_below",
        ),
        (
            lambda d: d["scorecard"][1].update(source="indicator"),
            "scorecard[1]: Value error, 'joint_revenue_growth' is not an indicator",
        ),
        (
            lambda d: d["accounts"][0].update(sponsors=["U0SAM0001"]),
            "accounts[0]: Value error, the SAM cannot also be a sponsor",
        ),
        (lambda d: d["checkins"].update(time="9am"), "checkins.time: not a time of day"),
    ],
)
def test_model_level_rules(change: Any, expected: str) -> None:
    document = portfolio()
    change(document)
    assert any(
        problem.startswith(expected.replace("Value error, ", ""))
        for problem in problems_of(document)
    ), problems_of(document)


def test_unquoted_time_is_understood() -> None:
    spec = parse_portfolio("checkins: {time: 09:30}\ndigest: {channel: '#d'}\n")
    assert spec.checkins.time == "09:30"


def count(session: Session, model: type[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_import_then_reimport_changes_nothing(session: Session) -> None:
    load_portfolio(session)
    assert (count(session, Account), count(session, Person), count(session, Sponsorship)) == (
        3,
        6,
        6,
    )
    plan = import_portfolio(session, parse_portfolio(yaml.safe_dump(portfolio())), now=NOW)
    assert plan.changes == 0
    assert plan.counts() == {"unchanged": 3}


def test_changed_sponsor_keeps_history(session: Session) -> None:
    load_portfolio(session)
    document = portfolio()
    document["accounts"][0]["sponsors"] = ["new.sponsor@example.com"]
    later = NOW + timedelta(days=30)
    plan = import_portfolio(session, parse_portfolio(yaml.safe_dump(document)), now=later)
    session.commit()
    acme = plan.accounts[0]
    assert (acme.status, acme.details) == (
        "changed",
        ["sponsor U0SPN0001 ended", "sponsor new.sponsor@example.com started"],
    )
    rows = session.scalars(
        select(Sponsorship)
        .join(Account)
        .where(Account.name == "Acme Corp", Sponsorship.role == "sponsor")
        .order_by(Sponsorship.id)
    ).all()
    assert [(row.started_at, row.ended_at) for row in rows] == [(NOW, later), (later, None)]


def test_accounts_missing_from_the_file_are_kept(session: Session) -> None:
    load_portfolio(session)
    document = portfolio()
    document["accounts"] = document["accounts"][:1]
    plan = import_portfolio(session, parse_portfolio(yaml.safe_dump(document)), now=NOW)
    assert plan.counts() == {"unchanged": 1, "not in file (kept)": 2}


def test_settings_and_scorecard_are_stored(session: Session) -> None:
    load_portfolio(session)
    settings_row = session.get_one(PortfolioSettings, 1)
    assert (settings_row.digest_channel, settings_row.ack_hours["critical"]) == (
        "#sponsor-digest",
        4,
    )
    kpis = session.scalars(select(KpiDefinition).order_by(KpiDefinition.position)).all()
    assert [(k.key, k.label, k.weight) for k in kpis] == [
        ("stakeholder_engagement", "Stakeholder engagement", 25),
        ("joint_revenue_growth", "Joint revenue growth", 30),
    ]


# --- property: any malformed document is rejected with places, never an exception ----------

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=12)
)
junk = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


@st.composite
def corrupted(draw: st.DrawFn) -> dict[str, Any]:
    document = copy.deepcopy(portfolio())
    path = draw(st.sampled_from(_paths(document)))
    parent = document
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = draw(junk)
    return document


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corrupted())
def test_malformed_documents_are_rejected_with_places(document: dict[str, Any]) -> None:
    try:
        parse_portfolio(yaml.safe_dump(document))
    except PortfolioInvalid as error:
        assert error.problems
        assert all(isinstance(problem, str) and problem for problem in error.problems)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_never_raises_anything_else(text: str) -> None:
    with contextlib.suppress(PortfolioInvalid):
        parse_portfolio(text)
