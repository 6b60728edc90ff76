"""Posting alerts: at most one message per account and week, in the account channel.

The conditions found together for an account and week make one `AlertBundle`, worst
first. The first bundle of an account's week is posted to its channel; a bundle found
later that week goes into that message's thread (the channel's posts are one stream, so
the first is out before the next is tried). The SAM gets a DM only of the conditions in
`DIRECT`: the account's overall status turning amber or red.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from engagement.duework import streams
from engagement.duework.registry import WorkContext
from engagement.models import Alert, DueWork, Person, WorkState
from engagement.notify import Posted
from engagement.scoring.messages import AlertBundle, AlertCondition, IndicatorAlert

WORST_FIRST = (
    AlertCondition.STATUS_CHANGED,
    AlertCondition.KPI_RED,
    AlertCondition.ROLE_BALANCE,
    AlertCondition.INDICATOR_FALLING,
    AlertCondition.MISSED_CHECKINS,
    AlertCondition.PERCEPTION_GAP,
)
"""A bundle's order: its first condition's advice is the one thing to do."""
DIRECT = frozenset({AlertCondition.STATUS_CHANGED})
"""The conditions also sent to the SAM as a DM; the rest go to the account channel only."""


@dataclass(frozen=True)
class Found:
    """A condition that holds, with the alert that says so."""

    key: str
    alert: IndicatorAlert
    channel: str | None


def queue_posts(session: Session, fresh: list[Found], now: datetime) -> None:
    """Due rows (bulk): one bundle per account and week to its channel, and one to the SAM
    when a condition of it is in DIRECT."""
    groups: dict[tuple[int, str], list[Found]] = {}
    for item in fresh:
        groups.setdefault((item.alert.account_id, item.alert.iso_week), []).append(item)
    sams = _people(session, {item.alert.sam_user_id for item in fresh})
    rows = []
    for group in groups.values():
        items = sorted(group, key=lambda item: WORST_FIRST.index(item.alert.condition))
        first, keys = items[0], [item.key for item in items]
        alert = first.alert
        bundle = AlertBundle(
            account_id=alert.account_id,
            account_name=alert.account_name,
            iso_week=alert.iso_week,
            sam_user_id=alert.sam_user_id,
            alerts=[item.alert for item in items],
        )
        if first.channel:
            stream = streams.channel(first.channel)
            rows.append(_post_row(first.key, "channel", first.channel, bundle, keys, now, stream))
        direct = [item.alert for item in items if item.alert.condition in DIRECT]
        if alert.sam_user_id and direct:
            sam = sams.get(alert.sam_user_id)
            person = streams.person(sam) if sam is not None else None
            dm = bundle.model_copy(update={"alerts": direct, "direct": True})
            rows.append(_post_row(first.key, "sam", alert.sam_user_id, dm, [], now, person))
    for start in range(0, len(rows), 500):
        session.execute(insert(DueWork), rows[start : start + 500])


def _people(session: Session, user_ids: set[str | None]) -> dict[str, int]:
    """Person IDs by Slack user ID, for the SAMs' streams."""
    found = session.execute(
        select(Person.slack_user_id, Person.id).where(Person.slack_user_id.in_(user_ids - {None}))
    )
    return {user_id: person_id for user_id, person_id in found if user_id is not None}


def _post_row(
    key: str,
    target: str,
    to: str,
    bundle: AlertBundle,
    keys: list[str],
    now: datetime,
    stream: str | None,
) -> dict[str, Any]:
    return {
        "kind": "alerts.post",
        "key": f"alerts.post:{key}:{target}",
        "due_at": now,
        "scheduled_for": now,
        "stream": stream,
        "payload": {"to": to, "keys": keys, "message": bundle.model_dump(mode="json")},
        "state": WorkState.DUE,
        "attempts": 0,
    }


def _week_message(session: Session, bundle: AlertBundle) -> Posted | None:
    """Where the account's alert message of the week was posted, if it was."""
    row = session.execute(
        select(Alert.message_channel, Alert.message_ts)
        .where(
            Alert.account_id == bundle.account_id,
            Alert.dedupe_key.like(f"%:{bundle.account_id}:{bundle.iso_week}:%"),
            Alert.message_ts.is_not(None),
        )
        .order_by(Alert.id)
        .limit(1)
    ).first()
    if row is None or row[0] is None or row[1] is None:
        return None
    return Posted(row[0], row[1])


def post_alert(context: WorkContext) -> None:
    """Post one bundle to one place: a DM, the week's first message of the account, or a
    reply in that message's thread; the channel copy marks its alerts posted."""
    session = context.session
    bundle = AlertBundle.model_validate(context.payload["message"])
    if bundle.direct:
        context.notifier.post(str(context.payload["to"]), bundle)
        return
    parent = _week_message(session, bundle)
    if parent is None:
        parent = context.notifier.post(str(context.payload["to"]), bundle)
    else:
        later = bundle.model_copy(update={"in_thread": True})
        context.notifier.post(parent.channel, later, thread_ts=parent.ts)
    for alert in session.scalars(
        select(Alert).where(Alert.dedupe_key.in_(context.payload["keys"]))
    ):
        alert.posted_at = alert.posted_at or context.now
        alert.message_channel, alert.message_ts = parent.channel, parent.ts
