"""Logging escalations and moving them along: validation, authorization, events, idempotence."""

from __future__ import annotations

import logging
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.views.escalations.replies import changed_line, raised_line
from engagement.errors import Conflict, Invalid, NotAllowed, NotFound
from engagement.escalations import service
from engagement.escalations.cards import EventKind
from engagement.escalations.codes import parse_code
from engagement.escalations.rules import EscalationInput, InvalidFields, read_note
from engagement.models import DueWork, Escalation, EscalationEvent, EscalationState, Person
from tests.factories import ADMIN, NOW, actor, load_portfolio, portfolio

SAM, SPONSOR = "U0SAM0001", "U0SPN0001"  # Acme Corp
OTHER_SAM = "U0SAM0002"  # Globex


@pytest.fixture
def db(session: Session) -> Session:
    load_portfolio(session)
    return session


FIELDS = ("severity", "summary", "details", "ask", "due_by", "permalink")
"""What a person fills in: read as the modal and the grammar read it."""


def raise_one(session: Session, user: str = SAM, **overrides: object) -> service.Raised:
    arguments: dict[str, object] = {
        "account_name": "Acme Corp",
        "severity": "high",
        "summary": "Renewal blocked by legal review",
    }
    arguments.update(overrides)
    fields = {name: arguments.pop(name) for name in FIELDS if name in arguments}
    result = service.raise_escalation(
        session,
        actor=actor(session, user, admin=user == ADMIN),
        now=NOW,
        fields=EscalationInput.read(fields, today=NOW.date()),
        **arguments,  # type: ignore[arg-type]
    )
    session.commit()
    return result


