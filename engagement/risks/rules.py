"""What a valid risk looks like: one check of each field, for the slash command, the
portfolio file and any form alike."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError
from pydantic_core import PydanticCustomError

from engagement.errors import FormInvalid, Invalid
from engagement.models import RiskCategory
from engagement.text import checked_text, free_text

TEXT_LIMIT = 3000
"""Description and mitigation: Slack's limit for a section's text."""
HIGH_SCORE = 15
"""A score from here on (of 25) is a high risk."""
CODE = re.compile(r"^SR-?(\d{1,3})$", re.IGNORECASE)


def _problem(message: str) -> PydanticCustomError:
    """A field's one line, as pydantic carries it (so the portfolio file names its place)."""
    return PydanticCustomError("risk", message)


def _rating(what: str) -> BeforeValidator:
    def check(value: object) -> int:
        text = str(value).strip()
        if not text.isdigit() or not 1 <= int(text) <= 5:
            raise _problem(f"The {what} is '{text}': give a whole number from 1 to 5.")
        return int(text)

    return BeforeValidator(check)


def _text(subject: str, *, required: bool) -> BeforeValidator:
    def check(value: object) -> str:
        try:
            text = free_text("" if value is None else str(value), subject).strip()
        except Invalid as error:
            raise _problem(str(error)) from None
        if required and not text:
            raise _problem(f"Say what the risk is: {subject.lower()} is empty.")
        if len(text) > TEXT_LIMIT:
            raise _problem(f"{subject} is {len(text):,} characters; the limit is {TEXT_LIMIT:,}.")
        return text

    return BeforeValidator(check)


def _category(value: object) -> RiskCategory:
    text = str(value or "").strip().lower().replace("_", " ").replace("-", " ")
    try:
        return RiskCategory(text or RiskCategory.OTHER)
    except ValueError:
        names = ", ".join(item.value for item in RiskCategory)
        raise _problem(f"'{value}' is not a risk category: use {names}.") from None


class RiskInput(BaseModel):
    """A risk as a person or the portfolio file describes it; checked once, here.

    Each check's line names the field in the reader's words; `read` raises the first as
    `Invalid`, and the portfolio file shows it with its place."""

    model_config = ConfigDict(frozen=True)

    probability: Annotated[int, _rating("probability")]
    impact: Annotated[int, _rating("impact")]
    description: Annotated[str, _text("The description", required=True)]
    category: Annotated[RiskCategory, BeforeValidator(_category)] = RiskCategory.OTHER
    mitigation: Annotated[str, _text("The mitigation", required=False)] = ""
    review_on: date | None = None

    @property
    def score(self) -> int:
        return self.probability * self.impact

    @classmethod
    def read(cls, **fields: object) -> RiskInput:
        """Validate; the first problem as one line, naming its field (`FormInvalid`, so a
        modal shows it beside the field and a command answers with it)."""
        try:
            return cls.model_validate(fields)
        except ValidationError as error:
            first = error.errors()[0]
            field = str(first["loc"][0])
            if first["type"] == "risk":
                message = first["msg"]
            elif field == "review_on":
                message = "Give the review date as YYYY-MM-DD."
            else:
                message = f"Give the {field.replace('_', ' ')}."
            raise FormInvalid({field: message}) from None


def parse_risk_code(text: str) -> int:
    """The number in an ID like SR-03 (or 3)."""
    match = CODE.match(text.strip()) or re.fullmatch(r"(\d{1,3})", text.strip())
    if match is None or int(match.group(1)) == 0:
        raise Invalid(f"'{text}' is not a risk ID: use the one in the list, like SR-03.")
    return int(match.group(1))


def read_closing_note(text: str) -> str:
    """Why a risk is closed: required, one check."""
    return checked_text(text, "The note", limit=TEXT_LIMIT, missing="Say why the risk is closed.")
