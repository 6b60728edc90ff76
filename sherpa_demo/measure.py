"""How right the alerts were, measured against the demo's script, the ground truth: what
each persona does to its accounts (a drifting sponsor, boss mode, a sponsor who skips) and
the KPI values the SAMs record.

Recall: each scripted deterioration, and each KPI value turning red, alerted within
WINDOW weeks of its onset. Precision: the alerts with a scripted cause, of all alerts.
Noise: alert messages per account and week.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement.indicators import RATED
from engagement.models import (
    Account,
    Alert,
    CheckIn,
    KpiActual,
    KpiDefinition,
    KpiSource,
    Role,
)
from engagement.portfolio.schema import PortfolioSpec
from engagement.scoring.scorecard import Status, Thresholds, status_of
from sherpa_demo.personas import Persona, persona_of

WINDOW = 2
"""A deterioration counts as alerted when an alert judges its week or one of the next two."""
BOSS_SIGNS = frozenset({"perception_gap", "role_balance"})
"""What boss mode shows as: the sponsor and the SAM disagree on who does the work."""
SIGNS = {
    "boss mode": BOSS_SIGNS,
    "skipper": frozenset({"missed_checkins"}),
}
"""The alerts that tell a deterioration (a drifting sponsor or a KPI turning red: any)."""


@dataclass(frozen=True)
class Onset:
    """A deterioration the script causes: on which account, what, from which week."""

    account: str
    cause: str
    week: int


@dataclass(frozen=True)
class Figures:
    onsets: list[Onset]
    missed: list[Onset]
    alerts: int
    explained: int
    busiest: int
    """The most alert messages one account got in one week in its channel."""
    per_account_week: float

    @property
    def recall(self) -> float:
        return 1.0 if not self.onsets else 1 - len(self.missed) / len(self.onsets)

    @property
    def precision(self) -> float:
        return 1.0 if not self.alerts else self.explained / self.alerts

    def _causes(self) -> dict[str, int]:
        causes: dict[str, int] = defaultdict(int)
        for onset in self.onsets:
            causes["KPI turning red" if onset.cause.endswith(" red") else onset.cause] += 1
        return causes

    def lines(self) -> list[str]:
        return [
            f"alert recall {self.recall:.0%} ({len(self.onsets) - len(self.missed)} of "
            f"{len(self.onsets)} scripted deteriorations alerted within {WINDOW} weeks: "
            + ", ".join(f"{n} {cause}" for cause, n in sorted(self._causes().items()))
            + ")",
            f"alert precision {self.precision:.0%} ({self.explained} of {self.alerts} alerts "
            "have a scripted cause)",
            f"alert messages per account per week: {self.per_account_week:.2f} on average, "
            f"at most {self.busiest}",
            *(f"  not alerted: {o.account}, {o.cause} from week {o.week}" for o in self.missed),
        ]


def _week(day: date | datetime, start: datetime) -> int:
    moment = day if isinstance(day, datetime) else datetime(day.year, day.month, day.day)
    return (moment.replace(tzinfo=None) - start.replace(tzinfo=None)) // timedelta(weeks=1)


def _kind(persona: Persona) -> str:
    if persona.direction == "took_over":
        return "boss mode"
    if persona.answers < 0.5:
        return "skipper"
    return "drifting sponsor" if persona.drift <= -0.1 else "engaged"


def _drift_onset(persona: Persona, target: float, weeks: int) -> int | None:
    """The first week the sponsor's scripted 4-week mean rating falls below the target."""
    for week in range(weeks):
        levels = [persona.level + persona.drift * w for w in range(max(0, week - 3), week + 1)]
        if sum(levels) / len(levels) < target:
            return week
    return None


def _miss_onset(session: Session, account_id: int, start: datetime) -> int | None:
    """The week of the sponsor's second check-in in a row left to expire."""
    rows = session.execute(
        select(CheckIn.period_start, CheckIn.state)
        .where(CheckIn.account_id == account_id, CheckIn.role == Role.SPONSOR)
        .order_by(CheckIn.period_start)
    ).all()
    streak = 0
    for period, state in rows:
        streak = streak + 1 if state == "expired" else 0 if state == "answered" else streak
        if streak == 2:
            return _week(period, start)
    return None


