"""Free text people type: the one check every input makes before anything is stored.

Control characters are refused: PostgreSQL cannot store a NUL in a text column, and the
others (escape, bell, backspace…) only garble what Slack shows. Tab and new line are
ordinary text. A carriage return is harmless, so it is not refused but normalised: a
Windows line end (CR LF) or a lone CR becomes a plain new line.
"""

from __future__ import annotations

import re

from engagement.errors import Invalid

CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""The C0 set but tab (U+0009), new line (U+000A) and carriage return (U+000D), and DEL
(U+007F). A carriage return is turned into a new line before this is looked for."""


class ControlCharacter(Invalid):
    """Free text with a control character in it; `str(error)` names the field."""


def normalise_line_ends(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def has_control(text: str) -> bool:
    return CONTROL.search(normalise_line_ends(text)) is not None


def free_text(value: str, subject: str, *, plural: bool = False) -> str:
    """`value` with its line ends normalised; `ControlCharacter` if it holds a control
    character, its message naming the field: `subject` is how the field is called at the
    start of a sentence ("The summary", or "The details" with `plural`)."""
    text = normalise_line_ends(value)
    if CONTROL.search(text):
        raise ControlCharacter(problem(subject, plural=plural))
    return text


def checked_text(
    value: str, subject: str, *, limit: int, missing: str | None = None, plural: bool = False
) -> str:
    """A note a person typed, checked once: `free_text`, stripped, at most `limit`
    characters; `missing` is the one line for an empty one (None: empty is fine)."""
    text = free_text(value, subject, plural=plural).strip()
    if not text and missing is not None:
        raise Invalid(missing)
    if len(text) > limit:
        verb = "are" if plural else "is"
        raise Invalid(f"{subject} {verb} {len(text):,} characters; the limit is {limit:,}.")
    return text


def problem(subject: str, *, plural: bool = False) -> str:
    """The one line for free text holding a control character."""
    verb = "contain" if plural else "contains"
    return f"{subject} {verb} a control character; remove it and try again."
