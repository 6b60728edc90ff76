"""Alerts on leading indicators: one per condition per account per week, posted once.

Every hour the rules are evaluated for all accounts at once (the same fixed number of
queries as a digest), on each account's last *completed* week: a week in progress is
half its figures. A condition that holds becomes an `Alert` row whose unique dedupe key
is `<condition>:<account_id>:<ISO week>[:detail]`; only rows that did not exist yet are
queued for posting to the account channel, and as a DM to the SAM only when the
account's overall status turned amber or red, each a due-work row of its own so a
failure of one retries only that one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from engagement.duework.queue import schedule
from engagement.duework.registry import WorkContext
from engagement.indicators import RATED
from engagement.models import Alert, KpiSource
from engagement.scoring import weeks
from engagement.scoring.alert_posts import Found, queue_posts
from engagement.scoring.evaluate import AccountScores, score_accounts
from engagement.scoring.indicators import everyone
from engagement.scoring.kpis import Kpi
from engagement.scoring.messages import (
    AlertCondition,
    CheckinsMissed,
    Falling,
    IndicatorAlert,
    IndicatorsFalling,
    KpiTurnedRed,
    PerceptionGap,
    StatusChanged,
)
from engagement.scoring.role_balance import role_balance
from engagement.scoring.scorecard import Status, format_value, status_of

GAP = 2.0
"""Sponsor and SAM disagree when their views of an indicator differ by this much."""
FALL_POINTS = 0.5
"""A rated indicator's fall over two weeks (4-week means, 1–5 scale) is material beyond
this much, or when it costs its KPI a status; a fall that stays green never is."""
RANK = {Status.GREEN: 0, Status.AMBER: 1, Status.RED: 2}


def completed(scores: AccountScores) -> int:
    """The account's last completed week, the one the rules judge."""
    return scores.timeline.current - 1


def rated(value: float | None) -> str:
    """A 1–5 figure as every alert writes it: 3.8/5."""
    return "no data" if value is None else f"{value:.1f}/5"


def _alert(
    scores: AccountScores, condition: AlertCondition, week: int, **text: Any
) -> IndicatorAlert:
    return IndicatorAlert(
        account_id=scores.account.id,
        account_name=scores.account.name,
        condition=condition,
        iso_week=weeks.label(week),
        sam_user_id=scores.account.sam_user_id,
        **text,
    )


def _key(condition: AlertCondition, account_id: int, week: int, detail: str) -> str:
    return f"{condition}:{account_id}:{weeks.label(week)}:{detail}"


def kpis_turned_red(scores: AccountScores) -> list[Found]:
    """A KPI red in the completed week that was not red the week before."""
    week = completed(scores)
    now, before = scores.at(week), scores.at(week - 1)
    if now is None:
        return []
    found = []
    for index, kpi in enumerate(scores.kpis):
        if now.statuses[index] is not Status.RED:
            continue
        if before is not None and before.statuses[index] is Status.RED:
            continue
        old = before.actuals[index] if before else None
        facts = KpiTurnedRed(
            key=kpi.key,
            manual=kpi.source is KpiSource.MANUAL,
            target=_kpi_value(kpi.target, kpi),
            red_above=_kpi_value(kpi.thresholds.red_above, kpi) if kpi.lower_is_better else None,
            red_below=None if kpi.lower_is_better else _kpi_value(kpi.thresholds.red_below, kpi),
        )
        found.append(
            Found(
                _key(AlertCondition.KPI_RED, scores.account.id, week, kpi.key),
                _alert(
                    scores,
                    AlertCondition.KPI_RED,
                    week,
                    title=f"{kpi.label} turned red",
                    before=_kpi_value(old, kpi),
                    after=_kpi_value(now.actuals[index], kpi),
                    facts=facts,
                ),
                scores.account.channel,
            )
        )
    return found


def _kpi_value(value: float | None, kpi: Kpi) -> str:
    return rated(value) if kpi.key in RATED else format_value(value, kpi.unit)


def material(scores: AccountScores, key: str, start: float, end: float) -> bool:
    """A fall that costs the indicator's KPI a status, or exceeds FALL_POINTS without
    ending green: never jitter inside green."""
    kpi = next((k for k in scores.kpis if k.key == key and k.source is KpiSource.INDICATOR), None)
    if kpi is not None:
        was, now = status_of(start, kpi.thresholds), status_of(end, kpi.thresholds)
        if RANK[now] > RANK[was]:
            return True
        if now is Status.GREEN:
            return False
    return start - end > FALL_POINTS


