"""Reading Web API arguments, which arrive as JSON or as form fields holding JSON strings."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from typing import Any

from slack_emulator.errors import ApiError, missing

# Arguments that carry JSON; a form-encoded request sends them as JSON strings.
JSON_ARGS = ("blocks", "attachments", "view", "files", "metadata")


def normalize(args: Mapping[str, Any]) -> dict[str, Any]:
    """Decode JSON-string arguments, so both request styles reach the methods alike."""
    result = dict(args)
    for key in JSON_ARGS:
        value = result.get(key)
        if isinstance(value, str):
            # A string that is not JSON stays a string; the method's own checks refuse it.
            with contextlib.suppress(json.JSONDecodeError):
                result[key] = json.loads(value)
    return result


def require(args: Mapping[str, Any], key: str) -> Any:
    """The argument, or Slack's ``invalid_arguments`` naming it."""
    if args.get(key) in (None, ""):
        raise ApiError("invalid_arguments", [missing(key)])
    return args[key]


def flag(value: Any) -> bool:
    """A boolean argument: JSON ``true`` or the form values slack_sdk and Slack use."""
    return value in (True, "true", "1")  # True == 1, so the integer 1 counts too
