"""The portfolio edited in Slack by an admin (App Home's *Admin* view): the accounts page
by page, an account added or edited, a scorecard line added or edited.

Every change is an admin's (`admins.require_admin`), validated by the portfolio file's own
schema (`AccountSpec`, `KpiSpec`) and written by the importer's code, so Slack and the
file never disagree on what is valid. A problem comes back as `FormInvalid`, one message
per form field, and nothing is written.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engagement import audit
from engagement.access import find_account
from engagement.admins import require_admin
from engagement.audit import kpi_subject
from engagement.errors import FormInvalid, NotFound
from engagement.indicators import ALL as ALL_INDICATORS
from engagement.models import (
    Account,
    KpiDefinition,
    KpiSource,
    Person,
    PortfolioSettings,
    Role,
    Sponsorship,
)
from engagement.portfolio.importer import AccountPlan, import_one_account, kpi_values
from engagement.portfolio.loader import problems_by_field
from engagement.portfolio.schema import WEEKDAYS, KpiSpec, PortfolioSpec
from engagement.reviews.cadence import EVERY
from engagement.scoring.evaluate import score_accounts
from engagement.scoring.kpis import Kpi, load_kpis
from engagement.scoring.scorecard import Status

THRESHOLD_KEYS = re.compile(r"\bred_(?:below|above)\b")
ACCOUNT_PAGE = 40
"""Accounts on one page of the Admin view: one block each, well inside App Home's 100."""


@dataclass(frozen=True)
class AccountForm:
    """An account as App Home's *Add account* and *Edit* modals give it."""

    name: str
    sam: str
    sponsors: tuple[str, ...]
    channel: str | None
    phase: str
    governance: str
    cadence: str
    digest_channel: str | None = None
    """The portfolio's digest channel: asked for with the first account only."""


@dataclass(frozen=True)
class AdminAccount:
    id: int
    name: str
    score: int | None
    status: Status | None
    sam: str | None
    sponsors: tuple[str, ...]
    channel: str | None
    phase: str
    governance: str
    cadence: str


@dataclass(frozen=True)
class AccountPage:
    accounts: tuple[AdminAccount, ...]
    page: int  # from 1
    pages: int
    total: int
    first_run: bool
    """No portfolio yet: the first account also sets the digest channel."""


def first_run(session: Session) -> bool:
    return session.get(PortfolioSettings, 1) is None


def account_page(
    session: Session, *, actor: str, admins: Collection[str], page: int, now: datetime
) -> AccountPage:
    """One page of every account (by name) with its score, people, channel and settings."""
    require_admin(actor, admins, what="admin view")
    total = int(session.scalar(select(func.count()).select_from(Account)) or 0)
    pages = max(1, math.ceil(total / ACCOUNT_PAGE))
    page = min(max(page, 1), pages)
    rows = list(
        session.scalars(
            select(Account)
            .order_by(func.lower(Account.name), Account.id)
            .offset((page - 1) * ACCOUNT_PAGE)
            .limit(ACCOUNT_PAGE)
        )
    )
    ids = [account.id for account in rows]
    scores = {s.account.id: s.current.score for s in score_accounts(
        session, Account.id.in_(ids), now=now)}  # fmt: skip
    people = _members(session, ids)
    accounts = tuple(
        AdminAccount(
            id=account.id,
            name=account.name,
            score=scores[account.id].score if account.id in scores else None,
            status=scores[account.id].status if account.id in scores else None,
            sam=next(iter(people.get((account.id, Role.SAM), [])), None),
            sponsors=tuple(people.get((account.id, Role.SPONSOR), [])),
            channel=account.channel,
            phase=account.phase,
            governance=account.governance,
            cadence=account.cadence,
        )
        for account in rows
    )
    return AccountPage(accounts, page, pages, total, first_run(session))


def _members(session: Session, ids: list[int]) -> dict[tuple[int, Role], list[str]]:
    """The current SAM and sponsors of these accounts, by Slack ID (else e-mail)."""
    found: dict[tuple[int, Role], list[str]] = {}
    rows = session.execute(
        select(Sponsorship.account_id, Sponsorship.role, Person.slack_user_id, Person.email)
        .join(Person, Person.id == Sponsorship.person_id)
        .where(Sponsorship.account_id.in_(ids), Sponsorship.ended_at.is_(None))
        .order_by(Sponsorship.started_at, Sponsorship.id)
    )
    for account_id, role, user_id, email in rows:
        found.setdefault((account_id, Role(role)), []).append(user_id or email or "")
    return found


