"""Sponsor rotation through the signed endpoint and the emulator: an admin rotates from
the account card, the incoming sponsor gets the handover brief, the outgoing sponsor's
note is added to it in place, and a non-admin is refused with nothing written."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from engagement.access import actor_for
from engagement.escalations import service
from engagement.escalations.rules import EscalationInput
from engagement.models import (
    Account,
    Answer,
    CheckIn,
    CheckInState,
    Person,
    Role,
    RoleDirection,
    SponsorRotation,
    Sponsorship,
)
from sherpa_demo.stack import Stack, running_stack
from tests.conftest import fresh_postgres_url, loaded_workspace
from tests.factories import ADMIN

SAM = "U0SAM0001"  # SAM of Acme Corp, whose portfolio time zone is America/New_York
OUTGOING = "U0SPN0001"  # its sponsor
INCOMING = "U0NEW0001"  # in Slack, on no account yet, in India
INCOMING_ZONE = "Asia/Kolkata"


@pytest.fixture(params=["sqlite", "postgresql"])
def live(request: pytest.FixtureRequest) -> Iterator[Stack]:
    """The test portfolio behind the real endpoint, with one more person in Slack."""
    if request.param == "sqlite":
        url = request.getfixturevalue("sqlite_url")
    else:
        url = fresh_postgres_url(request.getfixturevalue("postgres"))
    workspace = loaded_workspace(url)
    workspace["users"].append(
        {"id": INCOMING, "name": "priya", "real_name": "Priya Raman", "tz": INCOMING_ZONE}
    )
    with running_stack(url, workspace, admins=ADMIN) as stack:
        yield stack


def texts(message: dict[str, Any]) -> list[str]:
    found = []
    for block in message["blocks"]:
        text = block.get("text") or (block.get("elements") or [{}])[0]
        found.append(str(text.get("text", "")))
    return found


def seed_history(stack: Stack, now: datetime) -> None:
    """What the incoming sponsor inherits: an open escalation, a risk, both sides' answers
    a week ago, and an advocacy action."""
    assert stack.slack.slash(SAM, "risk Acme Corp 4 4 Their CIO leaves in March").status == 200
    assert stack.slack.slash(OUTGOING, "log Acme Corp Dinner with their CEO").status == 200
    stack.settle()
    with stack.runtime.sessions() as session, session.begin():
        service.raise_escalation(
            session, actor=actor_for(session, SAM, ()), account_name="Acme Corp",
            fields=EscalationInput.read({"severity": "high", "summary": "Renewal stuck"}),
            now=now - timedelta(days=2),
        )  # fmt: skip
        account = session.scalars(select(Account).where(Account.name == "Acme Corp")).one()
        week_ago = now - timedelta(days=7)
        for user, role, rating in ((OUTGOING, Role.SPONSOR, 4), (SAM, Role.SAM, 2)):
            person = session.scalars(select(Person).where(Person.slack_user_id == user)).one()
            checkin = CheckIn(
                account_id=account.id, person_id=person.id, role=role,
                period_start=week_ago.date(), due_at=week_ago, state=CheckInState.ANSWERED,
                sent_at=week_ago, closed_at=week_ago + timedelta(hours=1),
            )  # fmt: skip
            session.add(checkin)
            session.flush()
            session.add(
                Answer(
                    checkin_id=checkin.id, revision=1, stakeholder_engagement=rating,
                    strategic_alignment=rating, internal_advocacy=rating,
                    regular_checkins=rating, role_balance=rating, alignment_meeting_held=True,
                    role_direction=RoleDirection.TOOK_OVER, stakeholders_met=1,
                    submitted_at=week_ago + timedelta(hours=1),
                    submitted_by=person.id,
                )
            )  # fmt: skip


def status_card(stack: Stack, user: str) -> dict[str, Any]:
    assert stack.slack.slash(user, "status Acme Corp").status == 200
    stack.settle()
    return dict(stack.emulator.ephemerals(user)[-1])


def rotate(stack: Stack) -> dict[str, Any]:
    """The admin's *Rotate sponsor* on the card, and the modal it opens."""
    card = status_card(stack, ADMIN)
    [sponsors] = [b for b in card["blocks"] if b.get("block_id", "").startswith("scorecard_spo")]
    assert sponsors["text"]["text"].startswith(f"*Sponsors over time*\n<@{OUTGOING}> since ")
    stack.slack.block_action(ADMIN, "rotation_open", message=card)
    stack.settle()
    [modal] = stack.emulator.open_views(ADMIN)
    return dict(modal)


