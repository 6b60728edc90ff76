"""The portfolio's KPIs and the actuals SAMs record with `/sponsor kpi`."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, select
from sqlalchemy.orm import Session, aliased

from engagement.access import Actor, account_for, unknown
from engagement.errors import Invalid, Line, NotFound
from engagement.models import Account, KpiActual, KpiDefinition, KpiSource, Role, UTCDateTime
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


Actuals = Select[int, int, datetime, float]
"""`actuals_statement`'s rows: account ID, KPI ID, when recorded, value."""


def actuals_statement(ids: Select[Any]) -> Actuals:
    """Per account of `ids` and manual KPI, the values recorded from the latest at or
    before the parameter `first_as_of` (from then, without one) to `last_as_of`: the
    only ones that can be a week's value between. Oldest first; of values recorded at the
    same instant, the last inserted last. One statement; each pair's start is one look-up
    of the index, where a look-up for each week was a dozen."""
    earlier = aliased(KpiActual)
    first = bindparam("first_as_of", type_=UTCDateTime())
    last = bindparam("last_as_of", type_=UTCDateTime())
    latest_by_first = (
        select(func.max(earlier.recorded_at))
        .where(
            earlier.account_id == Account.id,
            earlier.kpi_id == KpiDefinition.id,
            earlier.recorded_at <= first,
        )
        .scalar_subquery()
    )
    pairs = (
        select(
            Account.id.label("account_id"),
            KpiDefinition.id.label("kpi_id"),
            func.coalesce(latest_by_first, first).label("since"),
        )
        .join(KpiDefinition, KpiDefinition.source == KpiSource.MANUAL)
        .where(Account.id.in_(ids))
        .cte("pairs")
        .prefix_with("MATERIALIZED")  # each pair's start once, not again for each value
    )
    return (
        select(KpiActual.account_id, KpiActual.kpi_id, KpiActual.recorded_at, KpiActual.value)
        .join(
            pairs,
            and_(
                KpiActual.account_id == pairs.c.account_id,
                KpiActual.kpi_id == pairs.c.kpi_id,
                KpiActual.recorded_at >= pairs.c.since,
            ),
        )
        .where(KpiActual.recorded_at <= last)
        .order_by(KpiActual.account_id, KpiActual.kpi_id, KpiActual.recorded_at, KpiActual.id)
    )


def actuals_as_of(
    rows: Iterable[Any],
    zones: Mapping[int, str],
    reads: Mapping[str, Sequence[tuple[int, datetime]]],
) -> ManualActuals:
    """Each week's value from `actuals_statement`'s rows: the latest recorded by the week's
    instant. `zones`: each account's zone; `reads`: each zone's weeks and their instants,
    in order."""
    result: ManualActuals = {}
    for (account_id, kpi_id), group in groupby(rows, key=itemgetter(0, 1)):
        values = [(recorded, value) for _, _, recorded, value in group]
        latest = -1
        for week, instant in reads.get(zones.get(account_id, ""), ()):
            while latest + 1 < len(values) and values[latest + 1][0] <= instant:
                latest += 1
            if latest >= 0:
                result[account_id, week, kpi_id] = values[latest][1]
    return result


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