def account_form(
    session: Session, *, actor: str, admins: Collection[str], account_id: int
) -> AccountForm:
    """An account as its *Edit* modal starts."""
    require_admin(actor, admins, what="account")
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("That account no longer exists.")
    people = _members(session, [account.id])
    return AccountForm(
        name=account.name,
        sam=next(iter(people.get((account.id, Role.SAM), [])), ""),
        sponsors=tuple(people.get((account.id, Role.SPONSOR), [])),
        channel=account.channel,
        phase=account.phase,
        governance=account.governance,
        cadence=account.cadence,
    )


ACCOUNT_FIELDS = {"name", "sam", "sponsors", "channel", "phase", "governance", "checkins"}


def save_account(
    session: Session,
    *,
    actor: str,
    admins: Collection[str],
    account_id: int | None,
    form: AccountForm,
    now: datetime,
) -> AccountPlan:
    """Add an account (`account_id` None) or change one, as `sherpa import` would."""
    require_admin(actor, admins, what="account")
    account = None if account_id is None else session.get(Account, account_id)
    if account_id is not None and account is None:
        raise NotFound("That account no longer exists.")
    same_name = find_account(session, form.name) if form.name.strip() else None
    if same_name is not None and same_name is not account:
        raise FormInvalid({"name": f"There is already an account named {same_name.name}."})
    spec = _portfolio_spec(session, form, account)
    if account is not None:
        account.name = spec.accounts[0].name  # a rename: the import finds it by name
    return import_one_account(session, spec, now=now, actor=actor)


def _portfolio_spec(session: Session, form: AccountForm, account: Account | None) -> PortfolioSpec:
    """The portfolio file this change amounts to: the settings as they are (or, the first
    time, as the form sets them) and this one account, validated by the file's schema."""
    settings = session.get(PortfolioSettings, 1)
    if settings is None:
        portfolio: dict[str, Any] = {"digest": {"channel": form.digest_channel or ""}}
    else:
        portfolio = {
            "timezone": settings.timezone,
            "checkins": _weekday_time(settings.cadence, settings.checkin_weekday,
                                      settings.checkin_time),
            "digest": {**_weekday_time(None, settings.digest_weekday, settings.digest_time),
                       "channel": settings.digest_channel},
        }  # fmt: skip
    default = portfolio.get("checkins") or {}
    entry: dict[str, Any] = {
        "name": form.name,
        "sam": form.sam,
        "sponsors": [*form.sponsors, *_sponsors_by_email(session, account)],
        "channel": form.channel or _named_channel(account),
        "phase": form.phase,
        "governance": form.governance,
        "checkins": {**default, "cadence": form.cadence},
    }
    if account is not None:  # what the modal does not show stays as it is
        entry |= {
            "timezone": account.timezone,
            "country": account.country,
            "digest_channel": account.digest_channel,
            "review_every": EVERY.get(account.review_months or 0),
            "checkins": {
                **_weekday_time(None, account.checkin_weekday, account.checkin_time),
                "cadence": form.cadence,
            },
        }
    try:
        return PortfolioSpec.model_validate({**portfolio, "accounts": [entry]})
    except ValidationError as error:
        raise FormInvalid(_account_problems(error)) from None


def _sponsors_by_email(session: Session, account: Account | None) -> list[str]:
    """Sponsors the file names by an e-mail address Slack has not matched yet: Slack's
    people menu cannot show them, so an edit keeps them (the file changes them)."""
    if account is None:
        return []
    return [ref for ref in _members(session, [account.id]).get((account.id, Role.SPONSOR), [])
            if "@" in ref]  # fmt: skip


def _named_channel(account: Account | None) -> str | None:
    """A channel the file names by name (`#acme`): Slack's channel menu cannot show it,
    so an edit that leaves the menu empty keeps it."""
    channel = account.channel if account is not None else None
    return channel if channel and channel.startswith("#") else None


def _weekday_time(cadence: str | None, weekday: int, clock: Any) -> dict[str, Any]:
    values = {"weekday": WEEKDAYS[weekday], "time": f"{clock:%H:%M}"}
    return values if cadence is None else {**values, "cadence": cadence}


