"""Streaming exports for analysis: rows are read in batches, never all at once."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from engagement.models import Account, Answer, CheckIn, Person

RESPONSE_COLUMNS = (
    "account", "person", "role", "iso_week", "period_start", "revision", "submitted_at",
    "stakeholder_engagement", "strategic_alignment", "internal_advocacy", "regular_checkins",
    "role_balance", "alignment_meeting_held", "stakeholders_met", "advocacy", "note",
    "phase", "phase_check",
)  # fmt: skip


def response_rows(session: Session, batch: int = 1000) -> Iterator[tuple[object, ...]]:
    """Every answer revision with its account, person, role and ISO week, in id order."""
    recipient = aliased(Person)
    statement = (
        select(
            Account.name,
            recipient.slack_user_id,
            recipient.email,
            CheckIn.role,
            CheckIn.period_start,
            Answer,
        )
        .join(CheckIn, Answer.checkin_id == CheckIn.id)
        .join(Account, CheckIn.account_id == Account.id)
        .join(recipient, CheckIn.person_id == recipient.id)
        .order_by(Answer.id)
        .execution_options(yield_per=batch)
    )
    for name, user_id, email, role, period_start, answer in session.execute(statement):
        year, week, _ = period_start.isocalendar()
        yield (
            name, user_id or email, role, f"{year}-W{week:02d}", period_start.isoformat(),
            answer.revision, answer.submitted_at.isoformat(), answer.stakeholder_engagement,
            answer.strategic_alignment, answer.internal_advocacy, answer.regular_checkins,
            answer.role_balance, answer.alignment_meeting_held, answer.stakeholders_met,
            answer.advocacy, answer.note, answer.phase, answer.phase_check,
        )  # fmt: skip
        session.expunge(answer)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP's list for CSV injection)."""


def spreadsheet_safe(value: object) -> object:
    """Text a spreadsheet would run as a formula (`=HYPERLINK(...)` in a note) gets a
    leading `'`, which makes it plain text; numbers, even negative ones, stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


def write_responses_csv(session: Session, out: TextIO) -> int:
    """The responses as CSV for a spreadsheet: every text cell is `spreadsheet_safe`."""
    writer = csv.writer(out)
    writer.writerow(RESPONSE_COLUMNS)
    count = 0
    for row in response_rows(session):
        writer.writerow([spreadsheet_safe(cell) for cell in row])
        count += 1
    return count
