"""`sherpa forget`: a person's identity and words leave every table; every figure stays."""

from __future__ import annotations

import io
import sqlite3
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from engagement import db
from engagement.backup import export_all
from engagement.checkins.advocacy import log_advocacy
from engagement.checkins.answers import record_answer
from engagement.checkins.planner import plan_checkins
from engagement.checkins.sends import EXPIRE, NUDGE, expire_key, nudge_key
from engagement.db import transaction
from engagement.duework.engine import Engine
from engagement.duework.queue import schedule
from engagement.duework.registry import Registry
from engagement.errors import Invalid, NotFound
from engagement.escalations import alerts as escalation_work
from engagement.escalations import service
from engagement.escalations.rules import EscalationInput, Note
from engagement.forget import WITHDRAWN, Forgotten, forget_person, wipe_freed
from engagement.models import (
    AdvocacyAction,
    Answer,
    ChannelNotice,
    CheckIn,
    CheckInState,
    DueWork,
    EscalationNotice,
    Person,
    Role,
    Sponsorship,
    WorkState,
)
from engagement.notify import Profile
from engagement.people import REFRESH, refresh, refresh_profiles
from engagement.portfolio.importer import import_portfolio
from engagement.portfolio.loader import PortfolioInvalid, parse_portfolio
from engagement.scoring.alerts import raise_alerts
from engagement.scoring.cards import summary
from engagement.scoring.digest import compose
from engagement.scoring.evaluate import score_accounts
from engagement.scoring.indicators import everyone
from engagement.scoring.kpis import record_kpi
from tests.factories import (
    NOW,
    actor,
    add_checkin,
    app_sessions,
    escalation_registry,
    load_portfolio,
    portfolio,
)
from tests.fakes import FakeNotifier

DANA, DANA_MAIL, DANA_DM, DANA_NAME = "U0DANA001", "dana@example.com", "D0DANA001", "Dana Whitfield"
DANA_ZONE = "Europe/London"
SAM, SAM2, SPONSOR2, SPONSOR3 = "U0SAM0001", "U0SAM0002", "U0SPN0002", "U0SPN0003"
START = NOW - timedelta(weeks=5)
WEEKS = [date(2026, 10, 26) + timedelta(weeks=k) for k in range(4)]
THIS_WEEK = date(2026, 11, 23)
IDENTITY = [DANA, DANA_MAIL, DANA_DM, DANA_NAME, DANA_ZONE]


def document() -> dict[str, Any]:
    """Dana, named by address: sole sponsor of Acme, one of two on Globex, SAM of Hanami."""
    doc = portfolio()
    acme, globex, hanami = doc["accounts"]
    acme["sponsors"] = [DANA_MAIL]
    globex["sponsors"] = [SPONSOR2, DANA_MAIL]
    hanami["sam"] = DANA_MAIL
    return doc


def ratings(k: int, shift: int = 0) -> tuple[int, int, int, int, int]:
    return (1 + (k + shift) % 5, 1 + (k + shift + 1) % 5, 4, 1 + (k * 3 + shift) % 5, 3)


def words(session: Session, checkin_id: int, who: str) -> list[str]:
    """Give each revision of a check-in's answer a note and advocacy text, mirrored as the
    check-in flow does (one advocacy action, the latest revision's); returns the texts."""
    checkin = session.get_one(CheckIn, checkin_id)
    answers = session.scalars(select(Answer).where(Answer.checkin_id == checkin_id)).all()
    texts = []
    for answer in answers:
        tag = f"{checkin.account.name} {checkin.period_start} r{answer.revision}"
        answer.note, answer.advocacy = f"{who} note, {tag}", f"{who} advocacy, {tag}"
        texts += [answer.note, answer.advocacy]
    latest = answers[-1]
    session.add(
        AdvocacyAction(
            account_id=checkin.account_id,
            person_id=checkin.person_id,
            text=latest.advocacy,
            logged_at=latest.submitted_at,
            answer_id=latest.id,
        )
    )
    session.flush()
    return texts


