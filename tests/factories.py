"""Builders of test data, in one place."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import yaml
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.root import wire
from engagement import checkins, db, escalations
from engagement.access import Actor, actor_for
from engagement.duework.registry import Registry
from engagement.portfolio.importer import import_portfolio
from engagement.portfolio.loader import parse_portfolio
from slack_emulator import Bot

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def app_sessions(engine: Engine) -> sessionmaker[Session]:
    """Sessions that schedule due work of every feature's kinds, as the runtime's do."""
    return wire().due_work.bind_sessions(db.session_factory(engine))


def portfolio(**overrides: Any) -> dict[str, Any]:
    """A small valid portfolio document: three accounts in three time zones."""
    document: dict[str, Any] = {
        "timezone": "America/New_York",
        # the tests' Monday 23 November 2026 is a public holiday in Japan: holidays are
        # tested on their own (test_workdays, test_local_time)
        "working_days": False,
        "checkins": {"cadence": "weekly", "weekday": "mon", "time": "09:00"},
        "digest": {"weekday": "fri", "time": "16:00", "channel": "#sponsor-digest"},
        "escalation_path": "#exec-steering",
        "scorecard": [
            {"key": "stakeholder_engagement", "source": "indicator", "target": 4.0,
             "red_below": 3.0, "weight": 25},
            {"key": "joint_revenue_growth", "label": "Joint revenue growth", "unit": "%",
             "source": "manual", "target": 5, "red_below": 4, "weight": 30},
        ],
        "accounts": [
            {"name": "Acme Corp", "sam": "U0SAM0001", "sponsors": ["U0SPN0001"],
             "channel": "#acme-alliance"},
            {"name": "Globex", "sam": "U0SAM0002", "sponsors": ["U0SPN0002"],
             "channel": "#globex-alliance", "timezone": "Europe/Berlin"},
            {"name": "Hanami Logistics", "sam": "U0SAM0003", "sponsors": ["U0SPN0003"],
             "channel": "#hanami-alliance", "timezone": "Asia/Tokyo"},
        ],
    }  # fmt: skip
    document.update(overrides)
    return document


def load_portfolio(
    session: Session, document: dict[str, Any] | None = None, now: datetime = NOW
) -> None:
    """Import a portfolio document into the session's database and commit."""
    spec = parse_portfolio(yaml.safe_dump(document or portfolio()))
    import_portfolio(session, spec, now=now)
    session.commit()


def workspace_for(
    document: dict[str, Any] | None = None, zones: dict[str, str] | None = None
) -> dict[str, Any]:
    """An emulator workspace with every person and channel of a portfolio document.

    Each person lives in the time zone of the first account that names them, unless
    `zones` (user ID -> IANA zone) says otherwise.
    """
    document = document or portfolio()
    users: dict[str, dict[str, Any]] = {}
    channels = {document["digest"]["channel"], document.get("escalation_path") or "#exec"}
    for account in document["accounts"]:
        zone = account.get("timezone", document.get("timezone", "UTC"))
        for ref in [account["sam"], *account["sponsors"]]:
            user_id = ref if "@" not in ref else f"U{_digest(ref)}"
            users.setdefault(user_id, {
                "id": user_id, "name": ref.split("@")[0].lower(),
                "real_name": f"Person {user_id}", "tz": (zones or {}).get(user_id, zone),
                "email": ref if "@" in ref else f"{user_id.lower()}@example.com",
            })  # fmt: skip
        if account.get("channel"):
            channels.add(account["channel"])
    members = [*users, Bot().user_id]  # Sherpa invited everywhere, as the README's install says
    return {
        "users": list(users.values()),
        "channels": [
            {"id": f"C{_digest(name)}", "name": name.lstrip("#"), "members": members}
            for name in sorted(channels)
        ],
    }


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:8].upper()


ADMIN = "U0ADMIN01"

GOOD_ANSWER = {
    "stakeholder_engagement": "4",
    "strategic_alignment": "5",
    "internal_advocacy": "3",
    "regular_checkins": "4",
    "role_balance": "5",
    "role_direction": "balanced",
    "alignment_meeting_held": "yes",
    "stakeholders_met": "3",
    "advocacy": "Introduced their CTO to our VP of Engineering.",
    "note": "",
}
"""A complete check-in answer, as the modal's input blocks take it."""