def next_monday_nine(after: datetime, zone: str) -> datetime:
    local, tz = after.astimezone(ZoneInfo(zone)), ZoneInfo(zone)
    day = local.date()
    while day.weekday() != 0 or datetime.combine(day, time(9), tzinfo=tz) < local:
        day += timedelta(days=1)
    return datetime.combine(day, time(9), tzinfo=tz)


def said_day(value: date) -> str:
    return f"{value:%a} {value.day} {value:%b %Y}"


def test_a_rotation_sends_the_brief_and_the_outgoing_sponsors_note_is_added(
    live: Stack,
) -> None:
    now = datetime.now(UTC)
    seed_history(live, now)
    modal = rotate(live)
    [outgoing] = modal["blocks"][1]["element"]["options"]
    assert outgoing["text"]["text"] == OUTGOING  # the name Sherpa has (Slack's, once looked up)
    done = live.slack.submit_view(ADMIN, modal, {
        "rotation_outgoing": {"rotation_outgoing": outgoing["value"]},
        "rotation_incoming": {"rotation_incoming": INCOMING},
    })  # fmt: skip
    assert done.status == 200 and done.json["response_action"] == "update"
    [shown] = live.emulator.open_views(ADMIN)
    assert shown["blocks"][0]["text"]["text"].startswith(
        f":white_check_mark: <@{INCOMING}> is now a sponsor of Acme Corp in place of <@{OUTGOING}>"
    )
    at = now + timedelta(minutes=1)
    live.tick(at)

    [brief] = [m for m in live.emulator.messages(INCOMING) if "Handover brief" in m["text"]]
    assert brief["text"] == "Handover brief: you are now a sponsor of Acme Corp"
    lines = texts(brief)
    due = next_monday_nine(at, INCOMING_ZONE)
    assert lines[1] == (
        f":wave: You are now an executive sponsor of *Acme Corp*, taking over from "
        f"<@{OUTGOING}> on {said_day(now.date())}. The SAM: <@{SAM}>.\n"
        f"Your next check-in: *{said_day(due.date())} at 09:00* your time ({INCOMING_ZONE})."
    )
    assert lines[2].startswith("Acme Corp — ")  # the scorecard card, as `/sponsor status`
    assert any(line.startswith("*Leading indicators") for line in lines)
    role = "*Role balance:* sponsor took over (1 of last 4 weeks)"  # as on the card
    assert any(role in line for line in lines)
    [trend] = [line for line in lines if "-week trend*" in line]
    assert trend.startswith("*12-week trend* ")
    [escalations] = [line for line in lines if line.startswith("*Open escalations*")]
    assert "Renewal stuck" in escalations and "acknowledged" not in escalations
    [risks] = [line for line in lines if line.startswith("*Open risks")]
    assert "Their CIO leaves in March" in risks and f"owner <@{INCOMING}>" in risks
    [answers] = [line for line in lines if line.startswith("*Check-ins, last 8 weeks*")]
    assert answers == (
        "*Check-ins, last 8 weeks*\n"
        "*Sponsor side*: 1 of 1 check-ins answered · alignment meetings held 1 · "
        "stakeholder engagement 4.0 · strategic alignment 4.0 · internal advocacy 4.0 · "
        "regular check-ins 4.0 · role balance 4.0\n"
        "*SAM side*: 1 of 1 check-ins answered · alignment meetings held 1 · "
        "stakeholder engagement 2.0 · strategic alignment 2.0 · internal advocacy 2.0 · "
        "regular check-ins 2.0 · role balance 2.0"
    )
    [advocacy] = [line for line in lines if line.startswith("*Advocacy highlights*")]
    assert f"• Dinner with their CEO — <@{OUTGOING}>, {said_day(now.date())}" in advocacy
    assert lines[-1] == f"<@{OUTGOING}> has been asked for a handover note: it appears here."

    # The outgoing sponsor writes the note from their DM; a control character is refused.
    [request] = [m for m in live.emulator.messages(OUTGOING) if "handover note" in m["text"]]
    live.slack.block_action(OUTGOING, "rotation_note", message=request)
    live.settle()
    [note_modal] = live.emulator.open_views(OUTGOING)
    bad = live.slack.submit_view(
        OUTGOING, note_modal, {"rotation_note_text": {"rotation_note_text": "Call\x07 Ana"}}
    )
    assert bad.json["errors"] == {
        "rotation_note_text": "The note contains a control character; remove it and try again."
    }
    good = live.slack.submit_view(OUTGOING, note_modal, {
        "rotation_note_text": {"rotation_note_text": "Call Ana <CFO> first & early."},
    })  # fmt: skip
    live.settle()
    assert good.status == 200 and not good.json
    live.tick(at + timedelta(minutes=1))
    [brief] = [m for m in live.emulator.messages(INCOMING) if "Handover brief" in m["text"]]
    assert texts(brief)[-1] == (
        f"*Handover note from <@{OUTGOING}>*\nCall Ana &lt;CFO&gt; first &amp; early."
    )
    [settled] = [m for m in live.emulator.messages(OUTGOING) if m["ts"] == request["ts"]]
    assert settled["text"] == "Your handover note on Acme Corp was added to the brief"
    assert not [b for b in settled["blocks"] if b["type"] == "actions"]

    # The card now lists both sponsors, the latest first, with their periods.
    card = status_card(live, SAM)
    [sponsors] = [b for b in card["blocks"] if b.get("block_id", "").startswith("scorecard_spo")]
    today = said_day(now.date())
    assert sponsors["text"]["text"] == (
        f"*Sponsors over time*\n<@{INCOMING}> since {today}\n"
        f"<@{OUTGOING}> {said_day(date(2026, 11, 23))} – {today}"
    )
    assert "accessory" not in sponsors  # no *Rotate sponsor* for a SAM
    with live.runtime.sessions() as session:
        rotation = session.scalars(select(SponsorRotation)).one()
        assert (rotation.rotated_by, rotation.note) == (ADMIN, "Call Ana <CFO> first & early.")