def run_escalation_work(sessions: sessionmaker[Session], at: Any) -> FakeNotifier:
    notifier = FakeNotifier()
    Engine(sessions, escalation_registry(), notifier).run_due(at)
    return notifier


def build(sessions: sessionmaker[Session]) -> tuple[list[str], list[str]]:
    """Five weeks of a portfolio in which Dana did a bit of everything.

    Returns the free text Dana wrote and some that others wrote.
    """
    with sessions() as session:
        load_portfolio(session, document(), now=START)
    theirs: list[str] = []
    others: list[str] = []
    with transaction(sessions) as session:
        dana = session.scalars(select(Person).where(Person.email == DANA_MAIL)).one()
        dana.slack_user_id, dana.display_name, dana.timezone = DANA, DANA_NAME, DANA_ZONE
        dana.status_text, dana.status_emoji = "Vacationing in Lisbon", ":palm_tree:"
        theirs.append("Vacationing in Lisbon")
        session.add(  # Dana as an admin, told in a DM that a channel refuses Sherpa
            ChannelNotice(channel="#exec-steering", admin=DANA, message_channel=DANA_DM,
                          message_ts="1.000001", posted_at=START)
        )  # fmt: skip
        session.flush()
        for k, period in enumerate(WEEKS):
            done = {"period": period, "held": k % 2 == 0}
            sam = add_checkin(session, account="Acme Corp", user=SAM, role="sam",
                              answers=[ratings(k)], **done)  # fmt: skip
            others += words(session, sam, "Sam")
            if k < 2:  # then two missed in a row
                revisions = [ratings(k, 1), ratings(k, 2)] if k == 0 else [ratings(k, 1)]
                mine = add_checkin(session, account="Acme Corp", user=DANA, role="sponsor",
                                   answers=revisions, **done)  # fmt: skip
                theirs += words(session, mine, "Dana")
            else:
                add_checkin(session, account="Acme Corp", user=DANA, role="sponsor",
                            period=period, state="expired")  # fmt: skip
            add_checkin(session, account="Globex", user=SPONSOR2, role="sponsor",
                        answers=[ratings(k, 3)], **done)  # fmt: skip
            add_checkin(session, account="Globex", user=SAM2, role="sam",
                        answers=[ratings(k, 4)], **done)  # fmt: skip
            if k > 0:
                mine = add_checkin(session, account="Globex", user=DANA, role="sponsor",
                                   answers=[ratings(k, 2)], **done)  # fmt: skip
                theirs += words(session, mine, "Dana")
            mine = add_checkin(session, account="Hanami Logistics", user=DANA, role="sam",
                               answers=[ratings(k, 1)], **done)  # fmt: skip
            theirs += words(session, mine, "Dana")
            state = ("answered", "expired", "answered", "skipped")[k]
            add_checkin(session, account="Hanami Logistics", user=SPONSOR3, role="sponsor",
                        period=period, state=state,
                        answers=[ratings(k, 2)] if state == "answered" else None)  # fmt: skip
        # this week: the SAM has answered, Dana's Acme check-in waits in her DMs
        sam = add_checkin(session, account="Acme Corp", user=SAM, role="sam",
                          period=THIS_WEEK, answers=[ratings(4)], held=True)  # fmt: skip
        others += words(session, sam, "Sam")
        waiting = add_checkin(session, account="Acme Corp", user=DANA, role="sponsor",
                              period=THIS_WEEK, state="sent")  # fmt: skip
        hanami = add_checkin(session, account="Hanami Logistics", user=DANA, role="sam",
                             period=THIS_WEEK, state="sent")  # fmt: skip
        for checkin_id in (waiting, hanami):
            row = session.get_one(CheckIn, checkin_id)
            row.message_channel, row.message_ts = DANA_DM, f"17000000{checkin_id}.0001"
        for kind, key in ((NUDGE, nudge_key(waiting)), (EXPIRE, expire_key(waiting))):
            schedule(session, kind=kind, key=key, due_at=NOW + timedelta(days=1),
                     payload={"checkin_id": waiting})  # fmt: skip
        answered = record_answer(
            session,
            actor=actor(session, DANA),
            checkin_id=hanami,
            form={**dict(zip(("stakeholder_engagement", "strategic_alignment",
                              "internal_advocacy", "regular_checkins", "role_balance"),
                             ratings(4, 1), strict=True)),
                  "role_direction": "balanced", "alignment_meeting_held": "yes",
                  "advocacy": "Dana got their CTO onto the steering call",
                  "note": "Dana: the account lead is leaving, in confidence"},
            now=NOW - timedelta(hours=1),
        )  # fmt: skip
        assert not answered.duplicate
        theirs += ["Dana got their CTO onto the steering call", "in confidence"]
        logged = log_advocacy(session, actor=actor(session, DANA), account="Globex",
                              text=f"{DANA_NAME} won budget for the pilot",
                              now=NOW - timedelta(days=2))  # fmt: skip
        theirs.append(logged.text)
        plan_checkins(session, now=NOW)  # next week's, for everyone: planned, not sent
        for value, days in (("5", 10), ("1.5", 3)):
            record_kpi(session, actor=actor(session, DANA), account_name="Hanami Logistics",
                       key="joint_revenue_growth", value=value,
                       now=NOW - timedelta(days=days))  # fmt: skip
        record_kpi(session, actor=actor(session, SAM), account_name="Acme Corp",
                   key="joint_revenue_growth", value="6", now=NOW - timedelta(days=3))  # fmt: skip
        acme = service.raise_escalation(
            session,
            actor=actor(session, SAM),
            account_name="Acme Corp",
            fields=EscalationInput.read(
                {
                    "severity": "high",
                    "summary": f"Renewal stuck: <@{DANA}> to call legal",
                    "details": f"Copy {DANA_MAIL} on the thread",
                }
            ),
            now=NOW - timedelta(days=2),
        ).escalation.id
        others.append("Renewal stuck:")
    run_escalation_work(sessions, NOW - timedelta(days=2))  # DM request to Dana
    with transaction(sessions) as session:
        dana = actor(session, DANA)
        ack, resolved = NOW - timedelta(hours=47), NOW - timedelta(hours=30)
        service.acknowledge(session, actor=dana, escalation_id=acme, now=ack)
        service.resolve(session, actor=dana, escalation_id=acme, note=Note("Legal signed off"),
                        now=resolved)  # fmt: skip
        service.raise_escalation(
            session,
            actor=actor(session, DANA),
            account_name="Hanami Logistics",
            fields=EscalationInput.read(
                {"severity": "medium", "summary": "Rollout slipping; customer CIO unhappy"}
            ),
            now=NOW - timedelta(days=1),
        )
    run_escalation_work(sessions, NOW - timedelta(days=1))
    with transaction(sessions) as session:
        globex = service.raise_escalation(
            session,
            actor=actor(session, SAM2),
            account_name="Globex",
            fields=EscalationInput.read(
                {"severity": "critical", "summary": "Pricing approval needed"}
            ),
            now=NOW - timedelta(hours=3),
        ).escalation.id
    run_escalation_work(sessions, NOW - timedelta(hours=3))
    with transaction(sessions) as session:
        person = session.scalars(select(Person.id).where(Person.slack_user_id == DANA)).one()
        remind = escalation_work.REMIND
        schedule(session, kind=remind, key=f"{remind}:{globex}:{person}",
                 due_at=NOW + timedelta(hours=1),
                 payload={"escalation_id": globex, "person_id": person})  # fmt: skip
        failed = DueWork(kind="escalation.request", key="escalation.request:0:0", payload={},
                         due_at=START, state=WorkState.FAILED,
                         last_error=f"channel_not_found ({DANA_DM})")  # fmt: skip
        session.add(failed)
        raise_alerts(session, now=NOW)  # Dana missed two on Acme; Hanami's KPI turned red
    return theirs, others