def indicators_falling(scores: AccountScores) -> list[Found]:
    """Rated indicators (4-week means of sponsor and SAM) lower two weeks running, by a
    material amount (`material`).

    One alert per account and week, led by the steepest fall, naming every falling one:
    five indicators drifting together are one conversation with the sponsor, not five.
    """
    week = completed(scores)
    falling: list[tuple[float, str, float, float, float]] = []
    for key, label in RATED.items():
        values = [scores.timeline.at(week - back).values.get(key) for back in (2, 1, 0)]
        if any(value is None for value in values):
            continue
        two, one, zero = (round(value or 0.0, 2) for value in values)
        if two > one > zero and material(scores, key, two, zero):
            falling.append((two - zero, label, two, one, zero))
    if not falling:
        return []
    falling.sort(reverse=True)
    _, label, two, _, zero = falling[0]
    title = f"{label} fell two weeks in a row"
    if len(falling) > 1:
        title = f"{label} and {len(falling) - 1} more fell two weeks in a row"
    facts = IndicatorsFalling(
        falling=[Falling(label=name, means=(a, b, c)) for _, name, a, b, c in falling]
    )
    return [
        Found(
            _key(AlertCondition.INDICATOR_FALLING, scores.account.id, week, "rated"),
            _alert(
                scores,
                AlertCondition.INDICATOR_FALLING,
                week,
                title=title,
                before=rated(two),
                after=rated(zero),
                facts=facts,
            ),
            scores.account.channel,
        )
    ]


def missed_checkins(scores: AccountScores) -> list[Found]:
    """A sponsor whose latest two (or more) check-ins expired unanswered.

    Keyed by the week of the latest miss, so a streak alerts again only when it grows.
    """
    found = []
    for streak in scores.timeline.missed:
        week = weeks.week_of(streak.periods[-1])
        count = len(streak.periods)
        found.append(
            Found(
                _key(
                    AlertCondition.MISSED_CHECKINS, scores.account.id, week, str(streak.person_id)
                ),
                _alert(
                    scores,
                    AlertCondition.MISSED_CHECKINS,
                    week,
                    title=f"{streak.name} missed {count} check-ins in a row",
                    before="answering",
                    after=f"{count} missed",
                    facts=CheckinsMissed(
                        user_id=streak.user_id, name=streak.name, periods=list(streak.periods[-3:])
                    ),
                ),
                scores.account.channel,
            )
        )
    return found


def perception_gaps(scores: AccountScores) -> list[Found]:
    """Sponsor's self-view and the SAM's view differ by GAP or more on an indicator."""
    week = completed(scores)
    figures = scores.timeline.at(week)
    found = []
    for key, label in RATED.items():
        gap = figures.gap.get(key)
        if gap is None or abs(gap) < GAP:
            continue
        sponsor, sam = figures.sponsor[key], figures.sam[key]
        found.append(
            Found(
                _key(AlertCondition.PERCEPTION_GAP, scores.account.id, week, key),
                _alert(
                    scores,
                    AlertCondition.PERCEPTION_GAP,
                    week,
                    title=f"Sponsor and SAM disagree on {label.lower()}",
                    before=rated(sponsor),
                    after=rated(sam),
                    facts=PerceptionGap(points=abs(gap), label=label),
                ),
                scores.account.channel,
            )
        )
    return found


def status_changed(scores: AccountScores) -> list[Found]:
    """The overall status of the completed week turned amber or red (worse than the week
    before): the one alert the SAM also gets as a DM."""
    week = completed(scores)
    now, before = scores.at(week), scores.at(week - 1)
    if now is None or before is None:
        return []
    was, status = before.score, now.score
    if status.status is None or was.status is None or RANK[status.status] <= RANK[was.status]:
        return []
    return [
        Found(
            _key(AlertCondition.STATUS_CHANGED, scores.account.id, week, str(status.status)),
            _alert(
                scores,
                AlertCondition.STATUS_CHANGED,
                week,
                title=f"Overall status turned {status.status}",
                before=f"{was.status} ({was.score})",
                after=f"{status.status} ({status.score})",
                facts=StatusChanged(before=was.status, after=status.status),
            ),
            scores.account.channel,
        )
    ]


RULES = (status_changed, kpis_turned_red, indicators_falling, missed_checkins, perception_gaps)


def evaluate(scored: list[AccountScores]) -> list[Found]:
    """Every alert condition that holds now (pure: no database)."""
    return [found for scores in scored for rule in RULES for found in rule(scores)]


def raise_alerts(session: Session, *, now: datetime) -> list[Found]:
    """Record the conditions that hold for every account; return the ones new this week.

    One insert for all of them; the unique dedupe key lets concurrent runs agree.
    """
    scored = score_accounts(session, everyone(), now=now)
    found = evaluate(scored) + role_balance(session, scored)
    if not found:
        return []
    insert_for = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    rows = [
        {
            "dedupe_key": item.key,
            "account_id": item.alert.account_id,
            "condition": str(item.alert.condition),
            "message": f"{item.alert.title}: {item.alert.before} → {item.alert.after}",
            "created_at": now,
        }
        for item in found
    ]
    new: set[str] = set()
    for start in range(0, len(rows), 500):
        statement = (
            insert_for(Alert)
            .values(rows[start : start + 500])
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(Alert.dedupe_key, Alert.id)
        )
        new.update(key for key, _ in session.execute(statement))
    fresh = [item for item in found if item.key in new]
    queue_posts(session, fresh, now)
    return fresh


def plan_alerts(context: WorkContext) -> int:
    """Evaluate the alert rules every hour (one due row per hour)."""
    hour = context.now.replace(minute=0, second=0, microsecond=0)
    return int(
        schedule(
            context.session,
            kind="alerts.evaluate",
            key=f"alerts.evaluate:{hour:%Y-%m-%dT%H}",
            due_at=hour,
        )
    )


def evaluate_alerts(context: WorkContext) -> None:
    raise_alerts(context.session, now=context.now)
