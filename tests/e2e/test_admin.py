"""The admin in App Home, end to end: the first run, *Add account* / *Edit*, *Scorecard*,
*Admins*, forged admin payloads, and every admin view and modal at 100 accounts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from blockkit.check import problems
from engagement import db
from engagement.checkins.schedule import local_date, zone
from engagement.clock import MovableClock
from engagement.models import Account, Admin, KpiDefinition, Person, Role, Sponsorship
from sherpa_demo.stack import Stack, running_stack
from tests.conftest import STRANGER
from tests.factories import ADMIN, load_portfolio, portfolio, workspace_for

SAM, SPONSOR = "U0SAM0001", "U0SPN0001"
OTHER_SAM = "U0SAM0002"
FRIDAY = datetime(2026, 11, 20, 12, tzinfo=UTC)
SUNDAY = datetime(2026, 11, 22, 12, tzinfo=UTC)
NEW_YORK_9 = datetime(2026, 11, 23, 14, tzinfo=UTC)  # Monday 09:00 in New York


def _workspace(document: dict[str, Any]) -> dict[str, Any]:
    workspace = workspace_for(document)
    workspace["users"] += [
        {"id": ADMIN, "name": "admin", "tz": "UTC"},
        {"id": STRANGER, "name": "stranger", "tz": "UTC"},
    ]
    return workspace


def channel_id(workspace: dict[str, Any], name: str) -> str:
    [found] = [c["id"] for c in workspace["channels"] if c["name"] == name]
    return str(found)


@pytest.fixture
def empty(
    tmp_path: Path, sqlite_template: Path
) -> Iterator[tuple[Stack, MovableClock, dict[str, Any]]]:
    """No portfolio yet: the people and channels exist in Slack only."""
    path = tmp_path / "first.sqlite3"
    path.write_bytes(sqlite_template.read_bytes())
    clock = MovableClock(FRIDAY)
    workspace = _workspace(portfolio())
    with running_stack(f"sqlite:///{path}", workspace, admins=ADMIN, clock=clock) as stack:
        yield stack, clock, workspace


def open_home(stack: Stack, user: str) -> dict[str, Any]:
    stack.slack.event({"type": "app_home_opened", "user": user, "tab": "home"})
    stack.settle()
    home = stack.emulator.home(user)
    assert home is not None
    return dict(home)


def click(stack: Stack, user: str, action_id: str, view: dict[str, Any], value: Any = None) -> None:
    stack.slack.block_action(user, action_id, value, view=view)
    stack.settle()


def top_modal(stack: Stack, user: str) -> dict[str, Any]:
    return dict(stack.emulator.open_views(user)[-1])


def submit(stack: Stack, user: str, view: dict[str, Any], values: dict[str, Any]) -> Any:
    result = stack.slack.submit_view(user, view, {key: {key: v} for key, v in values.items()})
    stack.settle()
    return result


def texts(view: dict[str, Any]) -> str:
    return "\n".join(str((block.get("text") or {}).get("text", "")) for block in view["blocks"])


def count(stack: Stack, model: Any) -> int:
    with stack.runtime.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def dms(stack: Stack, user: str) -> list[str]:
    return [str(message.get("text", "")) for message in stack.emulator.messages(user)]


def test_an_admin_adds_the_first_account_and_its_people_are_introduced_and_checked_in(
    empty: tuple[Stack, MovableClock, dict[str, Any]],
) -> None:
    stack, clock, workspace = empty
    home = open_home(stack, ADMIN)
    assert "*Welcome to Sherpa.* There is no portfolio yet" in texts(home)
    stranger = open_home(stack, STRANGER)  # who to ask, not a command they cannot run
    assert f"Sherpa's admins: <@{ADMIN}>. Ask one of them to add you." in texts(stranger)
    assert "sherpa import" not in texts(stranger)

    click(stack, ADMIN, "admin_add_account", home)
    form = top_modal(stack, ADMIN)
    assert form["callback_id"] == "admin_account_form"
    assert [b["block_id"] for b in form["blocks"]][:3] == ["digest_channel", "name", "sam"]
    values = {
        "digest_channel": channel_id(workspace, "sponsor-digest"), "name": "Acme Corp",
        "sam": SAM, "sponsors": [SAM], "channel": channel_id(workspace, "acme-alliance"),
        "phase": "implementation", "governance": "steering-committee", "cadence": "weekly",
    }  # fmt: skip
    refused = submit(stack, ADMIN, form, values)  # the importer's own check, in place
    assert refused.json == {
        "response_action": "errors",
        "errors": {"sponsors": "The SAM cannot also be a sponsor of the same account."},
    }
    assert count(stack, Account) == 0
    done = submit(stack, ADMIN, form, {**values, "sponsors": [SPONSOR]})
    assert done.json["response_action"] == "update"
    assert done.json["view"]["blocks"][0]["text"]["text"].startswith(
        ":white_check_mark: Added *Acme Corp*."
    )
    admin_home = stack.emulator.home(ADMIN)
    assert admin_home is not None and admin_home["blocks"][0]["text"]["text"] == "Sherpa · Admin"
    line = texts(admin_home)
    assert "*Acme Corp*" in line and "implementation · steering-committee · weekly" in line
    assert f"SAM <@{SAM}> · sponsors <@{SPONSOR}> · <#{values['channel']}>" in line

    for at in (SUNDAY, NEW_YORK_9):  # `sherpa tick --at`
        clock.now = at
        stack.tick(at)
    for user in (SAM, SPONSOR):
        assert dms(stack, user) == [
            "Hello from Sherpa: your first check-in comes Mon 23 Nov at 09:00",
            "Sponsor check-in: Acme Corp",
        ]
    assert "Admin view" not in str(open_home(stack, SAM))  # the switch is for admins only


def test_editing_an_account_changes_its_people_and_settings(live: Stack) -> None:
    home = open_home(live, ADMIN)
    click(live, ADMIN, "admin_view", home)
    view = dict(live.emulator.home(ADMIN) or {})
    assert "3 accounts, by name · all shown" in str(view)
    click(live, ADMIN, "admin_edit_account", view, value=_account_id(live, "Globex"))
    form = top_modal(live, ADMIN)
    sam = next(b for b in form["blocks"] if b["block_id"] == "sam")
    assert sam["element"]["initial_user"] == OTHER_SAM
    channel = next(b for b in form["blocks"] if b["block_id"] == "channel")
    assert channel["hint"]["text"] == "Now #globex-alliance; leave empty to keep it."
    done = submit(live, ADMIN, form, {"sponsors": ["U0SPN0001", "U0SPN0002"], "phase": "selection"})
    assert done.json["view"]["blocks"][0]["text"]["text"] == ":white_check_mark: Saved *Globex*."
    with live.runtime.sessions() as session:
        account = session.scalars(select(Account).where(Account.name == "Globex")).one()
        sponsors = session.scalars(
            select(Person.slack_user_id).join(Sponsorship).where(
                Sponsorship.account_id == account.id, Sponsorship.role == Role.SPONSOR,
                Sponsorship.ended_at.is_(None))
        ).all()  # fmt: skip
    assert (account.phase, account.channel, account.timezone) == (
        "selection",
        "#globex-alliance",
        "Europe/Berlin",
    )
    assert sorted(sponsors) == ["U0SPN0001", "U0SPN0002"]


def _account_id(stack: Stack, name: str) -> str:
    with stack.runtime.sessions() as session:
        return str(session.scalars(select(Account.id).where(Account.name == name)).one())


def test_the_scorecard_modal_adds_and_edits_kpis_and_notes_weights_off_100(live: Stack) -> None:
    click(live, ADMIN, "admin_view", open_home(live, ADMIN))
    click(live, ADMIN, "admin_scorecard", dict(live.emulator.home(ADMIN) or {}))
    card = top_modal(live, ADMIN)
    assert "The weights add up to 55, not 100" in str(card)
    click(live, ADMIN, "admin_add_kpi", card)
    form = top_modal(live, ADMIN)
    assert form["callback_id"] == "admin_kpi_form"
    values = {"key": "hours_to_acknowledge", "label": "Hours to acknowledge", "unit": "h",
              "target": "24", "red": "12", "weight": "45", "lower_is_better": "lower"}  # fmt: skip
    bad = submit(live, ADMIN, form, values)
    assert bad.json == {
        "response_action": "errors",
        "errors": {"red": "The red threshold must not be below the target."},
    }
    good = submit(live, ADMIN, form, {**values, "red": "72"})
    assert good.json["response_action"] == "update"
    assert "Saved hours_to_acknowledge." in str(good.json["view"])
    assert "3 KPIs; the weights add up to 100." in str(good.json["view"])
    click(live, ADMIN, "admin_edit_kpi", top_modal(live, ADMIN), value="joint_revenue_growth")
    edit = top_modal(live, ADMIN)
    target = next(b for b in edit["blocks"] if b["block_id"] == "target")
    assert target["element"]["initial_value"] == "5"
    submit(live, ADMIN, edit, {"target": "6"})
    with live.runtime.sessions() as session:
        rows = {
            k.key: (k.target, k.red_above, k.weight) for k in session.scalars(select(KpiDefinition))
        }
    assert rows["joint_revenue_growth"] == (6.0, None, 30.0)
    assert rows["hours_to_acknowledge"] == (24.0, 72.0, 45.0)


def test_admins_are_added_and_removed_in_slack_and_one_is_always_kept(live: Stack) -> None:
    click(live, ADMIN, "admin_view", open_home(live, ADMIN))
    click(live, ADMIN, "admin_admins", dict(live.emulator.home(ADMIN) or {}))
    form = top_modal(live, ADMIN)
    assert form["blocks"][0]["element"]["initial_users"] == [ADMIN]
    empty = submit(live, ADMIN, form, {"admins": []})
    assert empty.json["errors"] == {"admins": "Keep at least one admin."}
    done = submit(live, ADMIN, form, {"admins": [SAM]})  # hands over, and steps down
    assert "Admins added <@U0SAM0001> and removed <@U0ADMIN01>." in str(done.json["view"])
    assert "Admin view" in str(open_home(live, SAM))
    assert "Admin view" not in str(open_home(live, ADMIN))  # though SHERPA_ADMINS names them
    with live.runtime.sessions() as session:
        rows = {a.slack_user_id: (a.added_by, a.removed_by) for a in session.scalars(select(Admin))}
    assert rows == {ADMIN: ("SHERPA_ADMINS", ADMIN), SAM: (ADMIN, None)}


def test_forged_admin_payloads_from_a_non_admin_are_refused_and_write_nothing(
    live: Stack,
) -> None:
    click(live, ADMIN, "admin_view", open_home(live, ADMIN))
    admin_view = dict(live.emulator.home(ADMIN) or {})
    click(live, ADMIN, "admin_add_account", admin_view)
    account_form = top_modal(live, ADMIN)
    click(live, ADMIN, "admin_admins", admin_view)
    admins_form = top_modal(live, ADMIN)
    click(live, ADMIN, "admin_scorecard", admin_view)
    click(live, ADMIN, "admin_add_kpi", top_modal(live, ADMIN))
    kpi_form = top_modal(live, ADMIN)
    before = {model: count(live, model) for model in (Account, Sponsorship, Admin, KpiDefinition)}

    click(live, SAM, "admin_scorecard", admin_view)  # a signed click on a button they never had
    submit(live, SAM, account_form, {"name": "Forged", "sam": SAM, "sponsors": [STRANGER],
                                     "phase": "selection", "governance": "direct",
                                     "cadence": "weekly"})  # fmt: skip
    submit(live, SAM, admins_form, {"admins": [SAM]})
    submit(live, SAM, kpi_form, {"key": "forged", "target": "1", "red": "0", "weight": "99"})
    click(live, SAM, "admin_edit_account", admin_view)

    assert {model: count(live, model) for model in before} == before
    refusals = [text for text in dms(live, SAM) if text == "Only Sherpa's admins can do that."]
    assert len(refusals) == 5
    home = live.emulator.home(SAM)
    assert home is None or "Sherpa · Admin" not in str(home)


def test_pause_from_app_home_with_a_date_picker_and_resume_beside_it(live: Stack) -> None:
    home = open_home(live, SAM)
    with live.runtime.sessions() as session:  # "today" is the SAM's own, not the machine's
        timezone = session.scalars(select(Person.timezone).where(Person.slack_user_id == SAM))
        today = local_date(datetime.now(UTC), zone(timezone.one()))
    until = today + timedelta(days=14)
    click(live, SAM, "checkin_pause", home, value=until.isoformat())
    with live.runtime.sessions() as session:
        paused = session.scalars(select(Person.paused_until).where(Person.slack_user_id == SAM))
        assert paused.one() == until
    home = dict(live.emulator.home(SAM) or {})
    [controls] = [b for b in home["blocks"] if b.get("block_id") == "checkin_pause"]
    assert [e["type"] for e in controls["elements"]] == ["datepicker", "button"]
    assert controls["elements"][0]["initial_date"] == until.isoformat()
    click(live, SAM, "checkin_pause", home, value=today.isoformat())  # not after today
    assert dms(live, SAM)[-1].startswith("Pick a date after today")
    click(live, SAM, "checkin_resume", home)
    with live.runtime.sessions() as session:
        paused = session.scalars(select(Person.paused_until).where(Person.slack_user_id == SAM))
        assert paused.one() is None


@pytest.fixture
def hundred(tmp_path: Path, sqlite_template: Path) -> Iterator[Stack]:
    """100 accounts, each with a SAM and two sponsors."""
    document = portfolio(accounts=[
        {"name": f"Account {n:03d} " + "x" * 150, "sam": f"U0SAM{n:04d}",
         "sponsors": [f"U0SPA{n:04d}", f"U0SPB{n:04d}"], "channel": f"#account-{n:03d}"}
        for n in range(100)
    ])  # fmt: skip
    path = tmp_path / "hundred.sqlite3"
    path.write_bytes(sqlite_template.read_bytes())
    engine = db.make_engine(f"sqlite:///{path}")
    with db.session_factory(engine)() as session:
        load_portfolio(session, document)
    engine.dispose()
    with running_stack(f"sqlite:///{path}", _workspace(document), admins=ADMIN) as stack:
        yield stack


def test_every_admin_view_and_modal_passes_block_kit_at_100_accounts(hundred: Stack) -> None:
    home = open_home(hundred, ADMIN)
    assert problems(home, "home") == []
    click(hundred, ADMIN, "admin_view", home)
    pages = [dict(hundred.emulator.home(ADMIN) or {})]
    while "admin_next" in str(pages[-1]):
        click(hundred, ADMIN, "admin_next", pages[-1])
        pages.append(dict(hundred.emulator.home(ADMIN) or {}))
    assert len(pages) == 3
    shown = [b for page in pages for b in page["blocks"] if b.get("block_id", "").startswith(
        "admin_account:")]  # fmt: skip
    assert len(shown) == 100 and len({b["block_id"] for b in shown}) == 100
    for page in pages:
        assert problems(page, "home") == [] and len(page["blocks"]) <= 100
    click(hundred, ADMIN, "admin_previous", pages[-1])
    assert "page 2 of 3" in str(hundred.emulator.home(ADMIN))
    last = shown[-1]["accessory"]["value"]
    for action, value in (("admin_add_account", "1"), ("admin_edit_account", last),
                          ("admin_admins", "1"), ("admin_scorecard", "1")):  # fmt: skip
        click(hundred, ADMIN, action, pages[0], value=value)
        modal = top_modal(hundred, ADMIN)
        assert problems(modal, "modal") == [], action
    click(hundred, ADMIN, "admin_add_kpi", top_modal(hundred, ADMIN))
    assert problems(top_modal(hundred, ADMIN), "modal") == []
