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
            "accounts[0].colour: unknown key (check the spelling against the portfolio format in "
            "the README)",
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


# --- keys given twice, time zones, one person named two ways -------------------------------

DUPLICATED = """\
timezone: localtime
digest: {channel: "#sponsor-digest"}
accounts:
  - name: Acme Corp
    sam: U0SAM0001
    sponsors: [U0SPN0001]
    phase: selection
    sam: U0SAM0002
scorecard: []
accounts: []
"""


def test_a_key_given_twice_is_refused_with_its_lines_and_every_other_problem() -> None:
    """YAML alone would keep the second `accounts` (empty) and the second `sam`, silently."""
    assert problems_of(DUPLICATED) == [
        "accounts[0].sam: given twice, on lines 5 and 8 (the second would silently replace "
        "the first); keep one",
        "accounts: given twice, on lines 3 and 10 (the second would silently replace the "
        "first); keep one",
        "timezone: unknown time zone 'localtime' (use an IANA name like Europe/Paris)",
    ]


def test_a_key_given_twice_on_one_line_is_refused() -> None:
    text = 'digest: {channel: "#a", channel: "#b"}\naccounts: []\n'
    assert problems_of(text) == [
        "digest.channel: given twice, on line 1 (the second would silently replace the "
        "first); keep one"
    ]


def test_a_key_set_over_a_merged_one_is_no_duplicate() -> None:
    text = """\
digest: {channel: "#sponsor-digest"}
accounts:
  - &acme {name: Acme Corp, sam: U0SAM0001, sponsors: [U0SPN0001], phase: selection}
  - {<<: *acme, name: Globex, phase: steady-state}
"""
    acme, globex = parse_portfolio(text).accounts
    assert (acme.name, acme.phase, globex.name, globex.phase, globex.sam) == (
        "Acme Corp",
        "selection",
        "Globex",
        "steady-state",
        "U0SAM0001",
    )


@pytest.mark.parametrize("zone", ["localtime", "posixrules", "right/UTC"])
def test_only_iana_time_zones_are_accepted(zone: str) -> None:
    """`localtime` loads on many machines (a link to that machine's own zone): not a place."""
    document = portfolio(timezone=zone)
    document["accounts"][1]["timezone"] = zone
    hint = f"unknown time zone {zone!r} (use an IANA name like Europe/Paris)"
    assert problems_of(document) == [f"timezone: {hint}", f"accounts[1].timezone: {hint}"]


def test_iana_names_and_their_links_are_accepted() -> None:
    document = portfolio(timezone="UTC")
    document["accounts"][1]["timezone"] = "US/Eastern"  # a link in the IANA database
    spec = parse_portfolio(yaml.safe_dump(document))
    assert (spec.timezone, spec.accounts[1].timezone) == ("UTC", "US/Eastern")


def test_control_characters_in_names_and_labels_are_refused() -> None:
    text = yaml.safe_dump(portfolio()).replace("name: Acme Corp", 'name: "Acme\\0Corp"')
    text = text.replace("label: Joint revenue growth", 'label: "Joint\\erevenue"')
    text = text.replace("- U0SPN0002", '- "pat\\0@example.com"')
    assert sorted(problems_of(text)) == [
        "accounts[0].name: the text contains a control character; remove it and try again.",
        "accounts[1].sponsors[0]: not a Slack user ID or e-mail address",
        "scorecard[1].label: the text contains a control character; remove it and try again.",
    ]


def snapshot(session: Session) -> tuple[Any, ...]:
    return (
        sorted(session.execute(select(Person.slack_user_id, Person.email))),
        sorted(
            session.execute(
                select(Sponsorship.account_id, Sponsorship.person_id, Sponsorship.role,
                       Sponsorship.ended_at)
            )
        ),
        sorted(session.scalars(select(Account.name))),
    )  # fmt: skip


def test_one_person_named_by_id_and_by_email_is_refused_naming_both_places(
    sessions: Any,
) -> None:
    """Ada is sponsor of Acme by e-mail; Slack resolved it to her ID. A file that also names
    her by ID elsewhere would hold her under two names: refused, nothing written."""
    document = portfolio()
    document["accounts"][0]["sponsors"] = ["Ada@Example.com"]
    with sessions() as session:
        load_portfolio(session, document)
        ada = session.scalars(select(Person).where(Person.email == "ada@example.com")).one()
        ada.slack_user_id = "U0ADA0001"  # what the profile refresh records
        session.commit()
        before = snapshot(session)

    document["accounts"][1]["sam"] = "U0ADA0001"
    document["accounts"][2]["sponsors"] = ["U0SPN0003", "new.person@example.com"]
    document["accounts"][2]["sam"] = "ada@example.com"
    with sessions() as session, pytest.raises(PortfolioInvalid) as refused:
        import_portfolio(session, parse_portfolio(yaml.safe_dump(document)), now=NOW)
        session.commit()
    assert refused.value.problems == [
        "accounts[1].sam: U0ADA0001 is the same person as ada@example.com "
        "(accounts[0].sponsors[0]); name each person one way, by Slack user ID or by e-mail, "
        "everywhere in the file"
    ]
    with sessions() as session:
        assert snapshot(session) == before  # not even the new person

    document["accounts"][1]["sam"] = "ada@example.com"  # one way everywhere: fine
    with sessions() as session:
        plan = import_portfolio(session, parse_portfolio(yaml.safe_dump(document)), now=NOW)
        session.commit()
        assert plan.people_added == 1


def test_the_sam_and_a_sponsor_of_one_account_named_two_ways_is_refused(
    session: Session,
) -> None:
    load_portfolio(session)
    sam = session.scalars(select(Person).where(Person.slack_user_id == "U0SAM0001")).one()
    sam.email = "sam.one@example.com"  # the database knows both
    session.commit()
    document = portfolio()
    document["accounts"][0]["sponsors"] = ["U0SPN0001", "SAM.One@example.com"]
    with pytest.raises(PortfolioInvalid) as refused:
        import_portfolio(session, parse_portfolio(yaml.safe_dump(document)), now=NOW)
    assert refused.value.problems == [
        "accounts[0].sponsors[1]: sam.one@example.com is the same person as U0SAM0001 "
        "(accounts[0].sam); name each person one way, by Slack user ID or by e-mail, "
        "everywhere in the file"
    ]
    session.rollback()
    roles = session.scalars(select(Sponsorship.role).where(Sponsorship.person_id == sam.id))
    assert list(roles) == ["sam"]
