"""Check-ins end to end: the real endpoint, the emulator, and time moved by `tick(at)`.

Each test builds its own stack with a clock it controls, so "now" for clicks and
commands is the instant the last tick ran at. People get their zone from the emulated
workspace (`tz`) in the first tick's profile refresh.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from sqlalchemy import func, select, update

from engagement import db
from engagement.checkins.items import latest_answers
from engagement.clock import MovableClock, utcnow
from engagement.models import (
    Account,
    AdvocacyAction,
    Answer,
    CheckIn,
    CheckInState,
    DueWork,
    Person,
    Phase,
    WorkState,
)
from sherpa_demo.stack import Stack, running_stack
from tests.factories import GOOD_ANSWER as GOOD
from tests.factories import load_portfolio, portfolio, workspace_for

ROOT = Path(__file__).resolve().parents[2]

SAM1, SPN1 = "U0SAM0001", "U0SPN0001"  # Acme Corp, New York
SAM2, SPN2 = "U0SAM0002", "U0SPN0002"  # Globex, Berlin
SAM3, SPN3 = "U0SAM0003", "U0SPN0003"  # Hanami Logistics, Tokyo

LOADED = datetime(2026, 11, 20, 12, tzinfo=UTC)  # Friday: the portfolio is imported
SUNDAY = datetime(2026, 11, 22, 12, tzinfo=UTC)  # first tick: profiles refreshed, planned
TOKYO_9 = datetime(2026, 11, 23, 0, tzinfo=UTC)  # Monday 09:00 in each zone (winter time)
BERLIN_9 = datetime(2026, 11, 23, 8, tzinfo=UTC)
NEW_YORK_9 = datetime(2026, 11, 23, 14, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


@dataclass
class World:
    stack: Stack
    clock: MovableClock
    url: str

    @property
    def emulator(self) -> Any:
        return self.stack.emulator

    def tick(self, at: datetime) -> None:
        self.clock.now = at
        self.stack.tick(at)

    def at(self, instant: datetime) -> None:
        """Move "now" for clicks and commands without running due work."""
        self.clock.now = instant

    def dms(self, user: str) -> list[dict[str, Any]]:
        return list(self.emulator.messages(user))

    def prompts(self, user: str) -> list[dict[str, Any]]:
        """The check-in DMs (not the nudges) in a person's DM, as they are now."""
        return [m for m in self.dms(user) if str(m.get("text", "")).startswith("Sponsor check-in")]

    def prompt(self, user: str) -> dict[str, Any]:
        [message] = self.prompts(user)
        return message

    def nudges(self, user: str) -> list[dict[str, Any]]:
        return [m for m in self.dms(user) if str(m.get("text", "")).startswith("Reminder:")]

    def click(
        self,
        user: str,
        action_id: str,
        *,
        message: dict[str, Any] | None = None,
        view: dict[str, Any] | None = None,
        checkin_id: int | None = None,
    ) -> None:
        """Click a check-in button (the one for `checkin_id` when several are shown)."""
        block_id = None
        if checkin_id is not None:
            more = action_id in ("checkin_skip", "checkin_remind")
            block_id = f"checkin_more:{checkin_id}" if more else f"checkin:{checkin_id}"
        self.stack.slack.block_action(
            user, action_id, message=message, view=view, block_id=block_id
        )
        self.stack.settle()

    def modal(self, user: str) -> dict[str, Any]:
        [view] = self.emulator.open_views(user)
        return dict(view)

    def submit(self, user: str, view: dict[str, Any], answer: dict[str, str]) -> Any:
        result = self.stack.slack.submit_view(
            user, view, {block: {"value": value} for block, value in answer.items()}
        )
        self.stack.settle()
        return result

    def slash(self, user: str, text: str) -> list[str]:
        """Run `/sponsor <text>`; the replies the person got from it."""
        before = len(self.emulator.responses(user))
        self.stack.slack.slash(user, text)
        self.stack.settle()
        return [str(p.body.get("text", "")) for p in self.emulator.responses(user)[before:]]

    def open_home(self, user: str) -> dict[str, Any]:
        self.stack.slack.event({"type": "app_home_opened", "user": user, "tab": "home"})
        self.stack.settle()
        home = self.emulator.home(user)
        assert home is not None
        return dict(home)

    def query(self, statement: Any) -> list[Any]:
        with self.stack.runtime.sessions() as session:
            return list(session.scalars(statement))

    def answers(self) -> list[Answer]:
        return self.query(select(Answer).order_by(Answer.checkin_id, Answer.revision))

    def checkin(self, checkin_id: int) -> CheckIn:
        [row] = self.query(select(CheckIn).where(CheckIn.id == checkin_id))
        return row