def _both_answered(session: Session, account_id: int, start: datetime) -> int | None:
    roles: dict[int, set[str]] = defaultdict(set)
    for period, role in session.execute(
        select(CheckIn.period_start, CheckIn.role).where(
            CheckIn.account_id == account_id, CheckIn.state == "answered"
        )
    ):
        roles[_week(period, start)].add(str(role))
    both = [week for week, seen in roles.items() if len(seen) == 2]
    return min(both) if both else None


def _red_kpis(session: Session, start: datetime) -> dict[str, dict[int, list[str]]]:
    """Weeks a recorded manual KPI value turned red, per account: {account: {week: [label]}}."""
    rows = session.execute(
        select(Account.name, KpiDefinition.label, KpiDefinition.target,
               KpiDefinition.red_below, KpiDefinition.red_above, KpiActual.value,
               KpiActual.recorded_at)
        .join(Account, Account.id == KpiActual.account_id)
        .join(KpiDefinition, KpiDefinition.id == KpiActual.kpi_id)
        .where(KpiDefinition.source == KpiSource.MANUAL)
        .order_by(KpiActual.recorded_at)
    ).all()  # fmt: skip
    turned: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    red_before: set[tuple[str, str]] = set()
    for account, label, target, below, above, value, at in rows:
        red = status_of(value, Thresholds(target, below, above)) is Status.RED
        if red and (account, label) not in red_before:
            turned[account][_week(at, start)].append(label)
        (red_before.add if red else red_before.discard)((account, label))
    return turned


def _judged(onset: int, weeks: int) -> bool:
    """Whether the run lasted long enough to judge an onset: its alert needs a completed
    week, and the run must outlast the window it had to come in."""
    return onset + WINDOW < weeks


def measure(session: Session, spec: PortfolioSpec, start: datetime, weeks: int) -> Figures:
    """The alerts of a finished demo run against its script."""
    rated = [k.target for k in spec.scorecard if k.key in RATED]
    target = min(rated) if rated else 4.0
    ids = dict(session.execute(select(Account.name, Account.id)).all())
    kinds = {a.name: _kind(persona_of(a.sponsors[0])) for a in spec.accounts}
    onsets: list[Onset] = []
    for account in spec.accounts:
        kind, persona = kinds[account.name], persona_of(account.sponsors[0])
        week = None
        if kind == "drifting sponsor":
            week = _drift_onset(persona, target, weeks)
        elif kind == "skipper":
            week = _miss_onset(session, ids[account.name], start)
        elif kind == "boss mode":
            week = _both_answered(session, ids[account.name], start)
        if week is not None and _judged(week, weeks):
            onsets.append(Onset(account.name, kind, week))
    red = _red_kpis(session, start)
    for name, by_week in red.items():
        for week, labels in by_week.items():
            if _judged(week, weeks):
                onsets += [Onset(name, f"{label} red", week) for label in labels]
    fired = session.execute(
        select(Account.name, Alert.condition, Alert.dedupe_key, Alert.message_ts)
        .join(Account, Account.id == Alert.account_id)
    ).all()  # fmt: skip
    judged = [(name, condition, _iso_week(key, start), ts) for name, condition, key, ts in fired]
    missed = [
        onset for onset in onsets
        if not any(name == onset.account and onset.week <= week <= onset.week + WINDOW
                   and condition in SIGNS.get(onset.cause, (condition,))
                   for name, condition, week, _ in judged)
    ]  # fmt: skip
    explained = sum(
        1 for name, condition, week, _ in judged
        if kinds[name] in ("drifting sponsor", "skipper")
        or (kinds[name] == "boss mode" and condition in BOSS_SIGNS)
        or (condition in ("kpi_red", "status_changed") and red.get(name, {}).get(week))
    )  # fmt: skip
    messages: dict[tuple[str, int], set[str]] = defaultdict(set)
    for name, _, week, ts in judged:
        if ts is not None:  # alerts in one message share its ts (a thread reply, its parent's)
            messages[name, week].add(ts)
    return Figures(
        onsets=onsets,
        missed=missed,
        alerts=len(judged),
        explained=explained,
        busiest=max((len(sent) for sent in messages.values()), default=0),
        per_account_week=sum(len(sent) for sent in messages.values())
        / max(1, len(spec.accounts) * weeks),
    )


def _iso_week(key: str, start: datetime) -> int:
    label = key.split(":")[2]
    year, number = label.split("-W")
    return _week(date.fromisocalendar(int(year), int(number), 1), start)
