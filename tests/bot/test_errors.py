"""What the error handler logs: a reference and the error's type, never what people typed."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import StatementError

from bot.errors import user_message
from bot.logs import formatter
from engagement import db
from engagement.models import Answer, Person
from tests.factories import add_checkin, load_portfolio

TYPED = "Their CFO is leaving in March, keep it quiet"


def _note_that_cannot_be_stored(engine: Engine) -> StatementError:
    """A note someone typed, sent with a rating the database refuses."""
    with db.session_factory(engine)() as session:
        load_portfolio(session)
        checkin = add_checkin(
            session, account="Acme Corp", user="U0SAM0001", role="sam", period=date(2026, 11, 16)
        )
        person = session.scalars(select(Person.id).where(Person.slack_user_id == "U0SAM0001"))
        ratings = {"strategic_alignment": 3, "internal_advocacy": 3, "regular_checkins": 3}
        session.add(
            Answer(
                checkin_id=checkin,
                revision=1,
                stakeholder_engagement=9,
                role_balance=3,
                alignment_meeting_held=False,
                note=TYPED,
                submitted_at=datetime(2026, 11, 16, 10, tzinfo=UTC),
                submitted_by=person.one(),
                **ratings,
            )
        )
        with pytest.raises(StatementError) as failed:
            session.flush()
    return failed.value


def test_a_failed_statement_is_logged_without_what_was_typed(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    error = _note_that_cannot_be_stored(engine)
    assert "[SQL parameters hidden due to hide_parameters=True]" in str(error)
    if engine.dialect.name == "postgresql":  # its own message shows the failing row
        assert TYPED in str(error.orig)

    with caplog.at_level(logging.ERROR, logger="bot.errors"):
        said = user_message(error)

    reference = said.split("(reference ")[1].split(")")[0]
    [record] = [record for record in caplog.records if record.name == "bot.errors"]
    line = formatter().format(record)  # as the process writes it
    assert TYPED not in caplog.text and TYPED not in line
    assert f"reference={reference} error=IntegrityError" in line
    assert "INSERT INTO answers" in line  # the statement, without its parameters
    assert "_note_that_cannot_be_stored" in line  # and where it failed


def test_an_error_raised_while_handling_one_is_logged_without_what_was_typed(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    try:
        try:
            raise _note_that_cannot_be_stored(engine)
        except StatementError as failed:
            raise RuntimeError("could not record the answer") from failed
    except RuntimeError as error:
        with caplog.at_level(logging.ERROR, logger="bot.errors"):
            user_message(error)
    [record] = [record for record in caplog.records if record.name == "bot.errors"]
    line = formatter().format(record)
    assert TYPED not in line and TYPED not in caplog.text
    assert "error=RuntimeError cause=" in line
