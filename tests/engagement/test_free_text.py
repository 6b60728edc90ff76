"""Free text: one check refuses control characters in every input, before anything is
written, on SQLite and on PostgreSQL (which cannot store a NUL); line ends are normalised."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engagement.checkins import advocacy
from engagement.checkins.advocacy import log_advocacy
from engagement.checkins.answers import open_or_create_adhoc, record_answer
from engagement.checkins.form import AnswerForm
from engagement.errors import FormInvalid
from engagement.escalations import service
from engagement.escalations.rules import EscalationInput, InvalidFields, UnreadableFields, read_note
from engagement.models import AdvocacyAction, Answer, DueWork, Escalation, EscalationEvent
from engagement.text import ControlCharacter, free_text
from tests.factories import GOOD_ANSWER, NOW, actor, load_portfolio

SAM, SPONSOR = "U0SAM0001", "U0SPN0001"  # Acme Corp
REFUSED = [chr(code) for code in range(0x20) if chr(code) not in "\t\n\r"] + ["\x7f"]


@pytest.mark.parametrize("character", REFUSED, ids=[f"U+{ord(c):04X}" for c in REFUSED])
def test_every_control_character_is_refused_naming_the_field(character: str) -> None:
    with pytest.raises(ControlCharacter) as error:
        free_text(f"Renewal{character}blocked", "The summary")
    assert str(error.value) == (
        "The summary contains a control character; remove it and try again."
    )


def test_a_plural_field_reads_right() -> None:
    with pytest.raises(ControlCharacter, match=r"^The details contain a control character"):
        free_text("\x00", "The details", plural=True)


def test_tabs_new_lines_and_other_scripts_are_text() -> None:
    text = "Col A\tCol B\nZürich — 東京 ✅ \u0085\u00a0\u2028"
    assert free_text(text, "The note") == text


def test_windows_and_old_mac_line_ends_become_new_lines() -> None:
    assert free_text("one\r\ntwo\rthree\n", "The note") == "one\ntwo\nthree\n"


# --- the domain, on both databases: refused before anything is written -----------------


@pytest.fixture
def db(session: Session) -> Session:
    load_portfolio(session)
    return session


def count(session: Session, *models: type[Any]) -> tuple[int, ...]:
    return tuple(
        int(session.scalar(select(func.count()).select_from(model)) or 0) for model in models
    )


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("summary", "The summary contains a control character; remove it and try again."),
        ("details", "The details contain a control character; remove it and try again."),
        ("ask", "What you need from the sponsor contains a control character; remove it and "
                "try again."),
    ],
)  # fmt: skip
def test_an_escalation_with_a_nul_is_refused_beside_its_field(
    db: Session, field: str, message: str
) -> None:
    fields = {"summary": "Renewal blocked", "details": "", "ask": ""}
    fields[field] = "Legal\x00 review"
    with pytest.raises(InvalidFields) as error:
        service.raise_escalation(
            db,
            actor=actor(db, SAM),
            account_name="Acme Corp",
            fields=EscalationInput.read(
                {
                    "severity": "high",
                    "summary": fields["summary"],
                    "details": fields["details"],
                    "ask": fields["ask"],
                }
            ),
            now=NOW,
        )
    assert error.value.errors == {field: message}
    db.commit()
    assert count(db, Escalation, EscalationEvent, DueWork) == (0, 0, 0)


def test_a_resolution_note_with_a_nul_is_refused() -> None:
    """The one check of a note, which the grammar and the Resolve modal both call."""
    with pytest.raises(UnreadableFields) as error:
        read_note("Done\x00", required=True)
    assert error.value.errors == {
        "note": "The note contains a control character; remove it and try again."
    }


def test_an_advocacy_note_with_a_nul_is_refused() -> None:
    with pytest.raises(ControlCharacter, match=r"^The note contains a control character"):
        advocacy.read_note("Met\x00")


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("advocacy", "The advocacy actions contain a control character; remove it and try again."),
        ("note", "The note contains a control character; remove it and try again."),
    ],
)
def test_a_checkin_answer_with_a_nul_is_refused_beside_its_field(
    db: Session, field: str, message: str
) -> None:
    form = open_or_create_adhoc(db, actor=actor(db, SPONSOR), account="Acme Corp", now=NOW)
    db.commit()
    with pytest.raises(FormInvalid) as error:
        record_answer(
            db, actor=actor(db, SPONSOR), checkin_id=form.checkin_id,
            form={**GOOD_ANSWER, field: "All\x00 good"}, now=NOW, request_key="view-1",
        )  # fmt: skip
    assert error.value.field_errors == {field: message}
    db.commit()
    assert count(db, Answer, AdvocacyAction) == (0, 0)


def test_the_answer_form_refuses_a_control_character_before_it_is_trimmed() -> None:
    """A vertical tab at the end would be trimmed as a blank; it is refused all the same."""
    with pytest.raises(FormInvalid) as error:
        AnswerForm.parse({**GOOD_ANSWER, "note": "Fine\x0b"})
    assert error.value.field_errors == {
        "note": "The note contains a control character; remove it and try again."
    }


def test_tabs_new_lines_and_windows_line_ends_are_stored_as_text(db: Session) -> None:
    """What is accepted can be stored on either database, and reads back as typed."""
    raised = service.raise_escalation(
        db,
        actor=actor(db, SAM),
        account_name="Acme Corp",
        fields=EscalationInput.read(
            {
                "severity": "low",
                "summary": "Renewal\tblocked",
                "details": "Legal is slow.\r\nProcurement too.\rCall them.",
            }
        ),
        now=NOW,
    )
    logged = log_advocacy(
        db,
        actor=actor(db, SPONSOR),
        account="Acme Corp",
        text=advocacy.read_note("Met the CFO\r\nand CTO"),
        now=NOW,
    )
    db.commit()
    db.expire_all()
    row = db.get_one(Escalation, raised.escalation.id)
    assert (row.summary, row.details) == (
        "Renewal\tblocked",
        "Legal is slow.\nProcurement too.\nCall them.",
    )
    assert db.get_one(AdvocacyAction, logged.action_id).text == "Met the CFO\nand CTO"