def dump(session: Session) -> str:
    out = io.StringIO()
    export_all(session, out)
    return out.getvalue()


def figures(session: Session, now: datetime = NOW) -> dict[str, Any]:
    """Every figure the indicators, scorecards, digest and KPIs show (not who is named)."""
    result: dict[str, Any] = {}
    for scores in score_accounts(session, everyone(), now=now):
        timeline = scores.timeline
        result[scores.account.name] = {
            "weeks": {
                week: (f.values, f.sponsor, f.sam, f.gap) for week, f in timeline.weeks.items()
            },
            "unanswered": timeline.unanswered,
            "missed": [(streak.person_id, streak.periods) for streak in timeline.missed],
            "scores": {
                week: (score.actuals, score.statuses, score.score)
                for week, score in scores.weeks.items()
            },
            "summary": summary(scores).model_dump(),
        }
    pages = compose(
        session, channel="#sponsor-digest", scope=everyone(), iso_week="2026-W48", now=now
    )
    result["digest"] = (
        pages.head.model_dump(exclude={"highlights"}),
        [part.model_dump() for part in pages.rest],
        pages.chart.model_dump(),
    )
    return result


def dana_id(session: Session) -> int:
    return session.scalars(select(Person.id).where(Person.email == DANA_MAIL)).one()


