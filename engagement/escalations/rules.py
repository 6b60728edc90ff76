"""What a valid escalation looks like, and how long a sponsor has to acknowledge one."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any, NewType

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from sqlalchemy.orm import Session

from engagement.errors import Invalid
from engagement.models import PortfolioSettings, Severity
from engagement.portfolio.schema import DEFAULT_ACK_HOURS
from engagement.text import ControlCharacter, free_text

TEXT_LIMIT = 3000
"""Summary, details, ask and resolution note: Slack's own limit for a section's text."""
PERMALINK_LIMIT = 500
PERMALINK = re.compile(r"https://[^\s<>|\x00-\x1f\x7f]+")
"""A Slack permalink; nothing that could break out of a `<url|label>` link."""
*_FIRST, _LAST = (item.value for item in Severity)
SEVERITIES = f"{', '.join(_FIRST)} or {_LAST}"
_SUBJECT = {  # how each field is called at the start of a sentence, and if it is plural
    "summary": ("The summary", False),
    "details": ("The details", True),
    "ask": ("What you need from the sponsor", False),
    "note": ("The note", False),
}
_REQUIRED = {  # what to say when a required field is blank
    "summary": "Say what the escalation is about.",
    "note": "A resolution note is required: say what was done.",
}

Note = NewType("Note", str)
"""A resolution (or other) note that `read_note` has checked: the only way to make one,
so the service never checks a note twice."""


class InvalidFields(Invalid):
    """Invalid input, field by field, so a modal can show each message beside its field.

    `str(error)` is the first message: the one line a slash command answers with (after
    which the command adds its usage).
    """

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__(next(iter(errors.values())))


class UnreadableFields(InvalidFields, ControlCharacter):
    """A field holds a control character: the line names the field, never echoes it."""


_CONTROL = "control_character"
"""The pydantic error type of a control character, so `read` can say which it was."""


def _fields(errors: dict[str, str], control: bool) -> InvalidFields:
    return UnreadableFields(errors) if control else InvalidFields(errors)


def _problem(error: Invalid) -> PydanticCustomError:
    kind = _CONTROL if isinstance(error, ControlCharacter) else "escalation"
    return PydanticCustomError(kind, str(error))


def check_text(name: str, value: object, *, required: bool) -> str:
    """Text is kept verbatim but for surrounding blanks and Windows line ends; a control
    character is refused, and so is too long, naming the limit (see `engagement.text`).

    The one check of each free-text field, for the modal and the slash command alike."""
    subject, plural = _SUBJECT.get(name, ("The text", False))
    text = "" if value is None else free_text(str(value), subject, plural=plural).strip()
    if required and not text:
        raise Invalid(_REQUIRED.get(name, f"Write the {name}."))
    if len(text) > TEXT_LIMIT:
        raise Invalid(
            f"{subject} {'are' if plural else 'is'} {len(text):,} characters; "
            f"the limit is {TEXT_LIMIT:,}."
        )
    return text


def parse_severity(value: object) -> Severity:
    """The one check of a severity, typed or chosen."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise Invalid(f"Give a severity: {SEVERITIES}.")
    try:
        return Severity(free_text(str(value), "The severity").strip().lower())
    except ValueError:
        raise Invalid(f"'{value}' is not a severity: use {SEVERITIES}.") from None


def read_note(value: object, *, required: bool) -> Note:
    """A note, checked once, as `InvalidFields` for the modal's note field."""
    try:
        return Note(check_text("note", value, required=required))
    except Invalid as error:
        raise _fields({"note": str(error)}, isinstance(error, ControlCharacter)) from None


class EscalationInput(BaseModel):
    """The fields a person fills in; validated before anything is written."""

    model_config = ConfigDict(frozen=True)

    severity: Severity
    summary: str
    details: str = ""
    ask: str = ""
    due_by: date | None = None
    permalink: str | None = None

    @field_validator("severity", mode="before")
    @classmethod
    def _severity(cls, value: object) -> Severity:
        try:
            return parse_severity(value)
        except Invalid as error:
            raise _problem(error) from None

    @field_validator("summary", "details", "ask", mode="before")
    @classmethod
    def _text(cls, value: object, info: ValidationInfo) -> str:
        try:
            return check_text(
                info.field_name or "text", value, required=info.field_name == "summary"
            )
        except Invalid as error:
            raise _problem(error) from None

    @field_validator("due_by", mode="after")
    @classmethod
    def _not_past(cls, value: date | None, info: ValidationInfo) -> date | None:
        today = (info.context or {}).get("today")
        if value is not None and today is not None and value < today:
            raise PydanticCustomError(
                "escalation", "The due date {day} is in the past.", {"day": value.isoformat()}
            )
        return value

    @field_validator("permalink", mode="before")
    @classmethod
    def _permalink(cls, value: object) -> str | None:
        if value is None or value == "":
            return None
        link = str(value).strip()
        if not PERMALINK.fullmatch(link) or len(link) > PERMALINK_LIMIT:
            raise PydanticCustomError(
                "escalation", "The source message link is not a Slack permalink."
            )
        return link

    @classmethod
    def read(cls, data: dict[str, Any], *, today: date | None = None) -> EscalationInput:
        """Validate, turning every problem into one line per field (InvalidFields); a due
        date is checked against `today` when given."""
        try:
            return cls.model_validate(data, context={"today": today})
        except ValidationError as error:
            problems: dict[str, str] = {}
            control = any(item["type"] == _CONTROL for item in error.errors())
            for item in error.errors():
                field = str(item["loc"][0]) if item["loc"] else "summary"
                message = item["msg"]
                if item["type"] == "date_from_datetime_parsing" or item["type"].startswith("date"):
                    message = "Give the due date as YYYY-MM-DD."
                problems.setdefault(field, message)
            raise _fields(problems, control) from None


def ack_hours(session: Session) -> dict[str, int]:
    """Hours to acknowledge by severity: the portfolio file's, else the defaults."""
    settings = session.get(PortfolioSettings, 1)
    configured = settings.ack_hours if settings is not None else {}
    return {**DEFAULT_ACK_HOURS, **{str(k): int(v) for k, v in configured.items()}}


def ack_window(session: Session, severity: Severity) -> timedelta:
    return timedelta(hours=ack_hours(session)[severity.value])
