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

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from engagement.duework.queue import schedule
from engagement.duework.registry import WorkContext
from engagement.indicators import RATED
from engagement.models import Alert, KpiSource, PortfolioSettings
from engagement.scoring import weeks
from engagement.scoring.alert_posts import Found, queue_posts
from engagement.scoring.cards import RANK
from engagement.scoring.evaluate import AccountScores, score_accounts
from engagement.scoring.indicators import everyone
from engagement.scoring.messages import (
    AlertCondition,
    AlertFacts,
    CheckinsMissed,
    Falling,
    IndicatorAlert,
    IndicatorsFalling,
    KpiTurnedRed,
    PerceptionGap,
    StatusChanged,
)
from engagement.scoring.role_balance import role_balance
from engagement.scoring.scorecard import Status, status_of

GAP = 2.0
"""Sponsor and SAM disagree when their views of an indicator differ by this much."""
FALL_POINTS = 0.5
"""A rated indicator's fall over two weeks (4-week means, 1–5 scale) is material beyond
this much (the portfolio's `alerts.indicator_fall`), or when it costs its KPI a status;
a fall that stays green never is."""


def completed(scores: AccountScores) -> int:
    """The account's last completed week, the one the rules judge."""
    return scores.timeline.current - 1


def _found(scores: AccountScores, week: int, detail: str, facts: AlertFacts) -> Found:
    """The alert of one condition (its `facts`) for an account's week, with its key."""
    condition = AlertCondition(facts.kind)
    alert = IndicatorAlert(
        account_id=scores.account.id,
        account_name=scores.account.name,
        condition=condition,
        iso_week=weeks.label(week),
        sam_user_id=scores.account.sam_user_id,
        facts=facts,
    )
    return Found(_key(condition, scores.account.id, week, detail), alert, scores.account.channel)


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
        actual = now.actuals[index]
        assert actual is not None  # red has a value
        facts = KpiTurnedRed(
            key=kpi.key,
            label=kpi.label,
            manual=kpi.source is KpiSource.MANUAL,
            unit=kpi.unit,
            rated=kpi.key in RATED,
            target=kpi.target,
            red_above=kpi.thresholds.red_above,
            red_below=kpi.thresholds.red_below,
            before=before.actuals[index] if before else None,
            after=actual,
        )
        found.append(_found(scores, week, kpi.key, facts))
    return found


def material(
    scores: AccountScores, key: str, start: float, end: float, points: float = FALL_POINTS
) -> bool:
    """A fall that costs the indicator's KPI a status, or exceeds `points` without ending
    green: never jitter inside green."""
    kpi = next((k for k in scores.kpis if k.key == key and k.source is KpiSource.INDICATOR), None)
    if kpi is not None:
        was, now = status_of(start, kpi.thresholds), status_of(end, kpi.thresholds)
        if RANK[now] > RANK[was]:
            return True
        if now is Status.GREEN:
            return False
    return start - end > points


def indicators_falling(scores: AccountScores, points: float = FALL_POINTS) -> list[Found]:
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
        if two > one > zero and material(scores, key, two, zero, points):
            falling.append((two - zero, label, two, one, zero))
    if not falling:
        return []
    falling.sort(reverse=True)
    facts = IndicatorsFalling(
        falling=[Falling(label=name, means=(a, b, c)) for _, name, a, b, c in falling]
    )
    return [_found(scores, week, "rated", facts)]


def missed_checkins(scores: AccountScores) -> list[Found]:
    """A sponsor whose latest two (or more) check-ins expired unanswered.

    Keyed by the week of the latest miss, so a streak alerts again only when it grows.
    """
    return [
        _found(
            scores,
            weeks.week_of(streak.periods[-1]),
            str(streak.person_id),
            CheckinsMissed(
                user_id=streak.user_id,
                name=streak.name,
                count=len(streak.periods),
                periods=list(streak.periods[-3:]),
            ),
        )
        for streak in scores.timeline.missed
    ]


def perception_gaps(scores: AccountScores) -> list[Found]:
    """Sponsor's self-view and the SAM's view differ by GAP or more on an indicator."""
    week = completed(scores)
    figures = scores.timeline.at(week)
    found = []
    for key, label in RATED.items():
        gap = figures.gap.get(key)
        if gap is None or abs(gap) < GAP:
            continue
        facts = PerceptionGap(label=label, sponsor=figures.sponsor[key], sam=figures.sam[key])
        found.append(_found(scores, week, key, facts))
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
    if status.score is None or was.score is None:
        return []
    facts = StatusChanged(
        before=was.status, after=status.status, score_before=was.score, score_after=status.score
    )
    return [_found(scores, week, str(status.status), facts)]


def evaluate(scored: list[AccountScores], fall: float = FALL_POINTS) -> list[Found]:
    """Every alert condition that holds now, worst first (pure: no database)."""
    return [
        found
        for scores in scored
        for found in (
            *status_changed(scores),
            *kpis_turned_red(scores),
            *indicators_falling(scores, fall),
            *missed_checkins(scores),
            *perception_gaps(scores),
        )
    ]


def raise_alerts(session: Session, *, now: datetime) -> list[Found]:
    """Record the conditions that hold for every account; return the ones new this week.

    One insert for all of them; the unique dedupe key lets concurrent runs agree.
    """
    scored = score_accounts(session, everyone(), now=now)
    settings = session.get(PortfolioSettings, 1)
    fall = settings.indicator_fall if settings is not None else FALL_POINTS
    found = evaluate(scored, fall) + role_balance(session, scored)
    if not found:
        return []
    insert_for = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    rows = [
        {
            "dedupe_key": item.key,
            "account_id": item.alert.account_id,
            "condition": str(item.alert.condition),
            "message": item.alert.model_dump_json(),
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
