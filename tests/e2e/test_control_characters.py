"""Control characters in free text, end to end on SQLite and PostgreSQL: a command answers
one line naming the field, a modal shows the problem beside the field, nothing is written.

PostgreSQL cannot store a NUL in a text column, so before these were refused the same
input that SQLite kept crashed there ("Something went wrong", a 500 for a modal).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from engagement.models import (
    AdvocacyAction,
    Answer,
    Escalation,
    EscalationEvent,
    EscalationState,
    KpiActual,
)
from sherpa_demo.stack import Stack
from tests.factories import GOOD_ANSWER

SAM = "U0SAM0001"  # SAM of Acme Corp
SPONSOR = "U0SPN0001"  # sponsor of Acme Corp


def count(stack: Stack, model: type[Any]) -> int:
    with stack.runtime.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def slash(stack: Stack, user: str, text: str) -> list[str]:
    """Run `/sponsor <text>`; every reply the person got from it."""
    before = len(stack.emulator.responses(user))
    result = stack.slack.slash(user, text)
    stack.settle()
    assert result.status == 200
    return [str(post.body.get("text", "")) for post in stack.emulator.responses(user)[before:]]


def raise_one(stack: Stack) -> int:
    [line] = slash(stack, SAM, "escalate Acme Corp high Renewal blocked")
    assert line.startswith("Logged ESC-1")
    return 1


def nothing_stored(stack: Stack) -> tuple[int, ...]:
    return tuple(
        count(stack, model) for model in (Escalation, EscalationEvent, AdvocacyAction, KpiActual)
    )


@pytest.mark.parametrize(
    ("user", "text", "line"),
    [
        (SAM, "escalate Acme Corp high Renewal\x00blocked", "The summary contains"),
        (SAM, "escalate Acme Corp critical Bell\x07 rung", "The summary contains"),
        (SPONSOR, "log Acme Corp Intro\x00duced their CTO", "The note contains"),
        (SAM, "log Acme Corp Escape \x1b[31m red", "The note contains"),
        (SAM, "kpi Acme Corp joint_revenue_growth 5\x00", "The value contains"),
        (SAM, "kpi Acme Corp joint_\x00revenue_growth 5", "The KPI key contains"),
        (SAM, 'status "Acme\x00 Corp"', "The account name contains"),
        (SAM, "escalations Ac\x7fme", "The account name contains"),
        (SAM, "ack ESC-1\x00", "The escalation ID contains"),
    ],
)  # fmt: skip
def test_a_command_with_a_control_character_answers_one_line_and_writes_nothing(
    live: Stack, user: str, text: str, line: str
) -> None:
    said = slash(live, user, text)
    assert said == [f"{line} a control character; remove it and try again."]
    assert nothing_stored(live) == (0, 0, 0, 0)


def test_a_resolution_note_with_a_nul_leaves_the_escalation_open(live: Stack) -> None:
    raise_one(live)
    said = slash(live, SPONSOR, "resolve ESC-1 Legal\x00 signed")
    assert said == ["The note contains a control character; remove it and try again."]
    [row] = live_escalations(live)
    assert (row.state, row.resolution) == (EscalationState.OPEN, None)
    assert count(live, EscalationEvent) == 1  # raised, nothing more


def live_escalations(stack: Stack) -> list[Escalation]:
    with stack.runtime.sessions() as session:
        rows = list(session.scalars(select(Escalation).order_by(Escalation.id)))
        session.expunge_all()
        return rows


def open_escalation_modal(stack: Stack) -> dict[str, Any]:
    stack.slack.slash(SAM, "escalate")
    stack.settle()
    [view] = stack.emulator.open_views(SAM)
    return dict(view)


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ("escalation_summary", "The summary contains a control character"),
        ("escalation_details", "The details contain a control character"),
        ("escalation_ask", "What you need from the sponsor contains a control character"),
    ],
)
def test_the_escalation_modal_shows_a_control_character_beside_its_field(
    live: Stack, block: str, message: str
) -> None:
    view = open_escalation_modal(live)
    values = {
        "escalation_account": {"escalation_account": "1"},
        "escalation_severity": {"escalation_severity": "high"},
        "escalation_summary": {"escalation_summary": "Renewal blocked"},
        block: {block: "Legal\x00 is stuck"},
    }
    result = live.slack.submit_view(SAM, view, values)
    live.settle()
    assert result.status == 200
    assert result.json == {
        "response_action": "errors",
        "errors": {block: f"{message}; remove it and try again."},
    }
    assert len(live.emulator.open_views(SAM)) == 1  # still open, to be fixed
    assert nothing_stored(live) == (0, 0, 0, 0)
    assert live.emulator.messages(SAM) == []  # no "Something went wrong"


def test_the_resolve_modal_shows_a_control_character_beside_the_note(live: Stack) -> None:
    raise_one(live)
    live.tick(live.runtime.clock())
    [dm] = [m for m in live.emulator.messages(SPONSOR) if "ESC-1" in str(m.get("text", ""))]
    live.slack.block_action(SPONSOR, "escalation_resolve", message=dm)
    live.settle()
    [modal] = live.emulator.open_views(SPONSOR)
    result = live.slack.submit_view(
        SPONSOR, modal, {"escalation_note": {"escalation_note": "Done\x00"}}
    )
    assert result.status == 200
    assert result.json == {
        "response_action": "errors",
        "errors": {
            "escalation_note": "The note contains a control character; remove it and try again."
        },
    }
    [row] = live_escalations(live)
    assert (row.state, row.resolution) == (EscalationState.OPEN, None)
    assert count(live, EscalationEvent) == 1


def open_checkin_modal(stack: Stack, user: str) -> dict[str, Any]:
    stack.slack.slash(user, "checkin Acme Corp")
    stack.settle()
    [view] = stack.emulator.open_views(user)
    assert view["callback_id"] == "checkin_answer"
    return dict(view)


def submit_checkin(stack: Stack, user: str, view: dict[str, Any], answer: dict[str, str]) -> Any:
    result = stack.slack.submit_view(
        user, view, {block: {"value": value} for block, value in answer.items()}
    )
    stack.settle()
    return result


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("advocacy", "Introduced\x00 their CTO",
         "The advocacy actions contain a control character; remove it and try again."),
        ("note", "All good\x0b", "The note contains a control character; remove it and try again."),
        ("stakeholders_met", "3\x00", "Enter a whole number from 0 to 1,000."),
    ],
)  # fmt: skip
def test_the_checkin_modal_shows_a_control_character_beside_its_field(
    live: Stack, field: str, value: str, message: str
) -> None:
    view = open_checkin_modal(live, SPONSOR)
    result = submit_checkin(live, SPONSOR, view, {**GOOD_ANSWER, field: value})
    assert result.status == 200
    assert result.json == {"response_action": "errors", "errors": {field: message}}
    assert len(live.emulator.open_views(SPONSOR)) == 1
    assert (count(live, Answer), count(live, AdvocacyAction)) == (0, 0)
    assert live.emulator.messages(SPONSOR) == []


def test_windows_line_ends_are_kept_as_plain_new_lines(live: Stack) -> None:
    """A carriage return (a paste from Windows) is harmless: it becomes a new line."""
    [line] = slash(live, SAM, "escalate Acme Corp low Renewal blocked\r\nLegal is slow")
    assert line.startswith("Logged ESC-1")
    view = open_checkin_modal(live, SPONSOR)
    answer = {**GOOD_ANSWER, "advocacy": "Called their CFO.\r\nUnblocked legal.\rDone."}
    assert submit_checkin(live, SPONSOR, view, answer).json in (None, {})
    [row] = live_escalations(live)
    assert row.summary == "Renewal blocked\nLegal is slow"
    with live.runtime.sessions() as session:
        [answer_row] = session.scalars(select(Answer)).all()
        assert answer_row.advocacy == "Called their CFO.\nUnblocked legal.\nDone."
