"""Upserting a validated portfolio; the same code produces the dry-run plan.

The import runs inside the caller's transaction: `--dry-run` rolls it back, so the
plan shown is exactly what a real import would do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from engagement.access import person_by_ref
from engagement.audit import (
    PORTFOLIO,
    account_subject,
    kpi_subject,
    person_named,
    person_subject,
    risk_subject,
)
from engagement.models import (
    Account,
    KpiDefinition,
    Person,
    PortfolioSettings,
    Risk,
    Role,
)
from engagement.portfolio.changes import Changes
from engagement.portfolio.loader import PortfolioInvalid
from engagement.portfolio.schema import AccountSpec, KpiSpec, PortfolioSpec, RiskSpec
from engagement.reviews.cadence import EVERY
from engagement.risks.service import add_risk, record, risk_fields
from engagement.rotation.service import change_roles

REVIEW_MONTHS = {name: months for months, name in EVERY.items()}
LOOKUP_CHUNK = 500
"""People looked up per query (well under SQLite's and PostgreSQL's parameter limits)."""


@dataclass
class AccountPlan:
    name: str
    status: str  # added | changed | unchanged | not in file (kept)
    details: list[str] = field(default_factory=list)


@dataclass
class ImportPlan:
    accounts: list[AccountPlan] = field(default_factory=list)
    portfolio: list[str] = field(default_factory=list)
    scorecard: list[str] = field(default_factory=list)
    people_added: int = 0
    overwrites: list[str] = field(default_factory=list)
    """Changes made in Slack since the last import that this import overwrites."""

    @property
    def changes(self) -> int:
        touched = sum(1 for account in self.accounts if account.status in ("added", "changed"))
        return touched + len(self.portfolio) + len(self.scorecard) + self.people_added

    def counts(self) -> dict[str, int]:
        result: dict[str, int] = {}
        for account in self.accounts:
            result[account.status] = result.get(account.status, 0) + 1
        return result

    def lines(self) -> list[str]:
        out = [f"portfolio: {change}" for change in self.portfolio]
        out += [f"scorecard: {change}" for change in self.scorecard]
        for account in self.accounts:
            detail = f" ({'; '.join(account.details)})" if account.details else ""
            out.append(f"{account.status:>9}  {account.name}{detail}")
        out += [f"overwrites  {change}" for change in self.overwrites]
        summary = ", ".join(f"{n} {status}" for status, n in sorted(self.counts().items()))
        out.append(f"accounts: {summary or 'none'}; people added: {self.people_added}")
        return out


def _assign(row: Any, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Set attributes, returning those that changed: (before, after)."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name, value in values.items():
        old = getattr(row, name)
        if old != value:
            before[name], after[name] = old, value
            setattr(row, name, value)
    return before, after


def _notes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [f"{name} {before[name]} -> {after[name]}" for name in after]


class _People:
    """Finds people by Slack user ID or e-mail, creating them on first mention."""

    def __init__(self, session: Session, plan: ImportPlan, changes: Changes) -> None:
        self.session, self.plan, self.changes = session, plan, changes
        self.cache: dict[str, Person] = {}

    def get(self, ref: str, timezone: str, country: str | None) -> Person:
        if ref in self.cache:
            return self.cache[ref]
        person = person_by_ref(self.session, ref)
        if person is None:
            person = Person(display_name=ref, timezone=timezone)
            if "@" in ref:
                person.email = ref
            else:
                person.slack_user_id = ref
            self.session.add(person)
            self.session.flush()
            self.plan.people_added += 1
            self.changes("person.added", person_subject(ref), None, {"timezone": timezone})
        if person.country != country:
            self.changes(
                "person.changed",
                person_subject(ref),
                {"country": person.country},
                {"country": country},
            )
            person.country = country
        self.cache[ref] = person
        return person


def import_portfolio(session: Session, spec: PortfolioSpec, *, now: datetime) -> ImportPlan:
    """Upsert the portfolio; `PortfolioInvalid` (nothing written) if it names someone Sherpa
    knows by two of the ways the file uses (see `one_way_per_person`)."""
    one_way_per_person(session, spec)
    plan = ImportPlan()
    changes = Changes(session, now)
    _import_settings(session, spec, plan, changes)
    _import_scorecard(session, spec.scorecard, plan, changes)
    people = _People(session, plan, changes)
    named: set[int] = set()
    for account_spec in spec.accounts:
        account_plan, account = _import_account(session, spec, account_spec, people, changes)
        plan.accounts.append(account_plan)
        named.add(account.id)
    for (name,) in session.execute(
        select(Account.name).where(Account.id.not_in(named)).order_by(Account.name)
    ):
        plan.accounts.append(AccountPlan(name, "not in file (kept)"))
    session.flush()
    changes.write()
    plan.overwrites = changes.overwrites
    return plan


def import_one_account(
    session: Session, spec: PortfolioSpec, *, now: datetime, actor: str
) -> AccountPlan:
    """Upsert the one account of `spec` as the import does (App Home's *Add account* and
    *Edit*, by the admin `actor`); the portfolio-wide settings are written from `spec`
    only when there are none yet (the first account)."""
    one_way_per_person(session, spec)
    plan = ImportPlan()
    changes = Changes(session, now, actor)
    if session.get(PortfolioSettings, 1) is None:
        _import_settings(session, spec, plan, changes)
    [account_spec] = spec.accounts
    people = _People(session, plan, changes)
    account_plan, _ = _import_account(session, spec, account_spec, people, changes)
    session.flush()
    changes.write()
    return account_plan


def people_places(spec: PortfolioSpec) -> dict[str, str]:
    """Each person reference in the file, with the first place that names it."""
    places: dict[str, str] = {}
    for index, account in enumerate(spec.accounts):
        places.setdefault(account.sam, f"accounts[{index}].sam")
        for position, ref in enumerate(account.sponsors):
            places.setdefault(ref, f"accounts[{index}].sponsors[{position}]")
    return places


def one_way_per_person(session: Session, spec: PortfolioSpec) -> None:
    """Refuse a file that names one person two ways: by a Slack user ID somewhere and by an
    e-mail address elsewhere, when Sherpa already knows both are theirs.

    Every reference is looked up as the import would (`person_by_ref`); two that find the
    same person are one person named twice, which the file's own checks cannot see (the
    SAM of an account also one of its sponsors), and which a later edit easily changes in
    one place only. Each is reported with both places, before anything is written.

    Not covered: an address Sherpa has not resolved yet, or could not resolve because the
    ID it belongs to is already someone else's (`people.duplicate` in the log).
    """
    places = people_places(spec)
    refs = list(places)
    owner: dict[str, int] = {}
    for start in range(0, len(refs), LOOKUP_CHUNK):
        chunk = refs[start : start + LOOKUP_CHUNK]
        ids = [ref for ref in chunk if "@" not in ref]
        emails = [ref for ref in chunk if "@" in ref]
        for person in session.scalars(
            select(Person).where(or_(Person.slack_user_id.in_(ids), Person.email.in_(emails)))
        ):
            for ref in (person.slack_user_id, person.email):
                if ref in places:
                    owner[ref] = person.id
    named: dict[int, str] = {}
    problems: list[str] = []
    for ref in refs:  # in the order the file names them
        if ref not in owner:
            continue
        first = named.setdefault(owner[ref], ref)
        if first != ref:
            problems.append(
                f"{places[ref]}: {ref} is the same person as {first} ({places[first]}); "
                "name each person one way, by Slack user ID or by e-mail, everywhere in the file"
            )
    if problems:
        raise PortfolioInvalid(problems)


def _import_settings(
    session: Session, spec: PortfolioSpec, plan: ImportPlan, changes: Changes
) -> None:
    values = {
        "timezone": spec.timezone,
        "cadence": str(spec.checkins.cadence),
        "checkin_weekday": spec.checkins.weekday_number,
        "checkin_time": spec.checkins.clock,
        "digest_weekday": spec.digest.weekday_number,
        "digest_time": spec.digest.clock,
        "digest_channel": spec.digest.channel,
        "escalation_path": spec.escalation_path,
        "ack_hours": spec.ack_hours,
        "nudge_after_hours": spec.nudge_after_hours,
        "expire_after_days": spec.expire_after_days,
        "country": spec.country,
        "working_days": spec.working_days,
        "away_statuses": spec.away_statuses.model_dump(),
        "indicator_fall": spec.alerts.indicator_fall,
        "score_fall": spec.alerts.score_fall,
    }
    settings = session.get(PortfolioSettings, 1)
    if settings is None:
        session.add(PortfolioSettings(id=1, **values))
        plan.portfolio.append("settings added")
        changes("portfolio.added", PORTFOLIO, None, values)
    elif (diff := _assign(settings, values))[1]:
        plan.portfolio.extend(_notes(*diff))
        changes("portfolio.changed", PORTFOLIO, *diff)


def kpi_values(spec: KpiSpec, position: int) -> dict[str, Any]:
    """A scorecard line's columns as the file (or App Home's *Scorecard*) gives them."""
    return {
        "label": spec.display_label,
        "unit": spec.unit,
        "source": str(spec.source),
        "target": spec.target,
        "red_below": spec.red_below,
        "red_above": spec.red_above,
        "weight": spec.weight,
        "position": position,
    }


def _import_scorecard(
    session: Session, kpis: list[KpiSpec], plan: ImportPlan, changes: Changes
) -> None:
    existing = {kpi.key: kpi for kpi in session.scalars(select(KpiDefinition))}
    for position, spec in enumerate(kpis):
        values = kpi_values(spec, position)
        row = existing.get(spec.key)
        if row is None:
            session.add(KpiDefinition(key=spec.key, **values))
            plan.scorecard.append(f"{spec.key} added")
            changes("kpi.added", kpi_subject(spec.key), None, values)
        elif (diff := _assign(row, values))[1]:
            plan.scorecard.append(f"{spec.key}: {'; '.join(_notes(*diff))}")
            changes("kpi.changed", kpi_subject(spec.key), *diff)


def _import_account(
    session: Session,
    spec: PortfolioSpec,
    account_spec: AccountSpec,
    people: _People,
    changes: Changes,
) -> tuple[AccountPlan, Account]:
    now = changes.now
    checkins = account_spec.checkins or spec.checkins
    timezone = account_spec.timezone or spec.timezone
    values = {
        "name": account_spec.name,
        "phase": str(account_spec.phase),
        "governance": str(account_spec.governance),
        "channel": account_spec.channel,
        "digest_channel": account_spec.digest_channel or spec.digest.channel,
        "timezone": timezone,
        "cadence": str(checkins.cadence),
        "checkin_weekday": checkins.weekday_number,
        "checkin_time": checkins.clock,
        "review_months": REVIEW_MONTHS.get(account_spec.review_every or ""),
        "country": account_spec.country,
    }
    account = session.scalars(
        select(Account).where(func.lower(Account.name) == account_spec.name.lower())
    ).first()
    if account is None:
        account = Account(created_at=now, **values)
        session.add(account)
        session.flush()
        account_plan = AccountPlan(account_spec.name, "added")
        changes("account.added", account_subject(account.name), None, values)
    else:
        diff = _assign(account, values)
        notes = _notes(*diff)
        account_plan = AccountPlan(account_spec.name, "changed" if notes else "unchanged", notes)
        if notes:
            changes("account.changed", account_subject(account.name), *diff)

    def member(ref: str) -> int:
        settings = spec.people.get(ref)
        return people.get(ref, timezone, settings.country if settings else None).id

    wanted = {(member(account_spec.sam), Role.SAM)}
    wanted |= {(member(ref), Role.SPONSOR) for ref in account_spec.sponsors}
    subject = account_subject(account.name)
    for role_change in change_roles(session, account, wanted, actor=changes.actor, at=now):
        held = {"role": role_change.role, "person": person_named(session, role_change.person_id)}
        if role_change.change == "ended":
            changes("sponsorship.closed", subject, held, None)
        else:
            changes("sponsorship.opened", subject, None, held)
        if account_plan.status != "added":
            account_plan.details.append(f"{held['role']} {held['person']} {role_change.change}")
    risk_notes = _import_risks(session, account, account_spec.risks, changes)
    if account_plan.status != "added":
        account_plan.details += risk_notes
    if account_plan.details and account_plan.status == "unchanged":
        account_plan.status = "changed"
    return account_plan, account


def _import_risks(
    session: Session, account: Account, risks: list[RiskSpec], changes: Changes
) -> list[str]:
    """Add the file's risks by ID and bring changed ones up to date, each change in the
    risk's history; risks logged from Slack and not in the file are kept."""
    session.flush()  # the sponsorships just added: a new risk's owner is its sponsor
    existing = {
        risk.number: risk
        for risk in session.scalars(select(Risk).where(Risk.account_id == account.id))
    }
    now = changes.now
    notes = []
    for spec in risks:
        risk = existing.get(spec.id)
        if risk is None:
            risk = add_risk(session, account, spec, by=None, now=now, number=spec.id)
            if spec.state != risk.state:
                risk.state = spec.state
                record(session, risk, by=None, now=now, note="portfolio file")
            notes.append(f"risk {risk.code} added")
            changes("risk.added", risk_subject(account.name, risk.code), None, risk_fields(risk))
            continue
        values = {
            "description": spec.description,
            "category": str(spec.category),
            "probability": spec.probability,
            "impact": spec.impact,
            "mitigation": spec.mitigation,
            "state": str(spec.state),
        }
        if spec.review_on is not None:  # else the date Sherpa keeps (a quarter on, reviewed)
            values["review_on"] = spec.review_on
        if (diff := _assign(risk, values))[1]:
            record(session, risk, by=None, now=now, note="portfolio file")
            notes.append(f"risk {risk.code}: {'; '.join(_notes(*diff))}")
            changes("risk.changed", risk_subject(account.name, risk.code), *diff)
    return notes
