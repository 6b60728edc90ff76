"""The portfolio file's shape (README.md, "The portfolio file"), validated with pydantic."""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import TYPE_CHECKING, Annotated, Literal, Self
from zoneinfo import available_timezones

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from engagement.checkins.away import DEFAULT_EMOJI, DEFAULT_TEXTS, STATUS_LENGTH
from engagement.checkins.workdays import supported_countries
from engagement.errors import Invalid
from engagement.indicators import ALL as ALL_INDICATORS
from engagement.models import (
    FORGOTTEN_DOMAIN,
    Cadence,
    Governance,
    KpiSource,
    Phase,
    RiskState,
    Severity,
)
from engagement.refs import person_ref
from engagement.risks.rules import RiskInput, parse_risk_code
from engagement.text import ControlCharacter, free_text

CHANNEL = re.compile(r"^(#[a-z0-9][a-z0-9_-]{0,79}|[CG][A-Z0-9]{2,})$")
KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
EMOJI = re.compile(r"^:[a-z0-9_+'-]{1,98}:$")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_ACK_HOURS = {"critical": 4, "high": 24, "medium": 72, "low": 168}


def _person(value: str) -> str:
    value = person_ref(value)
    if value.endswith(f"@{FORGOTTEN_DOMAIN}"):
        raise ValueError("a forgotten person's pseudonym: name someone else")
    return value


def _channel(value: str) -> str:
    if not CHANNEL.match(value):
        raise ValueError("not a channel (#lower-case-name or a channel ID like C0123ABC)")
    return value


@functools.cache
def iana_zones() -> frozenset[str]:
    """The IANA time zone names. `localtime` is left out: some systems keep it beside
    them, a link to whatever zone that machine is set to, which is no zone of a place."""
    return frozenset(available_timezones() - {"localtime"})


def _timezone(value: str) -> str:
    if value not in iana_zones():
        raise ValueError(f"unknown time zone {value!r} (use an IANA name like Europe/Paris)")
    return value


def _plain_text(value: str) -> str:
    """Names and labels people will read: no control characters (`engagement.text`)."""
    try:
        return free_text(value, "the text")
    except ControlCharacter as error:
        raise ValueError(str(error)) from None


def _clock_time(value: str) -> dt.time:
    match = re.fullmatch(r"([01]\d|2[0-3]):([0-5]\d)", value)
    if not match:
        raise ValueError("not a time of day like 09:00")
    return dt.time(int(match[1]), int(match[2]))


def _unquoted_time(value: object) -> object:
    """YAML 1.1 reads an unquoted 09:00 as the number 540 (base 60); take it back."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return f"{value // 60:02d}:{value % 60:02d}"
    return value


def _valid_time(value: str) -> str:
    _clock_time(value)
    return value


def _key(value: str) -> str:
    if not KEY.match(value):
        raise ValueError("must be lower_snake_case, starting with a letter")
    return value


def _country(value: str) -> str:
    code = value.upper()
    if code not in supported_countries():
        raise ValueError(f"unknown country {value!r} (use an ISO 3166 code like US, GB, DE, JP)")
    return code


def _emoji(value: str) -> str:
    if not EMOJI.match(value):
        raise ValueError("not an emoji code like :palm_tree:")
    return value


def _status_text(value: str) -> str:
    value = _plain_text(value)
    if not value:
        raise ValueError("an empty status text would match every status")
    if len(value) > STATUS_LENGTH:
        raise ValueError(f"a Slack status text has at most {STATUS_LENGTH} characters")
    return value


PlainText = Annotated[str, AfterValidator(_plain_text)]
StatusText = Annotated[str, AfterValidator(_status_text)]
Country = Annotated[str, AfterValidator(_country)]
Emoji = Annotated[str, AfterValidator(_emoji)]
PersonRef = Annotated[str, AfterValidator(_person)]
Channel = Annotated[str, AfterValidator(_channel)]
TimeZone = Annotated[str, AfterValidator(_timezone)]
ClockTime = Annotated[str, BeforeValidator(_unquoted_time), AfterValidator(_valid_time)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Key = Annotated[str, AfterValidator(_key)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class _WeekdayAndTime:
    """A spec's `weekday` and `time` as the database keeps them (its fields stay its own)."""

    if TYPE_CHECKING:
        weekday: Weekday
        time: str

    @property
    def weekday_number(self) -> int:
        return WEEKDAYS.index(self.weekday)

    @property
    def clock(self) -> dt.time:
        return _clock_time(self.time)


class CheckinSpec(Strict, _WeekdayAndTime):
    cadence: Cadence = Cadence.WEEKLY
    weekday: Weekday = "mon"
    time: ClockTime = "09:00"


class DigestSpec(Strict, _WeekdayAndTime):
    weekday: Weekday = "fri"
    time: ClockTime = "16:00"
    channel: Channel


class AlertsSpec(Strict):
    """How large a fall must be to matter (smaller ones are weekly jitter)."""

    indicator_fall: float = Field(default=0.5, gt=0, le=4)
    """Points a rated indicator's 4-week mean (1–5) must lose over two weeks to alert."""
    score_fall: int = Field(default=10, gt=0, le=100)
    """Points an account's overall score must lose over four weeks to rank as falling."""


