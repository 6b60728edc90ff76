"""Sherpa's admins in the database, seeded by SHERPA_ADMINS; and the portfolio edited by
them through the importer's own validation (`engagement.portfolio.editing`)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from engagement import db
from engagement.access import actor_for
from engagement.admins import admin_ids, set_admins
from engagement.duework.engine import Engine
from engagement.duework.queue import schedule
from engagement.duework.registry import Registry, WorkContext
from engagement.errors import FormInvalid, Invalid, NotAllowed
from engagement.forget import forget_person
from engagement.models import Account, Admin, KpiDefinition
from engagement.portfolio.editing import AccountForm, KpiForm, save_account, save_kpi
from tests.factories import load_portfolio, portfolio
from tests.fakes import FakeNotifier

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
SEED = frozenset({"U0ADMIN01", "U0ADMIN02"})


def admins_now(session: Session, seed: frozenset[str] = SEED) -> set[str]:
    return set(admin_ids(session, seed))


def test_without_changes_in_slack_the_admins_are_exactly_the_setting(session: Session) -> None:
    assert admins_now(session) == set(SEED)
    assert admins_now(session, frozenset({"U0NEW0001"})) == {"U0NEW0001"}  # as before
    assert actor_for(session, "U0ADMIN02", SEED).is_admin
    assert not actor_for(session, "U0SAM0001", SEED).is_admin


def test_changes_in_slack_win_over_the_setting_that_seeded_them(session: Session) -> None:
    added, removed = set_admins(
        session, actor="U0ADMIN01", wanted=["U0ADMIN01", "U0SAM0001"], seed=SEED, now=NOW
    )
    session.commit()
    assert (added, removed) == (["U0SAM0001"], ["U0ADMIN02"])
    assert admins_now(session) == {"U0ADMIN01", "U0SAM0001"}  # U0ADMIN02 stays removed
    assert admins_now(session, SEED | {"U0LATER01"}) == {"U0ADMIN01", "U0SAM0001", "U0LATER01"}
    rows = {row.slack_user_id: (row.added_by, row.removed_by) for row in session.scalars(
        select(Admin))}  # fmt: skip
    assert rows == {
        "U0ADMIN01": ("SHERPA_ADMINS", None),
        "U0ADMIN02": ("SHERPA_ADMINS", "U0ADMIN01"),
        "U0SAM0001": ("U0ADMIN01", None),
    }
    set_admins(session, actor="U0SAM0001", wanted=["U0SAM0001", "U0ADMIN02"], seed=SEED, now=NOW)
    assert admins_now(session) == {"U0SAM0001", "U0ADMIN02"}  # back, added by U0SAM0001


@pytest.mark.parametrize(
    ("actor", "wanted", "error", "line"),
    [
        ("U0SAM0001", ["U0SAM0001"], NotAllowed, "Only Sherpa's admins can do that."),
        ("U0ADMIN01", [], Invalid, "Keep at least one admin."),
        ("U0ADMIN01", ["#general"], Invalid, "'#general' is not a Slack user"),
    ],
)
def test_a_change_of_admins_that_cannot_be_done_writes_nothing(
    session: Session, actor: str, wanted: list[str], error: type[Exception], line: str
) -> None:
    with pytest.raises(error, match=line):
        set_admins(session, actor=actor, wanted=wanted, seed=SEED, now=NOW)
    assert session.scalar(select(func.count()).select_from(Admin)) == 0


def test_due_work_gets_the_admins_of_the_database_once_per_run(
    sessions: sessionmaker[Session],
) -> None:
    seen: list[frozenset[str]] = []
    registry = Registry()

    @registry.kind("probe")
    def probe(context: WorkContext) -> None:
        seen.append(context.admins)

    sessions = registry.bind_sessions(db.session_factory(sessions.kw["bind"]))
    with db.transaction(sessions) as session:
        set_admins(session, actor="U0ADMIN01", wanted=["U0SAM0001"], seed=SEED, now=NOW)
        for key in ("a", "b"):
            schedule(session, kind="probe", key=key, due_at=NOW)
    Engine(sessions, registry, FakeNotifier(), admins=SEED).run_due(NOW)
    assert seen == [frozenset({"U0SAM0001"})] * 2


FORM = AccountForm(
    name="Initech", sam="U0SAM0009", sponsors=("U0SPN0009",), channel="C0INITECH",
    phase="selection", governance="direct", cadence="biweekly",
)  # fmt: skip


def test_an_account_from_slack_is_checked_by_the_portfolio_files_rules(session: Session) -> None:
    load_portfolio(session, portfolio())
    admins = {"U0ADMIN01"}
    cases = [
        (FORM.__class__(**{**FORM.__dict__, "sponsors": ("U0SAM0009",)}),
         {"sponsors": "The SAM cannot also be a sponsor of the same account."}),
        (FORM.__class__(**{**FORM.__dict__, "name": "acme corp"}),
         {"name": "There is already an account named Acme Corp."}),
        (FORM.__class__(**{**FORM.__dict__, "phase": "done", "channel": "general"}),
         {"channel": "Not a channel (#lower-case-name or a channel ID like C0123ABC).",
          "phase": "Input should be 'pre-rfp', 'selection', 'implementation' or 'steady-state'."}),
    ]  # fmt: skip
    for form, problems in cases:
        with pytest.raises(FormInvalid) as refused:
            save_account(session, actor="U0ADMIN01", admins=admins, account_id=None, form=form,
                         now=NOW)  # fmt: skip
        assert refused.value.field_errors == problems
    with pytest.raises(NotAllowed):
        save_account(session, actor="U0SAM0001", admins=admins, account_id=None, form=FORM, now=NOW)
    assert session.scalar(select(func.count()).select_from(Account)) == 3
    plan = save_account(session, actor="U0ADMIN01", admins=admins, account_id=None, form=FORM,
                        now=NOW)  # fmt: skip
    account = session.scalars(select(Account).where(Account.name == "Initech")).one()
    assert (plan.status, account.cadence, account.timezone, account.digest_channel) == (
        "added",
        "biweekly",
        "America/New_York",
        "#sponsor-digest",
    )


def test_a_kpi_from_slack_is_checked_by_the_portfolio_files_rules(session: Session) -> None:
    load_portfolio(session, portfolio())
    admins = {"U0ADMIN01"}
    form = KpiForm(key="Revenue", label="", unit="%", target="5", red="x", weight="20",
                   lower_is_better=False)  # fmt: skip
    with pytest.raises(FormInvalid) as refused:
        save_kpi(session, actor="U0ADMIN01", admins=admins, editing=None, now=NOW, form=form)
    assert refused.value.field_errors == {"red": "'x' is not a number."}
    with pytest.raises(FormInvalid) as refused:
        save_kpi(session, actor="U0ADMIN01", admins=admins, editing=None, now=NOW,
                 form=KpiForm(**{**form.__dict__, "red": "4"}))  # fmt: skip
    assert refused.value.field_errors == {
        "key": "Must be lower_snake_case, starting with a letter."
    }
    card = save_kpi(session, actor="U0ADMIN01", admins=admins, editing=None, now=NOW,
                    form=KpiForm(**{**form.__dict__, "key": "revenue", "red": "4"}))  # fmt: skip
    assert [kpi.key for kpi in card.kpis][-1] == "revenue"
    assert card.weight_note == (
        "The weights add up to 75, not 100: each KPI counts for its share of 75, so scores "
        "stay out of 100."
    )
    assert session.scalar(select(func.count()).select_from(KpiDefinition)) == 3


def test_an_edit_keeps_what_slacks_menus_cannot_show(session: Session) -> None:
    """A channel the file names by name, and a sponsor known only by e-mail so far."""
    document = portfolio()
    document["accounts"][0]["sponsors"] = ["U0SPN0001", "pat@example.com"]
    load_portfolio(session, document)
    acme = session.scalars(select(Account).where(Account.name == "Acme Corp")).one()
    form = AccountForm(name="Acme Corp", sam="U0SAM0001", sponsors=("U0SPN0009",), channel=None,
                       phase="selection", governance="direct", cadence="weekly")  # fmt: skip
    plan = save_account(session, actor="U0ADMIN01", admins={"U0ADMIN01"}, account_id=acme.id,
                        form=form, now=NOW)  # fmt: skip
    assert plan.status == "changed"
    assert plan.details == ["phase steady-state -> selection", "sponsor U0SPN0001 ended",
                            "sponsor U0SPN0009 started"]  # fmt: skip
    assert acme.channel == "#acme-alliance"


def test_forgetting_a_person_takes_them_out_of_the_admins(session: Session) -> None:
    load_portfolio(session, portfolio())
    set_admins(session, actor="U0ADMIN01", wanted=["U0SAM0001"], seed=SEED, now=NOW)
    set_admins(session, actor="U0SAM0001", wanted=["U0SAM0001", "U0SPN0001"], seed=SEED, now=NOW)
    forget_person(session, user="U0SAM0001", now=NOW)
    rows = {row.slack_user_id: (row.added_by, row.removed_by) for row in session.scalars(
        select(Admin))}  # fmt: skip
    assert rows == {
        "U0ADMIN01": ("SHERPA_ADMINS", "U0ADMIN01"),
        "U0ADMIN02": ("SHERPA_ADMINS", "U0ADMIN01"),
        "U0SPN0001": ("forgotten", None),  # added by the person forgotten
    }
    assert admins_now(session) == {"U0SPN0001"}
