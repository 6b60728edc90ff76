"""The one Block Kit check for view tests: Slack's limits and slack_sdk's own models."""

from __future__ import annotations

from typing import Any

from blockkit.check import Surface, problems


def check(payload: dict[str, Any], surface: Surface = "message") -> list[dict[str, Any]]:
    """The payload's blocks, once the check (`blockkit.check`) finds nothing wrong."""
    found = problems(payload, surface)
    assert found == [], found
    blocks: list[dict[str, Any]] = payload["blocks"]
    assert blocks
    return blocks
