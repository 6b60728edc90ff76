"""Answering: one answer per submission, revisions on edit, privacy, validation, commands."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from engagement import db
from engagement.checkins.advocacy import log_advocacy, read_note
from engagement.checkins.answers import (
    checkin_form,
    open_or_create_adhoc,
    record_answer,
    refuse_unless_own,
)
from engagement.checkins.form import AnswerForm
from engagement.checkins.home import home
from engagement.checkins.messages import ItemStatus
from engagement.checkins.pausing import pause
from engagement.errors import Conflict, FormInvalid, Invalid, NotAllowed, NotFound
from engagement.models import AdvocacyAction, Answer, CheckIn, CheckInState, DueWork, Phase, Role
from tests.engagement.test_checkin_delivery import ACME_DUE, SAM1, T0, run, the_checkin
from tests.factories import actor, load_portfolio, portfolio
from tests.fakes import FakeNotifier

SPONSOR1 = "U0SPN0001"
FORM: dict[str, Any] = {
    "stakeholder_engagement": "4",
    "strategic_alignment": "3",
    "internal_advocacy": "5",
    "regular_checkins": "4",
    "role_balance": "2",
    "role_direction": "took_over",
    "alignment_meeting_held": "yes",
    "stakeholders_met": "3",
    "advocacy": "Secured two solution architects for the pilot.",
    "note": "",
}
AT = ACME_DUE + timedelta(hours=1)


@pytest.fixture
def sent(sessions: sessionmaker[Session]) -> tuple[sessionmaker[Session], int]:
    """Acme's check-ins delivered; the ID of the SAM's."""
    with sessions() as session:
        load_portfolio(session, now=T0 - timedelta(days=30))
    run(sessions, FakeNotifier(), ACME_DUE)
    return sessions, the_checkin(sessions).id


def answer(
    sessions: sessionmaker[Session], checkin_id: int, form: dict[str, Any], key: str | None
) -> Any:
    with sessions() as session:
        result = record_answer(
            session,
            actor=actor(session, SAM1),
            checkin_id=checkin_id,
            form=form,
            now=AT,
            request_key=key,
        )
        session.commit()
    return result


def answers(sessions: sessionmaker[Session]) -> list[Answer]:
    with sessions() as session:
        return list(session.scalars(select(Answer).order_by(Answer.revision)))


def test_a_double_submit_or_retry_keeps_one_answer(
    sent: tuple[sessionmaker[Session], int],
) -> None:
    sessions, checkin_id = sent
    first = answer(sessions, checkin_id, FORM, "V1")
    assert (first.revision, first.duplicate) == (1, False)
    again = answer(sessions, checkin_id, FORM, "V1")  # the same modal submitted twice
    assert (again.revision, again.duplicate) == (1, True)
    assert first.dm is not None and again.dm == first.dm  # re-applying it repairs a lost update
    other = answer(sessions, checkin_id, FORM, "V2")  # same content from another surface
    assert other.duplicate
    assert len(answers(sessions)) == 1
    assert the_checkin(sessions).state == CheckInState.ANSWERED


def test_an_edit_adds_a_revision_and_the_latest_counts(
    sent: tuple[sessionmaker[Session], int],
) -> None:
    sessions, checkin_id = sent
    first = answer(sessions, checkin_id, FORM, "V1")
    assert first.dm is not None
    (item,) = first.dm.message.items
    assert item.status is ItemStatus.ANSWERED and item.answer.revision == 1
    edited = {**FORM, "role_balance": "4", "advocacy": "Unblocked the security review."}
    second = answer(sessions, checkin_id, edited, "V3")
    assert (second.revision, second.duplicate) == (2, False)
    assert second.dm is not None and second.dm.where == first.dm.where
    assert second.dm.message.items[0].answer.revision == 2
    late_retry = answer(sessions, checkin_id, FORM, "V1")  # the first modal's retry
    assert late_retry.duplicate and late_retry.revision == 2
    rows = answers(sessions)
    assert [(row.revision, row.role_balance) for row in rows] == [(1, 2), (2, 4)]
    with sessions() as session:
        form = checkin_form(session, actor=actor(session, SAM1), checkin_id=checkin_id)
        actions = session.scalars(select(AdvocacyAction.text)).all()
    assert form.revision == 2 and form.latest is not None and form.latest.role_balance == 4
    assert actions == ["Unblocked the security review."]  # one action per check-in


def test_only_the_recipient_can_answer(
    sent: tuple[sessionmaker[Session], int], caplog: pytest.LogCaptureFixture
) -> None:
    sessions, checkin_id = sent
    caplog.set_level(logging.WARNING)
    with sessions() as session:
        for intruder in (actor(session, SPONSOR1), actor(session, "U0ADMIN01", admin=True)):
            with pytest.raises(NotAllowed, match="Only the person it was sent to"):
                record_answer(session, actor=intruder, checkin_id=checkin_id, form=FORM, now=AT)
            with pytest.raises(NotAllowed):
                checkin_form(session, actor=intruder, checkin_id=checkin_id)
    assert answers(sessions) == []
    refusals = [r for r in caplog.records if "access.refused" in r.getMessage()]
    assert len(refusals) == 4 and f"ref={checkin_id}" in refusals[0].getMessage()


def test_a_click_is_refused_by_one_read_as_own_checkin_refuses_it(
    sent: tuple[sessionmaker[Session], int], engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """The check before the write lock says what `own_checkin` says, for every clicker."""
    sessions, checkin_id = sent
    admins = {"U0ADMIN01"}
    caplog.set_level(logging.WARNING)
    with db.read_only(engine).connect() as connection:
        refuse_unless_own(connection, SAM1, admins, checkin_id)  # the recipient: no refusal
        for user_id in (SPONSOR1, "U0ADMIN01", "U0NOBODY1"):
            with pytest.raises(NotAllowed, match="Only the person it was sent to"):
                refuse_unless_own(connection, user_id, admins, checkin_id)
        with pytest.raises(NotFound, match="no longer exists"):
            refuse_unless_own(connection, SAM1, admins, checkin_id + 1000)
    refusals = [r.getMessage() for r in caplog.records if "access.refused" in r.getMessage()]
    assert len(refusals) == 3 and all(f"ref={checkin_id}" in line for line in refusals)
    assert "user=U0SPN0001" in refusals[0] and "person=None" in refusals[2]
    with sessions() as session:
        assert session.get(CheckIn, checkin_id) is not None  # nothing written or changed
    assert answers(sessions) == []


def test_invalid_input_comes_back_by_field_and_writes_nothing(
    sent: tuple[sessionmaker[Session], int],
) -> None:
    sessions, checkin_id = sent
    bad = {
        **FORM,
        "stakeholder_engagement": None,
        "regular_checkins": "9",
        "role_direction": "sideways",
        "stakeholders_met": "a few",
        "note": "x" * 3001,
    }
    with sessions() as session, pytest.raises(FormInvalid) as caught:
        record_answer(session, actor=actor(session, SAM1), checkin_id=checkin_id, form=bad, now=AT)
    assert caught.value.field_errors == {
        "stakeholder_engagement": "Pick a rating from 1 to 5.",
        "regular_checkins": "Pick a rating from 1 to 5.",
        "role_direction": "Pick one: stepped back, balanced or took over.",
        "stakeholders_met": "Enter a whole number from 0 to 1,000.",
        "note": "Keep it to 3,000 characters (this has 3,001).",
    }
    assert isinstance(caught.value, Invalid)
    assert answers(sessions) == []
    assert the_checkin(sessions).state == CheckInState.SENT


def test_form_edges() -> None:
    parsed = AnswerForm.parse({**FORM, "stakeholders_met": "", "alignment_meeting_held": "no"})
    assert parsed.stakeholders_met == 0 and parsed.alignment_meeting_held is False
    with pytest.raises(FormInvalid) as caught:
        AnswerForm.parse({**FORM, "stakeholders_met": "1001", "alignment_meeting_held": None})
    assert set(caught.value.field_errors) == {"stakeholders_met", "alignment_meeting_held"}


def test_an_expired_check_in_cannot_be_answered(
    sent: tuple[sessionmaker[Session], int],
) -> None:
    sessions, checkin_id = sent
    run(sessions, FakeNotifier(), ACME_DUE + timedelta(days=7))
    with pytest.raises(Conflict, match="expired"):
        answer(sessions, checkin_id, FORM, "V1")


def test_sponsor_checkin_opens_the_pending_one_or_an_adhoc_one(
    sent: tuple[sessionmaker[Session], int],
) -> None:
    sessions, checkin_id = sent
    with sessions() as session:
        sam = actor(session, SAM1)
        assert open_or_create_adhoc(session, actor=sam, account=None, now=AT).checkin_id == (
            checkin_id
        )
        assert open_or_create_adhoc(session, actor=sam, account="acme corp", now=AT).checkin_id == (
            checkin_id
        )
        wednesday = ACME_DUE + timedelta(days=2)
        record_answer(session, actor=sam, checkin_id=checkin_id, form=FORM, now=wednesday)
        adhoc = open_or_create_adhoc(session, actor=sam, account="Acme Corp", now=wednesday)
        again = open_or_create_adhoc(session, actor=sam, account="Acme Corp", now=wednesday)
        session.commit()
        row = session.get_one(CheckIn, adhoc.checkin_id)
        expiry = session.scalars(
            select(DueWork.due_at).where(DueWork.key == f"checkin.expire:{adhoc.checkin_id}")
        ).one()
        with pytest.raises(NotFound, match=r"^None of your accounts is named 'Acme Corp'\.$"):
            open_or_create_adhoc(
                session, actor=actor(session, "U0SAM0002"), account="Acme Corp", now=AT
            )
        with pytest.raises(NotFound, match="Did you mean 'Acme Corp'"):
            open_or_create_adhoc(session, actor=sam, account="Acme Crop", now=AT)
    assert adhoc.checkin_id != checkin_id and again.checkin_id == adhoc.checkin_id
    assert (row.period_start, row.state, row.role) == (date(2026, 11, 25), "sent", Role.SAM)
    assert expiry == datetime(2026, 12, 2, 14, tzinfo=UTC)
    assert adhoc.role == Role.SAM and adhoc.sponsor_names == ("U0SPN0001",)


def test_sponsor_checkin_without_account_asks_which_when_several(
    sessions: sessionmaker[Session],
) -> None:
    document = portfolio()
    document["accounts"][1]["sam"] = SAM1
    with sessions() as session:
        load_portfolio(session, document, now=T0)
        with pytest.raises(Invalid, match="yours: Acme Corp, Globex"):
            open_or_create_adhoc(session, actor=actor(session, SAM1), account=None, now=T0)


def test_log_advocacy(sent: tuple[sessionmaker[Session], int]) -> None:
    sessions, _ = sent
    with sessions() as session:
        logged = log_advocacy(
            session,
            actor=actor(session, SPONSOR1),
            account="ACME corp",
            text=read_note("  Got legal to sign the DPA.  "),
            now=AT,
        )
        with pytest.raises(NotFound, match=r"^None of your accounts is named 'Acme Corp'\.$"):
            log_advocacy(
                session,
                actor=actor(session, "U0SPN0002"),
                account="Acme Corp",
                text=read_note("x"),
                now=AT,
            )
        with pytest.raises(Invalid, match=r"^Say what the sponsor did\.$"):
            read_note(" ")
        with pytest.raises(Invalid, match=r"^The note is 3,001 characters; the limit is 3,000\.$"):
            read_note("x" * 3001)
        session.commit()
        rows = session.scalars(select(AdvocacyAction.text)).all()
    assert (logged.account_name, logged.text) == ("Acme Corp", "Got legal to sign the DPA.")
    assert rows == ["Got legal to sign the DPA."]


def test_app_home_shows_pending_accounts_and_pause(
    sent: tuple[sessionmaker[Session], int],
) -> None:
    sessions, checkin_id = sent
    with sessions() as session:
        before = home(session, actor=actor(session, SAM1), now=AT)
    assert [item.checkin_id for item in before.pending] == [checkin_id]
    assert [(a.name, a.roles, a.last_answered) for a in before.accounts] == [
        ("Acme Corp", (Role.SAM,), None)
    ]
    answer(sessions, checkin_id, FORM, "V1")
    with sessions() as session:
        pause(session, actor=actor(session, SAM1), until=date(2026, 12, 28), now=AT)
        session.commit()
        after = home(session, actor=actor(session, SAM1), now=AT)
        stranger = home(session, actor=actor(session, "U0NOBODY1"), now=AT)
        count = session.scalar(select(func.count()).select_from(CheckIn))
    assert after.pending == () and after.accounts[0].last_answered == AT
    assert after.paused_until == date(2026, 12, 28)
    assert not stranger.known and stranger.pending == () and count


def test_the_sponsor_answers_the_phase_question_and_a_sam_cannot(
    sent: tuple[sessionmaker[Session], int],
) -> None:
    """Seed 002: the sponsor's form asks their account phase's question and the answer is
    kept with that phase; a SAM is not asked, and a yes in a SAM's payload is dropped."""
    sessions, sam_checkin = sent
    sponsor_checkin = the_checkin(sessions, SPONSOR1).id
    with sessions() as session:
        sponsor = actor(session, SPONSOR1)
        assert checkin_form(session, actor=sponsor, checkin_id=sponsor_checkin).phase == (
            Phase.STEADY_STATE  # the portfolio's default
        )
        sam = actor(session, SAM1)
        assert checkin_form(session, actor=sam, checkin_id=sam_checkin).phase is None
        record_answer(session, actor=sponsor, checkin_id=sponsor_checkin,
                      form={**FORM, "phase_check": "no"}, now=AT)  # fmt: skip
        record_answer(session, actor=sam, checkin_id=sam_checkin,
                      form={**FORM, "phase_check": "yes"}, now=AT)  # fmt: skip
        session.commit()
    rows = {row.checkin_id: row for row in answers(sessions)}
    assert (rows[sponsor_checkin].phase, rows[sponsor_checkin].phase_check) == (
        "steady-state", False,
    )  # fmt: skip
    assert (rows[sam_checkin].phase, rows[sam_checkin].phase_check) == (None, None)
    with sessions() as session, pytest.raises(FormInvalid) as caught:
        record_answer(session, actor=actor(session, SPONSOR1), checkin_id=sponsor_checkin,
                      form={**FORM, "phase_check": "perhaps"}, now=AT)  # fmt: skip
    assert caught.value.field_errors == {"phase_check": "Answer yes or no."}