def test_their_identity_and_words_leave_every_table(sessions: sessionmaker[Session]) -> None:
    theirs, others = build(sessions)
    with sessions() as session:
        before = dump(session)
    for secret in [*IDENTITY, *theirs, *others]:
        assert secret in before, secret  # the scenario really holds them

    with transaction(sessions) as session:
        result = forget_person(session, user=DANA_MAIL, now=NOW)
    with sessions() as session:
        after = dump(session)
        person = session.get_one(Person, result.person_id)

    for secret in [*IDENTITY, *theirs]:
        assert secret not in after, secret
    for kept in others:
        assert kept in after, kept
    assert result.pseudonym == f"Forgotten person {result.person_id}"
    assert (person.slack_user_id, person.email, person.display_name, person.timezone) == (
        None,
        f"forgotten-{result.person_id}@forgotten.invalid",
        result.pseudonym,
        "UTC",
    )
    assert (person.status_text, person.status_emoji, person.country) == ("", "", None)
    # what others wrote about them is kept, naming the pseudonym
    assert f"Renewal stuck: {result.pseudonym} to call legal" in after
    assert f"Copy {result.pseudonym} on the thread" in after
    # escalations they raised or acted on are the account's record: text kept
    for business in ("Rollout slipping; customer CIO unhappy", "Legal signed off"):
        assert business in after
    assert f'\\"name\\":\\"{result.pseudonym}\\"' in after  # in the alert's facts
    assert (result.answers, result.answer_texts) == (11, 11)  # 10 revisions + this week's
    assert (result.advocacy, result.advocacy_texts) == (11, 11)  # 10 mirrored + 1 logged
    assert result.escalations == 1 and result.mentions >= 4


def test_every_figure_is_the_same_afterwards(sessions: sessionmaker[Session]) -> None:
    build(sessions)
    with sessions() as session:
        before = figures(session)
        highlights = compose(session, channel="#d", scope=everyone(), iso_week="2026-W48",
                             now=NOW).head.highlights  # fmt: skip
    assert before["Acme Corp"]["missed"] and before["Hanami Logistics"]["scores"]
    assert any(item.text == f"{DANA_NAME} won budget for the pilot" for item in highlights)
    with transaction(sessions) as session:
        forget_person(session, user=DANA, now=NOW)
    with sessions() as session:
        assert figures(session) == before
        shown = compose(session, channel="#d", scope=everyone(), iso_week="2026-W48",
                        now=NOW).head.highlights  # fmt: skip
    # their advocacy is still counted, but there is no text left to show
    assert shown and all(item.text for item in shown)
    assert len(shown) == len(highlights) - sum(1 for item in highlights if "Dana" in item.text)


