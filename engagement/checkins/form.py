"""The check-in answer form: what a valid answer is, and a clear line per wrong field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
)
from pydantic_core import PydanticCustomError

from engagement.errors import FormInvalid
from engagement.indicators import RATED
from engagement.models import RoleDirection
from engagement.text import ControlCharacter, free_text

TEXT_LIMIT = 3000
STAKEHOLDERS_LIMIT = 1000


def _blank_to_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


def _yes_no(value: object) -> object:
    if isinstance(value, str):
        return {"yes": True, "no": False}.get(value.strip().lower(), value)
    return value


SUBJECTS = {"advocacy": ("The advocacy actions", True), "note": ("The note", False)}
"""How each free-text field is called at the start of a sentence, and if it is plural."""
CONTROL_CHARACTER = "control_character"


def _text(value: object, info: ValidationInfo) -> object:
    """No control characters; Windows line ends become new lines (`engagement.text`)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return value  # not text at all: the str validation says so
    subject, plural = SUBJECTS.get(info.field_name or "", ("The text", False))
    try:
        return free_text(value, subject, plural=plural)
    except ControlCharacter as error:
        raise PydanticCustomError(CONTROL_CHARACTER, str(error)) from None


Score = Annotated[int, BeforeValidator(_blank_to_none), Field(ge=1, le=5, strict=False)]
Text = Annotated[str, BeforeValidator(_text), Field(max_length=TEXT_LIMIT)]


class AnswerForm(BaseModel):
    """A valid answer: five ratings 1-5, the role direction and the factual questions."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True, extra="forbid")

    stakeholder_engagement: Score
    strategic_alignment: Score
    internal_advocacy: Score
    regular_checkins: Score
    role_balance: Score
    role_direction: Annotated[RoleDirection, BeforeValidator(_blank_to_none)]
    alignment_meeting_held: Annotated[bool, BeforeValidator(_yes_no)]
    stakeholders_met: Annotated[
        int, BeforeValidator(lambda v: 0 if _blank_to_none(v) is None else v)
    ] = Field(default=0, ge=0, le=STAKEHOLDERS_LIMIT)
    advocacy: Text = ""
    note: Text = ""
    phase_check: Annotated[
        bool | None, BeforeValidator(_blank_to_none), BeforeValidator(_yes_no)
    ] = None
    """The sponsor's yes or no to their account phase's question; SAMs are not asked."""

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> AnswerForm:
        """Validate raw input (strings from a modal are fine); `FormInvalid` names each field."""
        known = {name: raw[name] for name in cls.model_fields if name in raw}
        try:
            return cls.model_validate(known)
        except ValidationError as error:
            fields: dict[str, str] = {}
            for problem in error.errors():
                name = str(problem["loc"][0]) if problem["loc"] else "form"
                if problem["type"] == CONTROL_CHARACTER:
                    fields.setdefault(name, problem["msg"])
                fields.setdefault(name, _message(name, raw.get(name)))
            raise FormInvalid(fields) from None

    def ratings(self) -> dict[str, int]:
        return {key: getattr(self, key) for key in RATED}

    def values(self) -> dict[str, Any]:
        """Column values for an `Answer` row."""
        return self.model_dump(mode="python")


def _message(name: str, given: object) -> str:
    if name in RATED:
        return "Pick a rating from 1 to 5."
    if name == "role_direction":
        return "Pick one: stepped back, balanced or took over."
    if name in ("alignment_meeting_held", "phase_check"):
        return "Answer yes or no."
    if name == "stakeholders_met":
        return f"Enter a whole number from 0 to {STAKEHOLDERS_LIMIT:,}."
    length = len(given) if isinstance(given, str) else 0
    return f"Keep it to {TEXT_LIMIT:,} characters (this has {length:,})."
