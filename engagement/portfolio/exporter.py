"""The portfolio as Sherpa holds it, written back as a portfolio file (`sherpa export
portfolio`): importing it changes nothing, so changes made in Slack can be kept as code.

Only what differs from the portfolio-wide defaults is written per account (its time zone,
check-ins and digest channel), and a KPI's label only when it is not the default one.
An account with no current SAM or sponsor cannot be written (the file needs both): it is
left out with a warning, and an import of the file keeps it as it is.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import time
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement.errors import Invalid
from engagement.models import (
    Account,
    KpiDefinition,
    Person,
    PortfolioSettings,
    Risk,
    RiskState,
    Role,
    Sponsorship,
)
from engagement.portfolio.schema import WEEKDAYS, default_label
from engagement.reviews.cadence import EVERY

HEADER = (
    "# The portfolio as Sherpa holds it (`sherpa export portfolio`); `sherpa import` reads it.\n"
)


@dataclass
class Exported:
    text: str
    accounts: int
    warnings: list[str] = field(default_factory=list)


class _Dumper(yaml.SafeDumper):
    """Short mappings and lists of plain values on one line, as people write them
    (`{cadence: weekly, …}`, `[U0…]`); anything longer, one field a line."""

    def represent_mapping(self, tag: str, mapping: Any, flow_style: bool | None = None) -> Any:
        return super().represent_mapping(tag, mapping, flow_style=_short(mapping.values()))

    def represent_sequence(self, tag: str, sequence: Any, flow_style: bool | None = None) -> Any:
        return super().represent_sequence(tag, sequence, flow_style=_short(sequence))


def _short(values: Any) -> bool:
    items = list(values)
    plain = all(not isinstance(item, dict | list) for item in items)
    return plain and sum(len(str(item)) + 12 for item in items) <= 80


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def _checkins(cadence: str, weekday: int, at: time) -> dict[str, Any]:
    return {"cadence": cadence, "weekday": WEEKDAYS[weekday], "time": f"{at:%H:%M}"}


def _ref(person: Person) -> str:
    return person.slack_user_id or person.email or ""


def export_portfolio(session: Session) -> Exported:
    """The portfolio file's text; `Invalid` when nothing was ever imported."""
    settings = session.get(PortfolioSettings, 1)
    if settings is None:
        raise Invalid("there is no portfolio yet: import one with `sherpa import FILE.yaml`")
    document: dict[str, Any] = {"timezone": settings.timezone}
    if settings.country:
        document["country"] = settings.country
    checkins = _checkins(settings.cadence, settings.checkin_weekday, settings.checkin_time)
    document["checkins"] = checkins
    document["digest"] = {
        "weekday": WEEKDAYS[settings.digest_weekday],
        "time": f"{settings.digest_time:%H:%M}",
        "channel": settings.digest_channel,
    }
    if settings.escalation_path:
        document["escalation_path"] = settings.escalation_path
    document["ack_deadline_hours"] = dict(settings.ack_hours)
    document["nudge_after_hours"] = settings.nudge_after_hours
    document["expire_after_days"] = settings.expire_after_days
    document["working_days"] = settings.working_days
    if settings.away_statuses is not None:
        document["away_statuses"] = dict(settings.away_statuses)
    document["alerts"] = {
        "indicator_fall": settings.indicator_fall,
        "score_fall": settings.score_fall,
    }
    document["scorecard"] = [_kpi(kpi) for kpi in session.scalars(
        select(KpiDefinition).order_by(KpiDefinition.position, KpiDefinition.key)
    )]  # fmt: skip
    accounts, people, warnings = _accounts(session, settings, checkins)
    document["accounts"] = accounts
    if people:
        document["people"] = people
    text = yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=92)
    return Exported(HEADER + text, len(accounts), warnings)


def _kpi(kpi: KpiDefinition) -> dict[str, Any]:
    item: dict[str, Any] = {"key": kpi.key}
    if kpi.label != default_label(kpi.key):
        item["label"] = kpi.label
    if kpi.unit:
        item["unit"] = kpi.unit
    item["source"] = kpi.source
    item["target"] = _number(kpi.target)
    if kpi.red_below is not None:
        item["red_below"] = _number(kpi.red_below)
    if kpi.red_above is not None:
        item["red_above"] = _number(kpi.red_above)
    item["weight"] = _number(kpi.weight)
    return item


def _accounts(
    session: Session, settings: PortfolioSettings, checkins: dict[str, Any]
) -> tuple[list[dict[str, Any]], dict[str, Any], list[str]]:
    members: dict[int, list[tuple[str, Person]]] = defaultdict(list)
    for role, person, account_id in session.execute(
        select(Sponsorship.role, Person, Sponsorship.account_id)
        .join(Person, Person.id == Sponsorship.person_id)
        .where(Sponsorship.ended_at.is_(None))
        .order_by(Sponsorship.started_at, Sponsorship.id)
    ).all():
        members[account_id].append((role, person))
    risks: dict[int, list[Risk]] = defaultdict(list)
    for risk in session.scalars(select(Risk).order_by(Risk.account_id, Risk.number)):
        risks[risk.account_id].append(risk)
    accounts: list[dict[str, Any]] = []
    people: dict[str, Any] = {}
    warnings: list[str] = []
    for account in session.scalars(select(Account).order_by(Account.id)):
        sams = [person for role, person in members[account.id] if role == Role.SAM]
        sponsors = [person for role, person in members[account.id] if role == Role.SPONSOR]
        if len(sams) != 1 or not sponsors:
            warnings.append(
                f"{account.name}: left out (a portfolio file needs one SAM and a sponsor; "
                f"it has {len(sams)} SAM(s) and {len(sponsors)} sponsor(s)); an import keeps it"
            )
            continue
        accounts.append(_account(account, settings, checkins, sams[0], sponsors, risks[account.id]))
        for person in (sams[0], *sponsors):
            if person.country:
                people[_ref(person)] = {"country": person.country}
    return accounts, people, warnings


def _account(
    account: Account,
    settings: PortfolioSettings,
    checkins: dict[str, Any],
    sam: Person,
    sponsors: list[Person],
    risks: list[Risk],
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "name": account.name,
        "sam": _ref(sam),
        "sponsors": [_ref(person) for person in sponsors],
    }
    if account.channel:
        item["channel"] = account.channel
    if account.digest_channel != settings.digest_channel:
        item["digest_channel"] = account.digest_channel
    if account.timezone != settings.timezone:
        item["timezone"] = account.timezone
    if account.country:
        item["country"] = account.country
    own = _checkins(account.cadence, account.checkin_weekday, account.checkin_time)
    if own != checkins:
        item["checkins"] = own
    item["phase"] = account.phase
    item["governance"] = account.governance
    if account.review_months is not None:
        item["review_every"] = EVERY[account.review_months]
    if risks:
        item["risks"] = [_risk(risk) for risk in risks]
    return item


def _risk(risk: Risk) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": risk.code,
        "description": risk.description,
        "category": risk.category,
        "probability": risk.probability,
        "impact": risk.impact,
    }
    if risk.mitigation:
        item["mitigation"] = risk.mitigation
    if risk.review_on is not None:
        item["review_on"] = risk.review_on
    if risk.state != RiskState.OPEN:
        item["state"] = risk.state
    return item