def current_sponsors(stack: Stack) -> list[str | None]:
    with stack.runtime.sessions() as session:
        return list(
            session.scalars(
                select(Person.slack_user_id)
                .join(Sponsorship, Sponsorship.person_id == Person.id)
                .where(Sponsorship.role == Role.SPONSOR, Sponsorship.ended_at.is_(None))
                .order_by(Person.slack_user_id)
            )
        )


def test_a_non_admin_is_refused_in_one_line_and_nothing_is_written(live: Stack) -> None:
    before = current_sponsors(live)
    modal = rotate(live)  # an admin's modal, replayed by the SAM
    card = dict(live.emulator.ephemerals(ADMIN)[-1])
    live.slack.block_action(SAM, "rotation_open", message=card)
    live.settle()
    [refused] = live.emulator.responses(SAM)
    assert refused.body["text"] == "Only an admin can rotate a sponsor."
    assert live.emulator.open_views(SAM) == []
    outgoing = modal["blocks"][1]["element"]["options"][0]["value"]
    forged = live.slack.submit_view(SAM, modal, {
        "rotation_outgoing": {"rotation_outgoing": outgoing},
        "rotation_incoming": {"rotation_incoming": SAM},
    })  # fmt: skip
    live.settle()
    assert forged.status == 200 and not forged.json
    assert [m["text"] for m in live.emulator.messages(SAM)] == [
        "Only an admin can rotate a sponsor."
    ]
    live.tick(datetime.now(UTC) + timedelta(minutes=1))
    assert current_sponsors(live) == before
    with live.runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(SponsorRotation)) == 0
    assert not [m for m in live.emulator.messages(OUTGOING) if "handover" in m["text"]]
