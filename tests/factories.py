"""Builders of test data, in one place."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import yaml
from sqlalchemy.orm import Session

from engagement.access import Actor, actor_for
from engagement.checkins import delivery, planner, sends
from engagement.duework.registry import Registry
from engagement.portfolio.importer import import_portfolio
from engagement.portfolio.loader import parse_portfolio

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def portfolio(**overrides: Any) -> dict[str, Any]:
    """A small valid portfolio document: three accounts in three time zones."""
    document: dict[str, Any] = {
        "timezone": "America/New_York",
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


def checkin_registry() -> Registry:
    """A due-work registry with only the check-in planner and handlers (no profile look-ups)."""
    registry = Registry()
    registry.planner("checkins.plan")(planner.plan)
    registry.kind(sends.SEND)(delivery.send)
    registry.kind(sends.NUDGE)(delivery.nudge)
    registry.kind(sends.EXPIRE)(delivery.expire)
    return registry


def actor(session: Session, user_id: str, *, admin: bool = False) -> Actor:
    """The `Actor` behind a Slack user ID, as the Slack side would build it."""
    return actor_for(session, user_id, [user_id] if admin else [])