def count(session: Session, model: type[object]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0  # type: ignore[arg-type]


def events(session: Session, escalation_id: int) -> list[tuple[str, int | None, str]]:
    rows = session.execute(
        select(EscalationEvent.kind, Person.slack_user_id, EscalationEvent.note)
        .outerjoin(Person, Person.id == EscalationEvent.person_id)
        .where(EscalationEvent.escalation_id == escalation_id)
        .order_by(EscalationEvent.id)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


def test_a_sam_logs_one_with_deadline_and_ladder(db: Session) -> None:
    result = raise_one(
        db, details="Legal wants a DPA", ask="Call their GC", due_by=date(2026, 12, 1)
    )
    card = result.escalation
    assert result.created and card.code == f"ESC-{card.id}"
    assert (card.state, card.severity, card.account_name) == ("open", "high", "Acme Corp")
    assert card.raised_by.user_id == SAM
    assert [who.user_id for who in card.sponsors] == [SPONSOR]
    assert card.ack_deadline == NOW + timedelta(hours=24)
    assert events(db, card.id) == [("raised", SAM, "")]
    work = dict(db.execute(select(DueWork.key, DueWork.due_at)).all())
    assert work == {
        f"escalation.announce:{card.id}": NOW,
        f"escalation.realert:{card.id}": NOW + timedelta(hours=24),
        f"escalation.path:{card.id}": NOW + timedelta(hours=48),
    }
    told = f"Logged {card.code} (high) for Acme Corp: the sponsors are being told."
    assert raised_line(result) == told


@pytest.mark.parametrize(
    ("severity", "hours"), [("critical", 4), ("high", 24), ("medium", 72), ("low", 168)]
)
def test_ack_deadline_by_severity(db: Session, severity: str, hours: int) -> None:
    card = raise_one(db, severity=severity.upper()).escalation
    assert card.ack_deadline - card.created_at == timedelta(hours=hours)


def test_ack_deadlines_come_from_the_portfolio_file(session: Session) -> None:
    load_portfolio(session, portfolio(ack_deadline_hours={"low": 12, "critical": 1}))
    assert raise_one(session, severity="low").escalation.ack_deadline == NOW + timedelta(hours=12)
    assert raise_one(session, severity="critical").escalation.ack_deadline == NOW + timedelta(
        hours=1
    )
    assert raise_one(session, severity="medium").escalation.ack_deadline == NOW + timedelta(
        hours=72
    )


def test_an_admin_outside_the_portfolio_may_log_one(db: Session) -> None:
    card = raise_one(db, user=ADMIN, account_name="globex").escalation
    assert card.account_name == "Globex" and card.raised_by.user_id == ADMIN
    assert db.scalars(select(Person.display_name).where(Person.slack_user_id == ADMIN)).one()


def test_only_the_sam_or_an_admin_logs_one(db: Session, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING), pytest.raises(NotAllowed) as refused:
        raise_one(db, user=SPONSOR)  # a member: told which role it takes
    assert str(refused.value) == "Only the SAM of Acme Corp (or an admin) can do that."
    assert count(db, Escalation) == 0 and count(db, DueWork) == 0
    assert f"escalation.refused action=raise account=1 user={SPONSOR}" in caplog.text


@pytest.mark.parametrize("user", [OTHER_SAM, "U0STRANGER"])
def test_outsiders_hear_what_they_would_if_the_account_did_not_exist(
    db: Session, user: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING), pytest.raises(InvalidFields) as existing:
        raise_one(db, user=user, account_name="Acme Corp")
    with pytest.raises(InvalidFields) as missing:
        raise_one(db, user=user, account_name="Nowhere Inc")
    assert str(existing.value) == "None of your accounts is named 'Acme Corp'."
    assert str(existing.value) == str(missing.value).replace("Nowhere Inc", "Acme Corp")
    assert existing.value.errors == {"account": str(existing.value)}
    with pytest.raises(InvalidFields) as by_id:  # the modal's select, forged
        raise_one(db, user=user, account_name=None, account_id=1)
    with pytest.raises(InvalidFields) as gone:
        raise_one(db, user=user, account_name=None, account_id=999)
    assert (
        by_id.value.errors
        == gone.value.errors
        == {"account": "That account no longer exists, or is not one of yours."}
    )
    assert count(db, Escalation) == 0 and count(db, DueWork) == 0
    assert f"access.refused user={user}" in caplog.text  # the log says what they are not told


SEVERITY_NEEDED = "Give a severity: low, medium, high or critical."
BAD_INPUT = [
    ({"severity": None}, "severity", SEVERITY_NEEDED),
    ({"severity": ""}, "severity", SEVERITY_NEEDED),
    (
        {"severity": "urgent"},
        "severity",
        "'urgent' is not a severity: use low, medium, high or critical.",
    ),
    ({"summary": "   "}, "summary", "Say what the escalation is about."),
    (
        {"account_name": "Acme Crop"},
        "account",
        "None of your accounts is named 'Acme Crop'. Did you mean 'Acme Corp'?",
    ),
    (
        {"account_name": ""},
        "account",
        "Say which account this is for.",
    ),
    ({"due_by": date(2026, 11, 22)}, "due_by", "The due date 2026-11-22 is in the past."),
    (
        {"permalink": "javascript:x"},
        "permalink",
        "The source message link is not a Slack permalink.",
    ),
    (
        {"details": "d" * 3001},
        "details",
        "The details are 3,001 characters; the limit is 3,000.",
    ),
]


@pytest.mark.parametrize(("overrides", "field", "message"), BAD_INPUT)
def test_bad_input_is_refused_with_one_line_and_writes_nothing(
    db: Session, overrides: dict[str, object], field: str, message: str
) -> None:
    with pytest.raises(InvalidFields) as refused:
        raise_one(db, **overrides)
    assert str(refused.value) == message
    assert refused.value.errors[field] == message
    assert count(db, Escalation) == 0 and count(db, DueWork) == 0


def test_summary_over_3000_characters_is_refused_naming_the_limit(db: Session) -> None:
    with pytest.raises(Invalid, match=r"^The summary is 3,001 characters; the limit is 3,000\.$"):
        raise_one(db, summary="x" * 3001)
    assert count(db, Escalation) == 0
    assert len(raise_one(db, summary="y" * 3000).escalation.summary) == 3000


def test_several_problems_are_reported_field_by_field(db: Session) -> None:
    with pytest.raises(InvalidFields) as refused:
        raise_one(db, severity="meh", summary="", ask="a" * 3001)
    assert set(refused.value.errors) == {"severity", "summary", "ask"}


SHELL_AND_SQL = [
    "'; DROP TABLE escalations; --",
    'Robert"); DELETE FROM people WHERE 1=1; --',
    "$(rm -rf /) && `whoami` | sh > /dev/null 2>&1 ; echo %s %(x)s {0} \\n",
    "<!channel> <@U0SPN0001> *bold* & <https://evil.example|click>",
]


@pytest.mark.parametrize("payload", SHELL_AND_SQL)
def test_shell_or_sql_looking_text_is_stored_verbatim(
    db: Session, sessions: sessionmaker[Session], payload: str
) -> None:
    card = raise_one(db, summary=payload, details=payload, ask=payload).escalation
    with sessions() as fresh:
        row = fresh.execute(
            text("SELECT summary, details, ask FROM escalations WHERE id = :id"), {"id": card.id}
        ).one()
        assert tuple(row) == (payload, payload, payload)
        assert count(fresh, Person) == 6  # nothing deleted, the tables are all there


def test_acknowledge_resolve_and_their_events(db: Session) -> None:
    card = raise_one(db).escalation
    sponsor = actor(db, SPONSOR)
    later = NOW + timedelta(hours=2)
    done = service.acknowledge(db, actor=sponsor, escalation_id=card.id, now=later)
    assert (done.changed, changed_line(done)) == (True, f"You acknowledged {card.code}.")
    assert done.escalation.acknowledged_by and done.escalation.acknowledged_by.user_id == SPONSOR
    assert done.escalation.acknowledged_at == later
    resolved = service.resolve(
        db, actor=sponsor, escalation_id=card.id, note="Spoke to their GC; DPA signed",
        now=later + timedelta(days=1),
    )  # fmt: skip
    db.commit()
    assert resolved.changed and resolved.escalation.state is EscalationState.RESOLVED
    assert resolved.escalation.resolution == "Spoke to their GC; DPA signed"
    assert events(db, card.id) == [
        ("raised", SAM, ""),
        ("acknowledged", SPONSOR, ""),
        ("resolved", SPONSOR, "Spoke to their GC; DPA signed"),
    ]
    refreshes = db.scalars(select(DueWork.key).where(DueWork.kind == "escalation.refresh")).all()
    assert len(refreshes) == 2


def test_a_button_pressed_twice_changes_nothing_the_second_time(db: Session) -> None:
    card = raise_one(db).escalation
    sponsor = actor(db, SPONSOR)
    service.acknowledge(db, actor=sponsor, escalation_id=card.id, now=NOW)
    again = service.acknowledge(db, actor=sponsor, escalation_id=card.id, now=NOW + timedelta(1))
    assert not again.changed
    assert changed_line(again) == f"{card.code} was already acknowledged by <@{SPONSOR}>."
    assert again.escalation.acknowledged_at == NOW
    service.resolve(db, actor=sponsor, escalation_id=card.id, note="done", now=NOW)
    twice = service.resolve(db, actor=sponsor, escalation_id=card.id, note="", now=NOW)
    assert (twice.changed, changed_line(twice)) == (
        False,
        f"{card.code} was already resolved by <@{SPONSOR}>.",
    )
    late_ack = service.acknowledge(db, actor=sponsor, escalation_id=card.id, now=NOW)
    assert not late_ack.changed and "already resolved" in changed_line(late_ack)
    db.commit()
    assert [kind for kind, _, _ in events(db, card.id)] == ["raised", "acknowledged", "resolved"]


def test_resolving_needs_a_note() -> None:
    with pytest.raises(InvalidFields) as refused:
        read_note("  ", required=True)
    assert refused.value.errors == {"note": "A resolution note is required: say what was done."}
    assert read_note("  ", required=False) == ""


def test_resolving_an_open_one_counts_as_acknowledging_it(db: Session) -> None:
    card = raise_one(db).escalation
    later = NOW + timedelta(hours=5)
    done = service.resolve(
        db, actor=actor(db, ADMIN, admin=True), escalation_id=card.id, note="ok", now=later
    )
    assert done.escalation.acknowledged_at == later and done.escalation.resolved_by
    assert done.escalation.resolved_by.user_id == ADMIN


def test_only_a_sponsor_or_admin_acknowledges_or_resolves(
    db: Session, caplog: pytest.LogCaptureFixture
) -> None:
    card = raise_one(db).escalation
    who = actor(db, SAM)  # a member: told which role it takes
    with caplog.at_level(logging.WARNING):
        with pytest.raises(NotAllowed) as ack:
            service.acknowledge(db, actor=who, escalation_id=card.id, now=NOW)
        with pytest.raises(NotAllowed) as resolve:
            service.resolve(db, actor=who, escalation_id=card.id, note="forged", now=NOW)
    assert (
        str(ack.value)
        == str(resolve.value)
        == ("Only a sponsor of Acme Corp (or an admin) can do that.")
    )
    assert caplog.text.count("escalation.refused") == 2
    db.rollback()
    assert db.get_one(Escalation, card.id).state == EscalationState.OPEN
    assert [kind for kind, _, _ in events(db, card.id)] == ["raised"]


@pytest.mark.parametrize("user", [OTHER_SAM, "U0STRANGER"])
def test_outsiders_hear_what_they_would_if_the_escalation_did_not_exist(
    db: Session, user: str, caplog: pytest.LogCaptureFixture
) -> None:
    card = raise_one(db).escalation
    who = actor(db, user)
    said: dict[str, tuple[str, str]] = {}
    with caplog.at_level(logging.WARNING):
        for name, change in {
            "acknowledge": lambda escalation_id: service.acknowledge(
                db, actor=who, escalation_id=escalation_id, now=NOW
            ),
            "resolve": lambda escalation_id: service.resolve(
                db, actor=who, escalation_id=escalation_id, note="forged", now=NOW
            ),
            "cancel": lambda escalation_id: service.cancel(
                db, actor=who, escalation_id=escalation_id, now=NOW
            ),
        }.items():
            with pytest.raises(NotFound) as existing:
                change(card.id)
            with pytest.raises(NotFound) as missing:
                change(999)
            said[name] = (str(existing.value), str(missing.value).replace("ESC-999", card.code))
    line = f"There is no escalation {card.code} in your accounts."
    assert said == {name: (line, line) for name in ("acknowledge", "resolve", "cancel")}
    assert caplog.text.count("escalation.refused action=") == 3  # the log knows
    db.rollback()
    assert db.get_one(Escalation, card.id).state == EscalationState.OPEN


def test_cancel_only_by_whoever_raised_it_or_an_admin(db: Session) -> None:
    card = raise_one(db).escalation
    with pytest.raises(NotAllowed, match=f"Only whoever raised {card.code}"):
        service.cancel(db, actor=actor(db, SPONSOR), escalation_id=card.id, now=NOW)
    done = service.cancel(db, actor=actor(db, SAM), escalation_id=card.id, now=NOW)
    assert done.changed and done.escalation.state is EscalationState.CANCELLED
    again = service.cancel(db, actor=actor(db, SAM), escalation_id=card.id, now=NOW)
    assert (again.changed, changed_line(again)) == (
        False, f"{card.code} was cancelled by <@{SAM}>; there is nothing to cancel."
    )  # fmt: skip
    ack = service.acknowledge(db, actor=actor(db, SPONSOR), escalation_id=card.id, now=NOW)
    assert not ack.changed and changed_line(ack).endswith("there is nothing to acknowledge.")
    other = raise_one(db).escalation
    assert service.cancel(
        db, actor=actor(db, ADMIN, admin=True), escalation_id=other.id, now=NOW
    ).changed


def test_unknown_escalation(db: Session) -> None:
    with pytest.raises(NotFound, match=r"^There is no escalation ESC-999 in your accounts\.$"):
        service.acknowledge(db, actor=actor(db, SPONSOR), escalation_id=999, now=NOW)
    with pytest.raises(NotFound, match=r"^There is no escalation ESC-999\.$"):  # admins see all
        service.acknowledge(db, actor=actor(db, ADMIN, admin=True), escalation_id=999, now=NOW)


def test_a_retried_request_creates_nothing_twice(db: Session) -> None:
    first = raise_one(db, request_key="view:V123")
    again = raise_one(db, request_key="view:V123", summary="something else")
    assert first.created and not again.created
    assert again.escalation.id == first.escalation.id
    assert again.escalation.summary == "Renewal blocked by legal review"
    assert (
        raised_line(again)
        == f"{first.escalation.code} was already logged for this request; nothing new was created."
    )
    assert count(db, Escalation) == 1 and count(db, DueWork) == 3
    with pytest.raises(Conflict):
        raise_one(db, user="U0SAM0002", account_name="Globex", request_key="view:V123")


def test_two_racing_acknowledgements_record_one(
    db: Session, sessions: sessionmaker[Session]
) -> None:
    if db.get_bind().dialect.name == "sqlite":
        pytest.skip("SQLite runs one writer at a time: the presses cannot interleave there")
    card = raise_one(db).escalation
    with sessions() as first, sessions() as second:
        first.get_one(Escalation, card.id)  # both loaded it while still open
        second.get_one(Escalation, card.id)
        a = service.acknowledge(first, actor=actor(first, SPONSOR), escalation_id=card.id, now=NOW)
        first.commit()
        b = service.acknowledge(
            second, actor=actor(second, SPONSOR), escalation_id=card.id, now=NOW
        )
        second.commit()
    assert (a.changed, b.changed) == (True, False)
    assert [kind for kind, _, _ in events(db, card.id)] == ["raised", "acknowledged"]


@pytest.mark.parametrize(
    ("typed", "number"), [("ESC-42", 42), ("esc-7", 7), ("ESC42", 42), (" #ESC-3 ", 3), ("12", 12)]
)
def test_parse_code(typed: str, number: int) -> None:
    assert parse_code(typed) == number


@pytest.mark.parametrize("typed", ["", "ESC-", "ESC-0", "ESC-4x", "ABC-1", "ESC-1 ESC-2"])
def test_parse_code_refuses_with_an_example(typed: str) -> None:
    with pytest.raises(Invalid, match="like ESC-42"):
        parse_code(typed)


def test_events_name_what_happened(db: Session) -> None:
    assert {kind.value for kind in EventKind} >= {"raised", "acknowledged", "resolved", "cancelled"}


def test_a_request_retried_while_the_first_is_still_running_creates_one(
    db: Session, sessions: sessionmaker[Session]
) -> None:
    if db.get_bind().dialect.name == "sqlite":
        pytest.skip("SQLite runs one writer at a time: the requests cannot overlap there")
    outcome: list[service.Raised] = []

    def retry() -> None:
        with sessions() as second:
            outcome.append(
                service.raise_escalation(
                    second,
                    actor=actor(second, SAM),
                    account_name="Acme Corp",
                    fields=EscalationInput.read({"severity": "low", "summary": "retried"}),
                    now=NOW,
                    request_key="view:V9",
                )
            )
            second.commit()

    with sessions() as first:
        original = service.raise_escalation(
            first,
            actor=actor(first, SAM),
            account_name="Acme Corp",
            fields=EscalationInput.read({"severity": "low", "summary": "original"}),
            now=NOW,
            request_key="view:V9",
        )
        thread = threading.Thread(target=retry)
        thread.start()
        thread.join(timeout=1)
        assert thread.is_alive()  # waiting on the first request's row
        first.commit()
    thread.join(timeout=30)
    assert not outcome[0].created and outcome[0].escalation.id == original.escalation.id
    assert db.scalars(select(Escalation.summary)).all() == ["original"]
    assert count(db, DueWork) == 3