def test_a_dry_run_shows_the_same_counts_and_writes_nothing(
    sessions: sessionmaker[Session],
) -> None:
    build(sessions)
    with sessions() as session:
        before = dump(session)
    with sessions() as session, session.begin():  # as `sherpa forget --dry-run` does
        dry = forget_person(session, user=DANA, now=NOW)
        session.rollback()
    with sessions() as session:
        assert dump(session) == before
    with transaction(sessions) as session:
        real = forget_person(session, user=DANA, now=NOW)
    assert dry == real and real.answers > 0


def test_forgetting_twice_says_so_and_changes_nothing(sessions: sessionmaker[Session]) -> None:
    build(sessions)
    with transaction(sessions) as session:
        first = forget_person(session, user=DANA, now=NOW)
    with sessions() as session:
        before = dump(session)
    with transaction(sessions) as session:
        again = forget_person(session, user=first.reference, now=NOW + timedelta(days=1))
    assert again.already and again.counts() == Forgotten(0, "", "").counts()
    assert again.lines() == [
        f"{first.pseudonym} ({first.reference}) was forgotten already: nothing changed."
    ]
    with pytest.raises(NotFound) as by_old_id, transaction(sessions) as session:
        forget_person(session, user=DANA, now=NOW)
    assert "known only as forgotten-<n>@forgotten.invalid" in str(by_old_id.value)
    with sessions() as session:
        assert dump(session) == before


@pytest.mark.parametrize(
    ("user", "error", "line"),
    [
        ("U0NOBODY1", NotFound, "No person named 'U0NOBODY1'."),
        ("dana@exmaple.com", NotFound, "Did you mean 'dana@example.com'?"),
        ("Dana", Invalid, "'Dana' is not a Slack user ID (like U0123ABCD) or an e-mail address."),
    ],
)
def test_an_unknown_person_is_one_line_and_writes_nothing(
    session: Session, user: str, error: type[Exception], line: str
) -> None:
    load_portfolio(session, document(), now=START)
    before = dump(session)
    with pytest.raises(error) as raised:
        forget_person(session, user=user, now=NOW)
    session.rollback()
    assert line in str(raised.value) and "\n" not in str(raised.value)
    assert dump(session) == before


def test_their_roles_end_and_what_waited_for_them_is_withdrawn(
    sessions: sessionmaker[Session],
) -> None:
    build(sessions)
    with sessions() as session:
        person = dana_id(session)
        open_before = session.scalar(
            select(func.count()).where(
                CheckIn.person_id == person,
                CheckIn.state.in_([CheckInState.DUE, CheckInState.SENT, CheckInState.NUDGED]),
            )
        )
        sam = session.scalars(select(Person.id).where(Person.slack_user_id == SAM)).one()
        others_due = session.scalars(
            select(DueWork.key).where(
                DueWork.state == WorkState.DUE, DueWork.key.like(f"checkin.send:{sam}:%")
            )
        ).all()
        kept = session.scalar(select(func.count()).where(CheckIn.person_id == person))
    assert open_before == 4 and others_due  # this week's Acme one, and next week's three

    with transaction(sessions) as session:
        result = forget_person(session, user=DANA, now=NOW)
    assert [role.line for role in result.roles] == [
        "sponsor of Acme Corp (no sponsor left)",
        "sponsor of Globex (1 other sponsor left)",
        "SAM of Hanami Logistics (no SAM left)",
    ]
    assert [(role.account, role.role) for role in result.unstaffed] == [
        ("Acme Corp", Role.SPONSOR),
        ("Hanami Logistics", Role.SAM),
    ]
    assert (
        "to reassign in the portfolio file: Acme Corp (no sponsor), Hanami Logistics (no SAM)"
        in (result.lines())
    )
    assert result.checkins_withdrawn == open_before
    assert result.checkins_kept == kept - open_before
    with sessions() as session:
        ended = session.scalars(select(Sponsorship).where(Sponsorship.person_id == person)).all()
        assert {row.ended_at for row in ended} == {NOW}
        states = session.scalars(select(CheckIn.state).where(CheckIn.person_id == person)).all()
        assert set(states) <= {CheckInState.ANSWERED, CheckInState.EXPIRED}
        assert not session.scalar(
            select(func.count()).where(
                CheckIn.person_id == person, CheckIn.message_channel.is_not(None)
            )
        )
        assert not session.scalar(
            select(func.count()).where(EscalationNotice.recipient.in_([DANA, result.pseudonym]))
        )
        withdrawn = session.scalars(select(DueWork).where(DueWork.last_error == WITHDRAWN)).all()
        assert len(withdrawn) == result.work_withdrawn
        assert {row.kind for row in withdrawn} == {
            "checkin.send",
            NUDGE,
            EXPIRE,
            escalation_work.REMIND,
            "alerts.post",
        }
        assert all(row.state == WorkState.DONE and row.done_at == NOW for row in withdrawn)
        due = session.scalars(select(DueWork).where(DueWork.state == WorkState.DUE)).all()
        assert not [row for row in due if row.payload.get("person_id") == person]
        assert not [row for row in due if row.key.startswith(f"checkin.send:{person}:")]
        still = {row.key for row in due}
        assert set(others_due) <= still  # everyone else's check-ins go out as planned


