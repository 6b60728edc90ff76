"""The portfolio's KPIs and the actuals SAMs record with `/sponsor kpi`."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import CTE, Select, and_, select
from sqlalchemy.orm import Session

from engagement.access import Actor, account_for, unknown
from engagement.errors import Invalid, Line, NotFound
from engagement.models import Account, KpiActual, KpiDefinition, KpiSource, Role
from engagement.scoring.digest_stale import digest_changed
from engagement.scoring.scorecard import Thresholds, format_value


@dataclass(frozen=True)
class Kpi:
    """A scorecard line, detached from the session."""

    id: int
    key: str
    label: str
    unit: str
    source: KpiSource
    thresholds: Thresholds
    weight: float

    @property
    def target(self) -> float:
        return self.thresholds.target

    @property
    def lower_is_better(self) -> bool:
        return self.thresholds.lower_is_better


_KPIS = select(KpiDefinition).order_by(KpiDefinition.position, KpiDefinition.id)


def load_kpis(session: Session) -> list[Kpi]:
    """The scorecard in the portfolio file's order."""
    return [
        Kpi(
            id=row.id,
            key=row.key,
            label=row.label,
            unit=row.unit,
            source=KpiSource(row.source),
            thresholds=Thresholds(row.target, row.red_below, row.red_above),
            weight=row.weight,
        )
        for row in session.scalars(_KPIS)
    ]


ManualActuals = dict[tuple[int, int, int], float]
"""{(account ID, week, KPI ID): the latest value recorded by the week's figures' instant}"""


def load_actuals(
    session: Session, statement: Select[Any], parameters: Mapping[str, Any]
) -> ManualActuals:
    """Each manual KPI's value as of each scored week, from `actuals_statement` run with
    `parameters` (the weeks table's and the accounts')."""
    return {
        (account_id, week, kpi_id): value
        for account_id, week, kpi_id, value in session.connection().execute(statement, parameters)
        if value is not None
    }


def actuals_statement(table: CTE, ids: Select[Any]) -> Select[Any]:
    """Per account, scored week of `table` (`indicators.week_table`) in the account's zone
    and manual KPI: the latest value recorded at or before the week's `as_of`, of values
    recorded at the same instant the last inserted (one statement)."""
    latest = (
        select(KpiActual.value)
        .where(
            KpiActual.account_id == Account.id,
            KpiActual.kpi_id == KpiDefinition.id,
            KpiActual.recorded_at <= table.c.as_of,
        )
        .order_by(KpiActual.recorded_at.desc(), KpiActual.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(Account.id, table.c.week, KpiDefinition.id, latest)
        .join(table, and_(table.c.zone == Account.timezone, table.c.scored))
        .join(KpiDefinition, KpiDefinition.source == KpiSource.MANUAL)
        .where(Account.id.in_(ids))
    )


NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
RANGE_UNIT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*[-–]\s*(\d+(?:\.\d+)?)\b")


def bounds(unit: str) -> tuple[float, float] | None:
    """What a unit allows: % within ±1000, NPS within ±100, a "1-5 scale" within 1..5."""
    normal = unit.strip().lower()
    if normal == "%":
        return (-1000.0, 1000.0)
    if normal == "nps":
        return (-100.0, 100.0)
    if normal in {"h", "hours", "days", "count"}:
        return (0.0, 1e9)
    if match := RANGE_UNIT.match(normal):
        return (float(match[1]), float(match[2]))
    return None


def parse_value(text: str | float, kpi: Kpi) -> float:
    """A number as a SAM types it ("6.2", "6.2%", "+50", "1,200"), checked against the unit."""
    if isinstance(text, int | float):
        value = float(text)
    else:
        raw = text.strip().replace(",", "")
        unit = kpi.unit.strip()
        if unit and raw.lower().endswith(unit.lower()) and len(raw) > len(unit):
            raw = raw[: -len(unit)].strip()
        if not NUMBER.match(raw):
            example = format_value(kpi.target, kpi.unit)
            raise Invalid(
                Line(
                    "'{text}' is not a number. Give {label} as a number, for example {example}.",
                    text=text,
                    label=kpi.label,
                    example=example,
                )
            )
        value = float(raw)
    if not math.isfinite(value):
        raise Invalid(Line("{label} must be a finite number.", label=kpi.label))
    allowed = bounds(kpi.unit)
    if allowed and not allowed[0] <= value <= allowed[1]:
        unit = "" if RANGE_UNIT.match(kpi.unit) else kpi.unit
        low, high = (format_value(edge, unit) for edge in allowed)
        raise Invalid(
            Line(
                "{label} must be between {low} and {high}; got {text}.",
                label=kpi.label,
                low=low,
                high=high,
                text=f"{text}",
            )
        )
    return value


@dataclass(frozen=True)
class Recorded:
    """A manual KPI actual, as recorded by `/sponsor kpi`."""

    account: str
    key: str
    label: str
    value: float
    unit: str


def find_kpi(session: Session, key: str) -> Kpi:
    kpis = load_kpis(session)
    wanted = key.strip().lower()
    for kpi in kpis:
        if kpi.key == wanted:
            return kpi
    raise NotFound(unknown("KPI", key, [kpi.key for kpi in kpis]))


def record_kpi(
    session: Session,
    *,
    actor: Actor,
    account_name: str,
    key: str,
    value: str | float,
    now: datetime,
) -> Recorded:
    """Record a manual KPI actual (`/sponsor kpi <account> <key> <value>`): the SAM or an admin.

    The account is found as `access.account_for` finds it; an unknown key suggests the
    closest; indicator KPIs are computed and refused; the value is checked against the
    KPI's unit. Nothing is written on error.
    """
    account = account_for(session, actor, account_name, Role.SAM)
    kpi = find_kpi(session, key)
    if kpi.source is not KpiSource.MANUAL:
        raise Invalid(
            Line(
                "{label} is computed by Sherpa from check-ins; only manual KPIs can be recorded.",
                label=kpi.label,
            )
        )
    number = parse_value(value, kpi)
    if actor.person_id is None:
        raise Invalid("Sherpa does not know you yet; ask an admin to add you to the portfolio.")
    session.add(
        KpiActual(
            account_id=account.id,
            kpi_id=kpi.id,
            value=number,
            recorded_at=now,
            recorded_by=actor.person_id,
        )
    )
    session.flush()
    digest_changed(session, account.id, now)
    return Recorded(account.name, kpi.key, kpi.label, number, kpi.unit)