def _account_problems(error: ValidationError) -> dict[str, str]:
    """The schema's problems by the modal's fields (a whole-account one is the people's)."""
    problems: dict[str, str] = {}
    for loc, message in problems_by_field(error).items():
        if loc[:1] == ("digest",):
            field = "digest_channel"
        elif loc[:2] == ("accounts", 0) and len(loc) > 2 and loc[2] in ACCOUNT_FIELDS:
            field = "cadence" if loc[2] == "checkins" else str(loc[2])
        else:
            field = "sponsors"
        problems.setdefault(field, _sentence(message))
    return problems


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:] + "."


# --- the scorecard --------------------------------------------------------------------


@dataclass(frozen=True)
class KpiForm:
    """A scorecard line as App Home's KPI modal gives it (numbers still as typed)."""

    key: str
    label: str
    unit: str
    target: str
    red: str
    weight: str
    lower_is_better: bool


@dataclass(frozen=True)
class Scorecard:
    kpis: tuple[Kpi, ...]

    @property
    def total_weight(self) -> float:
        return sum(kpi.weight for kpi in self.kpis)

    @property
    def weight_note(self) -> str | None:
        """Said when the weights do not add up to 100: scores then use each weight's share."""
        total = self.total_weight
        if not self.kpis or math.isclose(total, 100):
            return None
        return (
            f"The weights add up to {total:g}, not 100: each KPI counts for its share of "
            f"{total:g}, so scores stay out of 100."
        )


def scorecard(session: Session, *, actor: str, admins: Collection[str]) -> Scorecard:
    require_admin(actor, admins, what="scorecard")
    return Scorecard(tuple(load_kpis(session)))


def save_kpi(
    session: Session,
    *,
    actor: str,
    admins: Collection[str],
    editing: str | None,
    form: KpiForm,
    now: datetime,
) -> Scorecard:
    """Add a scorecard line (`editing` None) or change the one with key `editing` (its key
    stays); validated by the portfolio file's schema."""
    require_admin(actor, admins, what="scorecard")
    existing = {row.key: row for row in session.scalars(select(KpiDefinition))}
    key = editing if editing is not None else form.key.strip()
    if editing is not None and editing not in existing:
        raise NotFound("That KPI is no longer on the scorecard.")
    if editing is None and key in existing:
        raise FormInvalid({"key": f"The scorecard already has {key}: edit that one instead."})
    numbers: dict[str, float] = {}
    problems: dict[str, str] = {}
    for field, text in (("target", form.target), ("red", form.red), ("weight", form.weight)):
        try:
            numbers[field] = float(text.strip())
            if not math.isfinite(numbers[field]):
                raise ValueError
        except ValueError:
            problems[field] = f"'{text.strip()}' is not a number."
    if problems:
        raise FormInvalid(problems)
    threshold = "red_above" if form.lower_is_better else "red_below"
    try:
        spec = KpiSpec.model_validate({
            "key": key, "label": form.label.strip() or None, "unit": form.unit,
            "source": KpiSource.INDICATOR if key in ALL_INDICATORS else KpiSource.MANUAL,
            "target": numbers["target"], threshold: numbers["red"], "weight": numbers["weight"],
        })  # fmt: skip
    except ValidationError as error:
        fields = {"key", "label", "unit", "target", "weight"}
        found = {  # the file's two threshold keys are the form's one threshold
            str(loc[0]) if loc and loc[0] in fields else "red": THRESHOLD_KEYS.sub(
                "the red threshold", message)
            for loc, message in problems_by_field(error).items()
        }  # fmt: skip
        raise FormInvalid({field: _sentence(msg) for field, msg in found.items()}) from None
    row = existing.get(key)
    if row is None:
        position = max((kpi.position for kpi in existing.values()), default=-1) + 1
        values = kpi_values(spec, position)
        session.add(KpiDefinition(key=key, **values))
        audit.record(session, actor=actor, action="kpi.added", subject=kpi_subject(key),
                     before=None, after=values, at=now)  # fmt: skip
    else:
        values = kpi_values(spec, row.position)
        before = {name: getattr(row, name) for name in values}
        for name, value in values.items():
            setattr(row, name, value)
        old, new = audit.changed(before, values)
        if new:
            audit.record(session, actor=actor, action="kpi.changed", subject=kpi_subject(key),
                         before=old, after=new, at=now)  # fmt: skip
    session.flush()
    return Scorecard(tuple(load_kpis(session)))