class KpiSpec(Strict):
    key: Key
    label: PlainText | None = Field(default=None, min_length=1, max_length=120)
    unit: PlainText = Field(default="", max_length=16)
    source: KpiSource
    target: float
    red_below: float | None = None
    red_above: float | None = None
    weight: float = Field(gt=0, le=100)

    @model_validator(mode="after")
    def _one_threshold(self) -> Self:
        if (self.red_below is None) == (self.red_above is None):
            raise ValueError("give exactly one of red_below (higher is better) or red_above")
        if self.red_below is not None and self.red_below > self.target:
            raise ValueError("red_below must not be above the target")
        if self.red_above is not None and self.red_above < self.target:
            raise ValueError("red_above must not be below the target")
        return self

    @model_validator(mode="after")
    def _known_indicator(self) -> Self:
        if self.source == KpiSource.INDICATOR and self.key not in ALL_INDICATORS:
            known = ", ".join(ALL_INDICATORS)
            raise ValueError(f"{self.key!r} is not an indicator Sherpa computes ({known})")
        return self

    @property
    def display_label(self) -> str:
        return self.label or default_label(self.key)


def default_label(key: str) -> str:
    """A KPI's label when the file gives none: the indicator's name, or the key in words."""
    return ALL_INDICATORS.get(key) or key.replace("_", " ").capitalize()


def _risk_number(value: object) -> int:
    try:
        return parse_risk_code(str(value))
    except Invalid as error:
        raise ValueError(str(error)) from None


class RiskSpec(RiskInput):
    """A row of the account's risk register, as seed 002's Table 2 has it (SR-01 …)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    id: Annotated[int, BeforeValidator(_risk_number)]
    state: RiskState = RiskState.OPEN


class AwaySpec(Strict):
    """Slack statuses that mean "away": an emoji, or a text the status starts with."""

    emoji: list[Emoji] = Field(default_factory=lambda: list(DEFAULT_EMOJI))
    texts: list[StatusText] = Field(default_factory=lambda: list(DEFAULT_TEXTS))


class PersonSpec(Strict):
    country: Country | None = None


class AccountSpec(Strict):
    name: PlainText = Field(min_length=1, max_length=200)
    sam: PersonRef
    sponsors: list[PersonRef] = Field(min_length=1)
    channel: Channel | None = None
    digest_channel: Channel | None = None
    timezone: TimeZone | None = None
    country: Country | None = None
    checkins: CheckinSpec | None = None
    phase: Phase = Phase.STEADY_STATE
    governance: Governance = Governance.DIRECT
    risks: list[RiskSpec] = Field(default_factory=list)
    review_every: Literal["monthly", "quarterly", "semi-annual", "annual"] | None = None
    """Overrides the governance's review cadence (direct: monthly, otherwise quarterly)."""

    @model_validator(mode="after")
    def _distinct_people(self) -> Self:
        if len(set(self.sponsors)) != len(self.sponsors):
            raise ValueError("a sponsor is listed twice")
        if self.sam in self.sponsors:
            raise ValueError("the SAM cannot also be a sponsor of the same account")
        _unique("risks", "id", [f"SR-{risk.id:02d}" for risk in self.risks])
        return self


def _unique(section: str, field: str, values: list[str]) -> None:
    first: dict[str, int] = {}
    for index, value in enumerate(values):
        if value in first:
            raise ValueError(
                f"{section}[{index}].{field}: {value!r} is listed twice "
                f"(first at {section}[{first[value]}])"
            )
        first[value] = index


class PortfolioSpec(Strict):
    timezone: TimeZone = "UTC"
    country: Country | None = None
    working_days: bool = True
    away_statuses: AwaySpec = AwaySpec()
    checkins: CheckinSpec = CheckinSpec()
    digest: DigestSpec
    escalation_path: Channel | None = None
    ack_deadline_hours: dict[Severity, Annotated[int, Field(gt=0, le=24 * 90)]] = Field(
        default_factory=dict
    )
    nudge_after_hours: int = Field(default=48, gt=0, le=24 * 14)
    expire_after_days: int = Field(default=7, gt=0, le=60)
    scorecard: list[KpiSpec] = Field(default_factory=list)
    accounts: list[AccountSpec] = Field(default_factory=list)
    people: dict[PersonRef, PersonSpec] = Field(default_factory=dict)
    alerts: AlertsSpec = AlertsSpec()

    @model_validator(mode="after")
    def _people_named(self) -> Self:
        named = {ref for account in self.accounts for ref in (account.sam, *account.sponsors)}
        for ref in self.people:
            if ref not in named:
                raise ValueError(f"people: {ref} is not a SAM or sponsor of any account")
        return self

    @model_validator(mode="after")
    def _unique_names(self) -> Self:
        _unique("accounts", "name", [account.name.casefold() for account in self.accounts])
        _unique("scorecard", "key", [kpi.key for kpi in self.scorecard])
        if self.nudge_after_hours >= self.expire_after_days * 24:
            raise ValueError("nudge_after_hours must come before the check-in expires")
        return self

    @property
    def ack_hours(self) -> dict[str, int]:
        return {**DEFAULT_ACK_HOURS, **{str(k): v for k, v in self.ack_deadline_hours.items()}}