def actor(session: Session, user_id: str, *, admin: bool = False) -> Actor:
    """The acting person for a Slack user ID, with admin rights when asked for."""
    return actor_for(session, user_id, {user_id} if admin else set())


def checkin_registry() -> Registry:
    """A due-work registry with only the check-in planner and handlers (no profile look-ups)."""
    registry = Registry()
    checkins.register(registry)
    return registry


def escalation_registry() -> Registry:
    """A due-work registry with just the escalations' kinds, to run their work alone."""
    registry = Registry()
    escalations.register(registry)
    return registry


# --- scorecard, digest and alerts -------------------------------------------------------

TABLE_1: list[dict[str, Any]] = [
    {"key": "joint_revenue_growth", "label": "Joint revenue growth", "unit": "%",
     "source": "manual", "target": 5, "red_below": 4, "weight": 30},
    {"key": "cost_synergy", "label": "Cost synergy realization", "unit": "$M",
     "source": "manual", "target": 2.0, "red_below": 1.5, "weight": 20},
    {"key": "sla_adherence", "label": "SLA adherence", "unit": "%",
     "source": "manual", "target": 99.9, "red_below": 99.5, "weight": 15},
    {"key": "milestone_delivery", "label": "Joint milestone delivery", "unit": "%",
     "source": "manual", "target": 95, "red_below": 90, "weight": 15},
    {"key": "customer_nps", "label": "Customer satisfaction", "unit": "NPS",
     "source": "manual", "target": 50, "red_below": 30, "weight": 10},
    {"key": "executive_engagement", "label": "Executive engagement", "unit": "1-5 scale",
     "source": "manual", "target": 4.5, "red_below": 3.5, "weight": 10},
]  # fmt: skip
"""Table 1 of the source article (README.md, "Scorecards") as KPIs (red thresholds chosen
to give its six statuses)."""

TABLE_1_ACTUALS = {
    "joint_revenue_growth": "6.2%",
    "cost_synergy": "1.8",
    "sla_adherence": "99.95",
    "milestone_delivery": "88",
    "customer_nps": "+55",
    "executive_engagement": "4.0",
}


def person_id(session: Session, user_id: str) -> int:
    from sqlalchemy import select

    from engagement.models import Person

    return session.scalars(select(Person.id).where(Person.slack_user_id == user_id)).one()


def account_id(session: Session, name: str) -> int:
    from sqlalchemy import select

    from engagement.models import Account

    return session.scalars(select(Account.id).where(Account.name == name)).one()


def add_checkin(
    session: Session,
    *,
    account: str,
    user: str,
    role: str,
    period: date,
    state: str = "answered",
    answers: list[tuple[int, int, int, int, int]] | None = None,
    held: bool = False,
    sent: bool = True,
    direction: str | None = None,
) -> int:
    """A check-in with its answer revisions (oldest first), sent at 09:00 UTC of `period`;
    `direction` is the role direction of its latest revision."""
    from engagement.models import Answer, CheckIn

    due = datetime.combine(period, time(9), tzinfo=UTC)
    who = person_id(session, user)
    checkin = CheckIn(
        account_id=account_id(session, name=account),
        person_id=who,
        role=role,
        period_start=period,
        due_at=due,
        state=state,
        sent_at=due if sent else None,
        closed_at=due + timedelta(days=1) if state in ("answered", "skipped", "expired") else None,
    )
    session.add(checkin)
    session.flush()
    for revision, ratings in enumerate(answers or [], start=1):
        session.add(
            Answer(
                checkin_id=checkin.id,
                revision=revision,
                stakeholder_engagement=ratings[0],
                strategic_alignment=ratings[1],
                internal_advocacy=ratings[2],
                regular_checkins=ratings[3],
                role_balance=ratings[4],
                role_direction=direction if revision == len(answers or []) else None,
                alignment_meeting_held=held,
                submitted_at=due + timedelta(hours=revision),
                submitted_by=who,
            )
        )
    session.flush()
    return checkin.id