def test_nothing_brings_their_identity_back(sessions: sessionmaker[Session]) -> None:
    build(sessions)
    with transaction(sessions) as session:
        result = forget_person(session, user=DANA, now=NOW)
    notifier = FakeNotifier(
        profiles={key: Profile(DANA, DANA_NAME, DANA_ZONE) for key in (DANA, DANA_MAIL)}
    )
    registry = Registry()
    registry.planner("people")(refresh_profiles)
    registry.kind(REFRESH)(refresh)
    Engine(sessions, registry, notifier).run_due(NOW + timedelta(days=8))
    assert notifier.lookups  # the others were refreshed
    assert not [ref for ref in notifier.lookups if result.reference in ref]
    with transaction(sessions) as session:
        person = session.get_one(Person, result.person_id)
        assert (person.slack_user_id, person.display_name) == (None, result.pseudonym)
        assert plan_checkins(session, now=NOW + timedelta(weeks=1)) > 0
        assert not session.scalar(
            select(func.count()).where(
                CheckIn.person_id == result.person_id, CheckIn.state == CheckInState.DUE
            )
        )
        # a file that still names them brings in someone new, with none of their history
        plan = import_portfolio(session, parse_portfolio(yaml.safe_dump(document())), now=NOW)
        assert plan.people_added == 1
        newcomer = session.scalars(select(Person).where(Person.email == DANA_MAIL)).one()
        assert newcomer.id != result.person_id
        assert not session.scalar(select(func.count()).where(Answer.submitted_by == newcomer.id))
    named = document()
    named["accounts"][0]["sponsors"] = [result.reference]
    with pytest.raises(PortfolioInvalid) as refused:
        parse_portfolio(yaml.safe_dump(named))
    assert "a forgotten person's pseudonym" in str(refused.value.problems)


def test_a_wipe_that_found_the_database_busy_is_finished_by_forgetting_again(
    sqlite_url: str,
) -> None:
    """SQLite: a reader on an older snapshot (a long export, a backup) keeps the
    write-ahead log, and the old copies in it, until it ends."""
    path = sqlite_url.removeprefix("sqlite:///")
    engine = db.make_engine(sqlite_url)
    sessions = app_sessions(engine)
    build(sessions)
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    assert reader.execute("SELECT count(*) FROM people WHERE email = ?", (DANA_MAIL,)).fetchone()
    with transaction(sessions) as session:
        result = forget_person(session, user=DANA_MAIL, now=NOW)

    assert not wipe_freed(engine, result.tables, busy_timeout_ms=0)
    with open(f"{path}-wal", "rb") as wal:
        assert DANA_MAIL.encode() in wal.read()

    reader.execute("ROLLBACK")
    reader.close()
    with transaction(sessions) as session:
        again = forget_person(session, user=result.reference, now=NOW)
    assert again.already and set(result.tables) <= set(again.tables)
    assert wipe_freed(engine, again.tables)
    with open(path, "rb") as main, open(f"{path}-wal", "rb") as wal:
        assert DANA_MAIL.encode() not in main.read() + wal.read()
    engine.dispose()
