"""Sponsor rotation (seed 001): an import that swaps a sponsor is a rotation too; the
brief goes out in the incoming sponsor's Slack time zone; the note reaches the brief
however the two are ordered; refusals write nothing; `sherpa forget` takes the note."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.root import wire
from engagement.checkins.planner import plan_checkins
from engagement.db import transaction
from engagement.duework.engine import Engine
from engagement.errors import Conflict, FormInvalid, Invalid, NotAllowed
from engagement.forget import forget_person
from engagement.models import CheckIn, DueWork, Person, Role, SponsorRotation, Sponsorship
from engagement.notify import Profile
from engagement.portfolio.importer import import_portfolio
from engagement.portfolio.loader import parse_portfolio
from engagement.rotation.brief import HandoverBrief, HandoverNoteRequest, build_brief
from engagement.rotation.service import add_handover_note, rotate_from_slack
from tests.factories import NOW, actor, add_checkin, load_portfolio, person_id, portfolio
from tests.fakes import FakeNotifier

OUTGOING, INCOMING, SAM = "U0SPN0001", "U0SPN0009", "U0SAM0001"  # Acme Corp, New York
ADMIN = "U0ADMIN01"


def swapped() -> str:
    document = portfolio()
    document["accounts"][0]["sponsors"] = [INCOMING]
    return yaml.safe_dump(document)


def kinds(session: Session) -> list[str]:
    return sorted(session.scalars(select(DueWork.kind).where(DueWork.kind.like("rotation.%"))))


def test_an_import_that_swaps_a_sponsor_is_a_rotation_and_a_dry_run_queues_nothing(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        load_portfolio(session)
    later = NOW + timedelta(days=30)
    with sessions() as session:  # a dry run: rolled back
        plan = import_portfolio(session, parse_portfolio(swapped()), now=later)
        assert plan.accounts[0].details == [
            f"sponsor {OUTGOING} ended",
            f"sponsor {INCOMING} started",
        ]
        session.rollback()
        assert session.scalar(select(func.count()).select_from(SponsorRotation)) == 0
        assert kinds(session) == []
    with transaction(sessions) as session:
        import_portfolio(session, parse_portfolio(swapped()), now=later)
    with sessions() as session:
        rotation = session.scalars(select(SponsorRotation)).one()
        assert (rotation.outgoing_id, rotation.incoming_id, rotation.rotated_by) == (
            person_id(session, OUTGOING), person_id(session, INCOMING), "import",
        )  # fmt: skip
        assert kinds(session) == ["rotation.ask_note", "rotation.brief"]
        periods = session.execute(
            select(Sponsorship.person_id, Sponsorship.started_at, Sponsorship.ended_at)
            .where(Sponsorship.account_id == rotation.account_id, Sponsorship.role == "sponsor")
            .order_by(Sponsorship.id)
        ).all()
    assert [(started, ended) for _, started, ended in periods] == [(NOW, later), (later, None)]


def slack_rotation(session: Session, **overrides: object) -> SponsorRotation:
    values: dict[str, object] = {
        "actor": actor(session, ADMIN, admin=True),
        "account_id": session.scalars(select(Sponsorship.account_id)).first(),
        "outgoing_id": person_id(session, OUTGOING),
        "incoming_user": INCOMING,
        "at": NOW + timedelta(days=1),
    }
    values.update(overrides)
    return rotate_from_slack(session, **values)[0]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "refusal"),
    [
        ({"incoming_user": None}, "Choose the incoming sponsor."),
        ({"incoming_user": OUTGOING}, "They are a sponsor of Acme Corp already."),
        ({"outgoing_id": None}, "Choose the outgoing sponsor."),
        ({"outgoing_id": "sam"}, "They are not a sponsor of Acme Corp now."),
    ],
)
def test_a_rotation_that_makes_no_sense_is_refused_beside_its_field_and_writes_nothing(
    session: Session, overrides: dict[str, object], refusal: str
) -> None:
    load_portfolio(session)
    if overrides.get("outgoing_id") == "sam":
        overrides["outgoing_id"] = person_id(session, SAM)
    with pytest.raises(FormInvalid) as raised:
        slack_rotation(session, **overrides)
    assert str(raised.value) == refusal
    session.rollback()
    assert session.scalar(select(func.count()).select_from(SponsorRotation)) == 0


def test_only_an_admin_may_rotate(session: Session) -> None:
    load_portfolio(session)
    with pytest.raises(NotAllowed, match=r"Only an admin can rotate a sponsor\."):
        slack_rotation(session, actor=actor(session, SAM))
    assert session.scalar(select(func.count()).select_from(SponsorRotation)) == 0
    assert session.scalar(select(func.count()).select_from(Person).where(
        Person.slack_user_id == INCOMING)) == 0  # fmt: skip


def engine(sessions: sessionmaker[Session], notifier: FakeNotifier) -> Engine:
    return Engine(sessions, wire().due_work, notifier)


def test_the_brief_uses_the_incoming_sponsors_slack_zone_and_the_note_updates_it(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        load_portfolio(session)
        rotation_id = slack_rotation(session).id  # someone Sherpa did not know
        session.commit()
    notifier = FakeNotifier(profiles={INCOMING: Profile(INCOMING, "Priya", "Asia/Kolkata")})
    at = NOW + timedelta(days=1)  # Tuesday 24 November, 12:00 UTC
    engine(sessions, notifier).run_due(at)
    [(to, brief)] = notifier.messages_of(HandoverBrief)
    assert isinstance(brief, HandoverBrief) and to == INCOMING
    assert (brief.timezone, brief.incoming.name, brief.note) == ("Asia/Kolkata", "Priya", "")
    assert brief.next_checkin is not None  # Monday 09:00 in Kolkata, not in New York
    local = brief.next_checkin.astimezone(ZoneInfo("Asia/Kolkata"))
    assert (local.date().isoformat(), local.hour) == ("2026-11-30", 9)
    [(asked_of, request)] = notifier.messages_of(HandoverNoteRequest)
    assert asked_of == OUTGOING and isinstance(request, HandoverNoteRequest)

    with transaction(sessions) as session:
        with pytest.raises(NotAllowed):  # only the outgoing sponsor writes it
            add_handover_note(session, actor=actor(session, SAM), rotation_id=rotation_id,
                              text="Hello", at=at)  # fmt: skip
        with pytest.raises(Invalid, match="control character"):
            add_handover_note(session, actor=actor(session, OUTGOING), rotation_id=rotation_id,
                              text="Bell\x07", at=at)  # fmt: skip
        add_handover_note(session, actor=actor(session, OUTGOING), rotation_id=rotation_id,
                          text="Call Ana first.\r\nShe decides.", at=at)  # fmt: skip
    with transaction(sessions) as session, pytest.raises(Conflict):
        add_handover_note(session, actor=actor(session, OUTGOING), rotation_id=rotation_id,
                          text="Again", at=at)  # fmt: skip
    engine(sessions, notifier).run_due(at + timedelta(minutes=1))
    [(where, updated)] = notifier.updates
    assert where.channel == INCOMING and isinstance(updated, HandoverBrief)
    assert updated.note == "Call Ana first.\nShe decides."

    with transaction(sessions) as session:
        forgotten = forget_person(session, user=OUTGOING, now=at + timedelta(days=1))
    assert forgotten.handover_notes == 1
    with sessions() as session:
        assert session.get_one(SponsorRotation, rotation_id).note == ""


def test_a_note_written_before_the_brief_goes_out_is_in_it(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        load_portfolio(session)
        rotation_id = slack_rotation(session).id
        add_handover_note(session, actor=actor(session, OUTGOING), rotation_id=rotation_id,
                          text="Call Ana first.", at=NOW + timedelta(days=1))  # fmt: skip
        session.commit()
    notifier = FakeNotifier()
    engine(sessions, notifier).run_due(NOW + timedelta(days=1, minutes=1))
    [(_, brief)] = notifier.messages_of(HandoverBrief)
    assert isinstance(brief, HandoverBrief) and brief.note == "Call Ana first."
    assert notifier.messages_of(HandoverNoteRequest) == []  # written already: not asked
    assert len(notifier.updates) == 1  # the brief brought up to date: the same content


def test_check_ins_planned_for_the_outgoing_sponsor_are_not_sent(session: Session) -> None:
    load_portfolio(session)
    plan_checkins(session, now=NOW)
    planned = select(func.count()).where(CheckIn.person_id == person_id(session, OUTGOING))
    sam_planned = select(func.count()).where(CheckIn.person_id == person_id(session, SAM))
    before = (session.scalar(planned), session.scalar(sam_planned))
    slack_rotation(session, at=NOW + timedelta(hours=1))
    assert before[0] == before[1] == 2  # today's 09:00 in New York and next Monday's
    assert (session.scalar(planned), session.scalar(sam_planned)) == (0, 2)


def test_the_brief_counts_answered_of_the_check_ins_settled(session: Session) -> None:
    """One still open (the incoming sponsor's first, sent as the brief goes out) or skipped
    was not missed: answered of answered or expired, as the response rate counts."""
    load_portfolio(session)
    rotation = slack_rotation(session)
    name = rotation.account.name
    sponsor = {"account": name, "user": OUTGOING, "role": "sponsor"}
    add_checkin(session, **sponsor, period=date(2026, 11, 2), state="skipped")
    add_checkin(session, **sponsor, period=date(2026, 11, 9), state="expired")
    add_checkin(session, **sponsor, period=date(2026, 11, 16), answers=[(4, 4, 4, 4, 4)])
    add_checkin(session, account=name, user=INCOMING, role="sponsor",
                period=date(2026, 11, 23), state="sent")  # fmt: skip
    brief = build_brief(session, rotation, NOW + timedelta(days=1))
    [side] = [side for side in brief.sides if side.role == Role.SPONSOR]
    assert (side.answered, side.settled) == (1, 2)
