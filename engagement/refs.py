"""How the portfolio file and commands name a person: a Slack user ID or an e-mail."""

from __future__ import annotations

import re

USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$")


def person_ref(value: str) -> str:
    """A person as the portfolio names them: a Slack user ID, or an e-mail (lower-cased)."""
    value = value.strip()
    if USER_ID.match(value):
        return value
    if EMAIL.match(value):
        return value.lower()
    raise ValueError("not a Slack user ID or e-mail address")
