"""Escalation IDs as people type them: ESC-42."""

from __future__ import annotations

import re

from engagement.errors import Invalid

PREFIX = "ESC"
_CODE = re.compile(r"#?\s*(?:esc\s*-?\s*)?(\d{1,9})", re.IGNORECASE)


def code_of(escalation_id: int) -> str:
    return f"{PREFIX}-{escalation_id}"


def parse_code(text: str) -> int:
    """The escalation ID in "ESC-42" (also "esc42", "#ESC-42" or plain "42")."""
    match = _CODE.fullmatch(text.strip())
    if match is None or int(match[1]) == 0:
        shown = text.strip() or "(nothing)"
        raise Invalid(f"'{shown}' is not an escalation ID: use the one in the alert, like ESC-42.")
    return int(match[1])