def buttons(blocks: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(action_id, value) of every button, in order."""
    found = []
    for block in blocks:
        elements = [block.get("accessory")] if block.get("accessory") else []
        elements += block.get("elements", []) if block.get("type") == "actions" else []
        for element in elements:
            if element.get("type") == "button":
                found.append((element["action_id"], element.get("value", "")))
    return found


def checkin_ids(message: dict[str, Any], action: str = "checkin_answer") -> list[int]:
    return [int(value) for action_id, value in buttons(message["blocks"]) if action_id == action]


def text_of(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


WorldFactory = Callable[..., Any]


@pytest.fixture
def make_world(tmp_path: Path, sqlite_template: Path) -> Iterator[WorldFactory]:
    """Build a stack on a fresh SQLite file with a portfolio loaded at `loaded`."""
    opened: list[Any] = []

    def build(
        document: dict[str, Any] | None = None,
        *,
        loaded: datetime = LOADED,
        zones: dict[str, str] | None = None,
    ) -> World:
        document = document or portfolio()
        path = tmp_path / f"world{len(opened)}.sqlite3"
        path.write_bytes(sqlite_template.read_bytes())
        url = f"sqlite:///{path}"
        engine = db.make_engine(url)
        with db.session_factory(engine)() as session:
            load_portfolio(session, document, now=loaded)
        engine.dispose()
        clock = MovableClock(loaded)
        context = running_stack(url, workspace_for(document, zones), clock=clock)
        opened.append(context)
        return World(context.__enter__(), clock, url)

    yield build
    for context in reversed(opened):
        context.__exit__(None, None, None)


# --- delivery at 09:00 local ------------------------------------------------------------


def test_three_zones_each_get_their_dm_at_nine_local(make_world: WorldFactory) -> None:
    world = make_world()
    world.tick(SUNDAY)
    everyone = [SAM1, SPN1, SAM2, SPN2, SAM3, SPN3]
    assert all(world.prompts(user) == [] for user in everyone)
    waves = [((SAM3, SPN3), TOKYO_9), ((SAM2, SPN2), BERLIN_9), ((SAM1, SPN1), NEW_YORK_9)]
    delivered: set[str] = set()
    for users, nine in waves:
        world.tick(nine - MINUTE)
        assert {u for u in everyone if world.prompts(u)} == delivered, f"early at {nine}"
        world.tick(nine)
        delivered |= set(users)
        assert {u for u in everyone if world.prompts(u)} == delivered
    for user in everyone:
        message = world.prompt(user)
        actions = [action for action, _ in buttons(message["blocks"])]
        assert actions == ["checkin_answer", "checkin_skip", "checkin_remind"]
        assert "only you can see and answer it" in text_of(message["blocks"])
    assert "Hanami Logistics" in world.prompt(SAM3)["text"]
    assert "rate the sponsor" in text_of(world.prompt(SAM1)["blocks"])
    assert "rate your own engagement" in text_of(world.prompt(SPN1)["blocks"])


def test_a_dst_week_keeps_nine_local_in_new_york_and_berlin(make_world: WorldFactory) -> None:
    """EU clocks go back on 25 October 2026, US clocks on 1 November."""
    world = make_world(loaded=datetime(2026, 10, 15, 12, tzinfo=UTC))
    mondays = ((10, 19), (10, 26), (11, 2))
    hours = {SAM1: (13, 13, 14), SAM2: (7, 8, 8), SAM3: (0, 0, 0)}  # Monday 09:00 local, UTC
    expected = {
        user: [datetime(2026, m, d, h, tzinfo=UTC) for (m, d), h in zip(mondays, hs, strict=True)]
        for user, hs in hours.items()
    }
    world.tick(datetime(2026, 10, 18, 12, tzinfo=UTC))
    events = sorted((at, user) for user, times in expected.items() for at in times)
    seen = {user: 0 for user in expected}
    for at, user in events:
        world.tick(at - MINUTE)
        assert len(world.prompts(user)) == seen[user], f"{user} early before {at}"
        world.tick(at)
        seen[user] += 1
        assert len(world.prompts(user)) == seen[user], f"{user} not at {at}"
    assert seen == {SAM1: 3, SAM2: 3, SAM3: 3}


def test_several_accounts_due_the_same_day_share_one_dm(make_world: WorldFactory) -> None:
    document = portfolio()
    document["accounts"][1]["sam"] = SAM1  # Globex too, at 11:00 in SAM1's own zone
    document["accounts"][1]["checkins"] = {"cadence": "weekly", "weekday": "mon", "time": "11:00"}
    world = make_world(document)
    world.tick(SUNDAY)
    world.tick(NEW_YORK_9)
    message = world.prompt(SAM1)
    acme, globex = checkin_ids(message)
    assert "Acme Corp" in message["text"] and "Globex" in message["text"]
    world.click(SAM1, "checkin_answer", message=message, checkin_id=globex)
    world.submit(SAM1, world.modal(SAM1), GOOD)
    updated = world.prompt(SAM1)  # the same message, rebuilt
    assert updated["ts"] == message["ts"]
    assert checkin_ids(updated) == [acme]
    assert ("checkin_edit", str(globex)) in buttons(updated["blocks"])
    world.tick(NEW_YORK_9 + timedelta(hours=3))  # Globex's own time passes: no second DM
    assert len(world.prompts(SAM1)) == 1


# --- answering -----------------------------------------------------------------------------


@pytest.fixture
def delivered(make_world: WorldFactory) -> World:
    """The Monday DMs are out in every zone."""
    world = make_world()
    world.tick(SUNDAY)
    world.tick(NEW_YORK_9)
    return world


def test_invalid_fields_come_back_inside_the_modal(delivered: World) -> None:
    world = delivered
    world.click(SAM1, "checkin_answer", message=world.prompt(SAM1))
    modal = world.modal(SAM1)
    assert modal["callback_id"] == "checkin_answer"
    result = world.submit(SAM1, modal, {"stakeholders_met": "lots", "advocacy": "x"})
    assert result.status == 200
    assert result.json["response_action"] == "errors"
    errors = result.json["errors"]
    assert errors["stakeholders_met"] == "Enter a whole number from 0 to 1,000."
    assert errors["role_balance"] == "Pick a rating from 1 to 5."
    assert len(world.emulator.open_views(SAM1)) == 1  # still open, nothing written
    assert world.answers() == []
    assert world.emulator.responses(SAM1) == []


def test_a_double_submit_keeps_one_answer_and_the_dm_says_recorded(delivered: World) -> None:
    world = delivered
    world.at(NEW_YORK_9 + timedelta(minutes=20))
    [checkin_id] = checkin_ids(world.prompt(SAM1))
    world.click(SAM1, "checkin_answer", message=world.prompt(SAM1))
    modal = world.modal(SAM1)
    first = world.submit(SAM1, modal, GOOD)
    assert first.status == 200 and not first.json  # closes the modal
    assert world.emulator.open_views(SAM1) == []
    again = world.submit(SAM1, modal, GOOD)  # a retried request of the same modal
    assert again.status == 200
    results: list[int] = []
    racers = [  # and two more at once
        threading.Thread(target=lambda: results.append(world.submit(SAM1, modal, GOOD).status))
        for _ in range(2)
    ]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    assert results == [200, 200]
    [answer] = world.answers()
    assert (answer.checkin_id, answer.revision, answer.role_balance) == (checkin_id, 1, 5)
    assert answer.submitted_at == NEW_YORK_9 + timedelta(minutes=20)
    assert world.checkin(checkin_id).state == CheckInState.ANSWERED
    message = world.prompt(SAM1)
    assert "Recorded" in text_of(message["blocks"])
    assert "Stakeholders 4" in text_of(message["blocks"])
    assert buttons(message["blocks"]) == [("checkin_edit", str(checkin_id))]
    advocacy = world.query(select(AdvocacyAction))
    assert [a.text for a in advocacy] == [GOOD["advocacy"]]


def test_edit_adds_a_revision_keeps_the_first_and_the_latest_counts(delivered: World) -> None:
    world = delivered
    world.click(SAM1, "checkin_answer", message=world.prompt(SAM1))
    world.submit(SAM1, world.modal(SAM1), GOOD)
    world.click(SAM1, "checkin_edit", message=world.prompt(SAM1))
    modal = world.modal(SAM1)
    assert modal["submit"]["text"] == "Save edit"
    role_balance = next(b for b in modal["blocks"] if b.get("block_id") == "role_balance")
    assert role_balance["element"]["initial_option"]["value"] == "5"  # prefilled
    world.submit(SAM1, modal, {"role_balance": "2", "advocacy": "Unblocked the security review."})
    first, second = world.answers()
    assert (first.revision, first.role_balance) == (1, 5)
    assert (second.revision, second.role_balance, second.stakeholder_engagement) == (2, 2, 4)
    with world.stack.runtime.sessions() as session:
        assert latest_answers(session, [first.checkin_id])[first.checkin_id].revision == 2
    assert "edited (revision 2)" in text_of(world.prompt(SAM1)["blocks"])
    advocacy = world.query(select(AdvocacyAction))
    assert [a.text for a in advocacy] == ["Unblocked the security review."]  # not counted twice


def test_the_sponsor_answers_their_phase_question_in_each_phase(delivered: World) -> None:
    """Seed 002: the sponsor's check-in asks the account phase's question; the answer is
    recorded with the phase it answered and shown in the DM and on the account's card; the
    SAM is not asked."""
    world = delivered
    world.click(SAM1, "checkin_answer", message=world.prompt(SAM1))
    assert "phase_check" not in {b.get("block_id") for b in world.modal(SAM1)["blocks"]}
    questions = {
        Phase.PRE_RFP: ("Pre-RFP phase: Is the business case still sound?", "no"),
        Phase.SELECTION: (
            "Selection phase: Have the shortlist and cultural fit been reviewed?", "yes"),
        Phase.IMPLEMENTATION: (
            "Implementation phase: Are the governance charter and KPIs agreed?", "no"),
        Phase.STEADY_STATE: (
            "Steady state phase: Was the steering committee held, and was new value found?",
            "yes"),
    }  # fmt: skip
    for revision, (phase, (label, said)) in enumerate(questions.items(), start=1):
        with world.stack.runtime.sessions() as session, session.begin():
            session.execute(update(Account).where(Account.name == "Acme Corp").values(phase=phase))
        button = "checkin_answer" if revision == 1 else "checkin_edit"
        world.click(SPN1, button, message=world.prompt(SPN1))
        modal = world.modal(SPN1)
        block = next(b for b in modal["blocks"] if b.get("block_id") == "phase_check")
        assert block["label"]["text"] == label
        result = world.submit(SPN1, modal, {**GOOD, "phase_check": said, "note": phase.value})
        assert result.status == 200 and not result.json
        latest = world.answers()[-1]
        assert (latest.revision, latest.phase, latest.phase_check) == (
            revision, phase.value, said == "yes",
        )  # fmt: skip
        assert f": {said}" in text_of(world.prompt(SPN1)["blocks"])
    assert "steering committee held, new value found: yes" in text_of(world.prompt(SPN1)["blocks"])
    world.slash(SAM1, "status Acme Corp")  # the team sees it on the account's card
    card = text_of(world.emulator.responses(SAM1)[-1].body["blocks"])
    assert "*Sponsor's answer* (Mon 23 Nov): steering committee held, new value found: yes" in card


def test_skip_closes_it_without_a_nudge(delivered: World) -> None:
    world = delivered
    [checkin_id] = checkin_ids(world.prompt(SAM1))
    world.click(SAM1, "checkin_skip", message=world.prompt(SAM1))
    assert world.checkin(checkin_id).state == CheckInState.SKIPPED
    assert "Skipped this one" in text_of(world.prompt(SAM1)["blocks"])
    world.tick(NEW_YORK_9 + timedelta(hours=49))
    assert world.nudges(SAM1) == [] and len(world.nudges(SPN1)) == 1


def test_remind_me_tomorrow_comes_back_at_nine_the_next_day(delivered: World) -> None:
    world = delivered
    world.at(NEW_YORK_9 + timedelta(hours=1))
    [checkin_id] = checkin_ids(world.prompt(SAM1))
    world.click(SAM1, "checkin_remind", message=world.prompt(SAM1))
    assert "remind you" in text_of(world.prompt(SAM1)["blocks"])
    assert checkin_ids(world.prompt(SAM1)) == [checkin_id]  # "Answer now" stays
    world.tick(NEW_YORK_9 + timedelta(days=1) - MINUTE)
    assert len(world.prompts(SAM1)) == 1
    world.tick(NEW_YORK_9 + timedelta(days=1))
    _, second = world.prompts(SAM1)
    assert checkin_ids(second) == [checkin_id]
    assert world.checkin(checkin_id).state == CheckInState.SENT


def test_exactly_one_nudge_then_expiry(delivered: World) -> None:
    world = delivered
    [checkin_id] = checkin_ids(world.prompt(SAM1))
    world.tick(NEW_YORK_9 + timedelta(hours=48) - MINUTE)
    assert world.nudges(SAM1) == []
    world.tick(NEW_YORK_9 + timedelta(hours=48))
    [nudge] = world.nudges(SAM1)
    assert checkin_ids(nudge) == [checkin_id]
    for hours in (49, 72, 96, 150):
        world.tick(NEW_YORK_9 + timedelta(hours=hours))
    assert len(world.nudges(SAM1)) == 1
    assert world.checkin(checkin_id).state == CheckInState.NUDGED
    world.tick(NEW_YORK_9 + timedelta(days=7))
    assert world.checkin(checkin_id).state == CheckInState.EXPIRED
    first = world.prompts(SAM1)[0]
    assert "Expired unanswered" in text_of(first["blocks"])
    assert checkin_ids(first) == []
    world.click(SAM1, "checkin_answer", message=nudge)  # the nudge's button is stale now
    assert world.emulator.open_views(SAM1) == []
    [reply] = world.emulator.responses(SAM1)
    assert "expired" in reply.body["text"]


def test_a_reminder_loses_its_buttons_once_answered_or_expired(delivered: World) -> None:
    world = delivered
    nudged = NEW_YORK_9 + timedelta(hours=48)
    world.tick(nudged)
    [nudge] = world.nudges(SAM1)
    [checkin_id] = checkin_ids(nudge)
    assert buttons(world.nudges(SPN1)[0]["blocks"])  # both reminded, both with buttons
    world.at(nudged + timedelta(hours=2))
    world.click(SAM1, "checkin_answer", message=nudge)  # answered from the reminder
    world.submit(SAM1, world.modal(SAM1), GOOD)
    world.tick(nudged + timedelta(hours=2))
    [reminder] = world.nudges(SAM1)
    assert reminder["ts"] == nudge["ts"]  # the same message, updated in place
    assert buttons(reminder["blocks"]) == []
    assert not [block for block in reminder["blocks"] if block["type"] == "actions"]
    said = text_of(reminder["blocks"])
    assert "Answered on" in said and "Wed 25 Nov" in said and "thank you" in said
    assert "still open" not in said
    assert world.checkin(checkin_id).state == CheckInState.ANSWERED
    assert buttons(world.nudges(SPN1)[0]["blocks"])  # the sponsor's is still to answer
    world.tick(NEW_YORK_9 + timedelta(days=7))  # the sponsor's expires unanswered
    [expired] = world.nudges(SPN1)
    assert buttons(expired["blocks"]) == []
    assert "This check-in closed on" in text_of(expired["blocks"])
    assert "Mon 30 Nov" in text_of(expired["blocks"])
    updates = [c for c in world.emulator.calls("chat.update") if c.args["ts"] == nudge["ts"]]
    assert len(updates) == 1  # the sponsor's expiry left the SAM's reminder alone


# --- commands ---------------------------------------------------------------------------


def test_sponsor_checkin_opens_the_pending_one_or_an_ad_hoc_one(delivered: World) -> None:
    world = delivered
    [checkin_id] = checkin_ids(world.prompt(SAM1))
    assert world.slash(SAM1, "checkin") == []
    modal = world.modal(SAM1)
    assert json.loads(modal["private_metadata"])["checkin_id"] == checkin_id
    world.submit(SAM1, modal, GOOD)
    assert "Recorded" in text_of(world.prompt(SAM1)["blocks"])
    [refusal] = world.slash(SAM1, "checkin Globex")
    assert refusal == "No account named 'Globex'. Usage: `/sponsor checkin [account]`"
    world.click(SAM2, "checkin_skip", message=world.prompt(SAM2))
    world.at(NEW_YORK_9 + timedelta(days=2))  # Wednesday: nothing pending for Globex's SAM
    world.stack.slack.slash(SAM2, "checkin")
    world.stack.settle()
    adhoc = world.modal(SAM2)
    assert "Globex" in text_of(adhoc["blocks"])
    world.submit(SAM2, adhoc, GOOD)
    [confirmation] = [m["text"] for m in world.dms(SAM2) if "Recorded" in str(m.get("text"))]
    assert "Recorded your check-in for *Globex*" in confirmation
    rows = world.query(select(CheckIn).join(Person).where(Person.slack_user_id == SAM2))
    wednesday = [row for row in rows if str(row.period_start) == "2026-11-25"]
    assert [row.state for row in wednesday] == [CheckInState.ANSWERED]  # ad hoc, answered


def test_sponsor_log_records_an_advocacy_action(delivered: World) -> None:
    world = delivered
    [reply] = world.slash(SPN1, "log acme corp Got the security review prioritised")
    assert reply == (
        "Logged an advocacy action for *Acme Corp*: Got the security review prioritised"
    )
    [action] = world.query(select(AdvocacyAction))
    assert (action.text, action.answer_id, action.logged_at) == (
        "Got the security review prioritised",
        None,
        NEW_YORK_9,
    )
    [refusal] = world.slash(SAM2, "log Acme Corp I did things")
    assert refusal.startswith("No account named 'Acme'.")  # only their own names are known
    assert len(world.query(select(AdvocacyAction))) == 1


def test_pause_skips_those_weeks_and_resume_from_home_brings_the_next(
    make_world: WorldFactory,
) -> None:
    world = make_world()
    world.tick(SUNDAY)
    [bad] = world.slash(SAM1, "pause next week")
    assert bad.startswith("'next week' is not a date")
    [reply] = world.slash(SAM1, "pause 2026-12-14")
    assert reply.startswith("Check-ins paused until Mon 14 Dec")
    world.tick(NEW_YORK_9)
    world.tick(NEW_YORK_9 + timedelta(days=7))
    assert world.prompts(SAM1) == [] and len(world.prompts(SPN1)) == 2
    world.at(NEW_YORK_9 + timedelta(days=8))
    home = world.open_home(SAM1)
    assert "paused until Mon 14 Dec" in text_of(home["blocks"])
    assert ("checkin_resume", "resume") in buttons(home["blocks"])
    world.click(SAM1, "checkin_resume", view=home)
    home = dict(world.emulator.home(SAM1))
    assert "paused" not in text_of(home["blocks"])
    assert world.query(select(Person.paused_until).where(Person.slack_user_id == SAM1)) == [None]
    monday = NEW_YORK_9 + timedelta(days=14)
    world.tick(monday - MINUTE)
    assert world.prompts(SAM1) == []  # nothing missed is caught up
    world.tick(monday)
    [message] = world.prompts(SAM1)
    [checkin_id] = checkin_ids(message)
    assert str(world.checkin(checkin_id).period_start) == "2026-12-07"
    world.slash(SAM1, "pause 2026-12-28")
    assert world.slash(SAM1, "resume") == [
        "Check-ins resumed: the next ones arrive on their usual schedule."
    ]


# --- App Home ---------------------------------------------------------------------------


def test_app_home_answers_pending_check_ins_and_lists_my_accounts(delivered: World) -> None:
    world = delivered
    world.at(NEW_YORK_9 + timedelta(hours=2))
    home = world.open_home(SAM1)
    [checkin_id] = checkin_ids(world.prompt(SAM1))
    assert ("checkin_answer", str(checkin_id)) in buttons(home["blocks"])
    assert "Waiting for your answer* (1)" in text_of(home["blocks"])
    assert "not answered yet" in text_of(home["blocks"])
    world.click(SAM1, "checkin_answer", view=home)
    world.submit(SAM1, world.modal(SAM1), GOOD)
    home = dict(world.emulator.home(SAM1))  # republished after the answer
    assert ("checkin_answer", str(checkin_id)) not in buttons(home["blocks"])
    assert "No check-in is waiting for you" in text_of(home["blocks"])
    assert "last answered" in text_of(home["blocks"]) and "Acme Corp" in text_of(home["blocks"])
    assert "Recorded" in text_of(world.prompt(SAM1)["blocks"])  # the DM too


def test_skip_from_home_updates_home_and_the_dm(delivered: World) -> None:
    world = delivered
    home = world.open_home(SPN1)
    world.click(SPN1, "checkin_skip", view=home)
    assert "No check-in is waiting" in text_of(dict(world.emulator.home(SPN1))["blocks"])
    assert "Skipped this one" in text_of(world.prompt(SPN1)["blocks"])


# --- privacy ----------------------------------------------------------------------------


def test_someone_elses_check_in_is_refused_and_logged(
    delivered: World, caplog: pytest.LogCaptureFixture
) -> None:
    world = delivered
    [checkin_id] = checkin_ids(world.prompt(SAM1))
    with caplog.at_level(logging.WARNING, logger="engagement.access"):
        world.click(SAM2, "checkin_answer", message=world.prompt(SAM1))  # a forged click
        assert world.emulator.open_views(SAM2) == []
        [reply] = world.emulator.responses(SAM2)
        assert reply.body["text"] == "Only the person it was sent to can answer this check-in."
        world.click(SAM1, "checkin_answer", message=world.prompt(SAM1))
        stolen = world.modal(SAM1)
        world.submit(SAM2, stolen, GOOD)  # a forged submission of SAM1's modal
        world.click(SAM2, "checkin_skip", message=world.prompt(SAM1))
    assert world.answers() == []
    assert world.checkin(checkin_id).state == CheckInState.SENT
    assert any(
        "Only the person it was sent to" in str(m.get("text")) for m in world.dms(SAM2)
    )  # the refused submission is told in a DM (a modal has nowhere else to answer)
    refusals = [r for r in caplog.records if "access.refused" in r.getMessage()]
    assert len(refusals) == 3
    assert all(f"user={SAM2}" in r.getMessage() and f"ref={checkin_id}" in r.getMessage()
               for r in refusals)  # fmt: skip


# --- Slack failing during the fan-out ------------------------------------------------------


def crowd(accounts: int) -> dict[str, Any]:
    """A portfolio of `accounts` accounts in New York, each with its own SAM and sponsor."""
    return portfolio(
        accounts=[
            {"name": f"Account {n:03d}", "sam": f"U0SAM{n:04d}X", "sponsors": [f"U0SPN{n:04d}X"]}
            for n in range(accounts)
        ]
    )


def people(document: dict[str, Any]) -> list[str]:
    return [u for a in document["accounts"] for u in (a["sam"], *a["sponsors"])]


def delivered_posts(world: World) -> dict[str, int]:
    """How many check-in DMs Slack accepted for each user."""
    counts: dict[str, int] = {}
    for call in world.emulator.calls("chat.postMessage"):
        if call.ok and str(call.args.get("text", "")).startswith("Sponsor check-in"):
            user = str(call.args["channel"])
            counts[user] = counts.get(user, 0) + 1
    return counts


def test_a_429_storm_and_500s_still_deliver_each_dm_once(make_world: WorldFactory) -> None:
    document = crowd(8)
    world = make_world(document)
    world.tick(SUNDAY)
    world.emulator.faults.add("chat.postMessage", 429, ratio=0.3, seed=11)
    world.emulator.faults.add("chat.postMessage", 500, ratio=0.15, seed=12)
    at = NEW_YORK_9
    for _ in range(6):  # retries the engine scheduled (30 s, 1 min, …) get their turn
        world.tick(at)
        at += timedelta(minutes=5)
    refused = [c for c in world.emulator.calls("chat.postMessage") if not c.ok]
    assert len(refused) >= 5  # the storm really happened
    assert delivered_posts(world) == {user: 1 for user in people(document)}
    assert all(len(world.prompts(user)) == 1 for user in people(document))


# --- a scheduler killed in the middle of the fan-out ---------------------------------------


def _tick_process(world: World, at: datetime) -> subprocess.Popen[str]:
    environment = {
        **os.environ,
        "DATABASE_URL": world.url,
        "SLACK_BOT_TOKEN": world.emulator.bot_token,
        "SLACK_API_URL": world.emulator.api_url,
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "sherpa.cli", "tick", "--at", at.isoformat()],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_tick_killed_mid_fan_out_loses_nothing_and_resends_at_most_what_was_in_flight(
    make_world: WorldFactory,
) -> None:
    document = crowd(30)
    world = make_world(document)
    world.emulator.rate_limits.set("chat.postMessage", 5, 1.0)  # a slow fan-out to kill
    process = _tick_process(world, NEW_YORK_9)
    posted = 0
    assert process.stderr is not None
    for line in process.stderr:  # the process logs each call; no sleeping, no polling
        if "slack.call method=chat.postMessage" in line and "ok=true" in line:
            posted += 1
            if posted == 12:
                os.kill(process.pid, signal.SIGKILL)
                break
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    with world.stack.runtime.sessions() as session:
        committed = session.scalar(
            select(func.count()).select_from(CheckIn).where(CheckIn.state == CheckInState.SENT)
        )
        claimed = session.scalar(
            select(func.count()).select_from(DueWork).where(DueWork.state == WorkState.CLAIMED)
        )
    accepted = sum(delivered_posts(world).values())
    in_flight = accepted - int(committed or 0)  # Slack has them; the database does not
    # The killed process still holds its claims for the 5-minute lease, measured on the
    # real clock. The restart must take them over, and it would after five real minutes;
    # the process is known dead here, so its leases are ended now instead of waiting.
    with db.transaction(world.stack.runtime.sessions) as session:
        session.execute(
            update(DueWork)
            .where(DueWork.state == WorkState.CLAIMED)
            .values(lease_until=utcnow() - timedelta(seconds=1))
        )
    world.emulator.rate_limits.clear()
    again = _tick_process(world, NEW_YORK_9)
    _, errors = again.communicate(timeout=120)
    assert again.returncode == 0, errors
    counts = delivered_posts(world)
    duplicates = sum(n - 1 for n in counts.values())
    print(
        f"\nkill test: {accepted} DMs accepted before SIGKILL, {committed} committed, "
        f"{in_flight} in flight, {claimed} rows still claimed; after restart "
        f"{sum(counts.values())} DMs for {len(people(document))} people, {duplicates} duplicated"
    )
    assert set(counts) == set(people(document))  # nothing lost
    assert duplicates <= in_flight
    with world.stack.runtime.sessions() as session:
        states = session.scalars(
            select(CheckIn.state).where(CheckIn.due_at <= NEW_YORK_9).distinct()
        ).all()
    assert list(states) == [CheckInState.SENT]


# --- Slack down for an hour ---------------------------------------------------------------

WEDNESDAY_9 = datetime(2026, 11, 25, 14, tzinfo=UTC)  # 09:00 in New York: Monday's nudges


def outage_portfolio() -> dict[str, Any]:
    """SAM1 and SPN1 are on two accounts: Monday's check-in is nudged on Wednesday at 09:00,
    Initech's is due that day at 09:40. Globex (09:20) has people of its own."""
    on = {"cadence": "weekly", "weekday": "wed"}
    return portfolio(accounts=[
        {"name": "Acme Corp", "sam": SAM1, "sponsors": [SPN1]},
        {"name": "Globex", "sam": SAM2, "sponsors": [SPN2], "checkins": {**on, "time": "09:20"}},
        {"name": "Initech", "sam": SAM1, "sponsors": [SPN1], "checkins": {**on, "time": "09:40"}},
    ])  # fmt: skip


@pytest.fixture(params=["sqlite", "postgresql"])
def outage_world(request: pytest.FixtureRequest, make_world: WorldFactory) -> Iterator[World]:
    """The outage portfolio's world; on PostgreSQL due work runs four at a time."""
    document = outage_portfolio()
    if request.param == "sqlite":
        yield make_world(document)
        return
    from tests.conftest import fresh_postgres_url

    url = fresh_postgres_url(request.getfixturevalue("postgres"))
    engine = db.make_engine(url)
    with db.session_factory(engine)() as session:
        load_portfolio(session, document, now=LOADED)
    engine.dispose()
    clock = MovableClock(LOADED)
    with running_stack(url, workspace_for(document), clock=clock) as stack:
        yield World(stack, clock, url)


def test_after_an_hour_of_slack_down_each_person_gets_everything_in_order_once(
    outage_world: World,
) -> None:
    world = outage_world
    for handler in world.stack.runtime.notifier.client.retry_handlers:
        # the client's own quick retries of a 5xx would sleep for real: here they do not
        handler.interval_calculator = FixedValueRetryIntervalCalculator(0.0)
    world.tick(SUNDAY)
    world.tick(NEW_YORK_9)  # Monday's DMs, while Slack is up
    down, up = WEDNESDAY_9 - 5 * MINUTE, WEDNESDAY_9 + 55 * MINUTE
    at = down
    world.emulator.faults.outage = True
    while at < up:  # the scheduler's minute ticks go on; every Web API call fails
        world.tick(at)
        at += MINUTE
    world.emulator.faults.outage = False
    while at <= up + 75 * MINUTE:  # back-off reaches 32 min: the last retries come late
        world.tick(at)
        at += MINUTE
    calls = world.emulator.calls("chat.postMessage")
    refused = [c for c in calls if not c.ok]
    arrived: dict[str, list[str]] = {}
    for call in calls:
        if call.ok and str(call.args["channel"]).startswith("U"):  # DMs (not the digest)
            if str(call.args["text"]).startswith("Hello from Sherpa"):
                continue  # the introductions, on Sunday (test_local_time)
            arrived.setdefault(str(call.args["channel"]), []).append(str(call.args["text"]))
    monday, nudge = "Sponsor check-in: Acme Corp", "Reminder: check-in open for Acme Corp"
    assert arrived == {
        SAM1: [monday, nudge, "Sponsor check-in: Initech"],
        SPN1: [monday, nudge, "Sponsor check-in: Initech"],
        SAM2: ["Sponsor check-in: Globex"],
        SPN2: ["Sponsor check-in: Globex"],
    }
    attempts = world.query(
        select(DueWork.attempts).where(
            DueWork.kind == "checkin.nudge", DueWork.state == WorkState.DONE
        )
    )
    print(f"\nhour of outage: {len(refused)} posts refused; nudges failed {attempts} times")
    assert len(attempts) == 2 and all(5 <= n <= 8 for n in attempts)  # with back-off between
