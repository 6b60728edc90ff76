"""Slack's error answers, in the shape the real Web API gives them."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Web API refusal: HTTP 200 with ``{"ok": false, "error": ...}``.

    ``messages`` are the schema notes Slack adds (``"must be less than 3001 characters
    [json-pointer:/blocks/0/text/text]"``); they go to ``response_metadata.messages`` with
    an ``[ERROR]`` prefix, and ``invalid_blocks`` also lists them under ``errors``.
    """

    def __init__(self, error: str, messages: list[str] | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.messages = messages or []

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error": self.error}
        if self.messages and self.error == "invalid_blocks":
            body["errors"] = list(self.messages)
        if self.messages:
            body["response_metadata"] = {"messages": [f"[ERROR] {m}" for m in self.messages]}
        return body


def missing(field: str, pointer: str = "") -> str:
    """Slack's note for an absent required field."""
    return f"missing required field: {field}" + (f" [json-pointer:{pointer}]" if pointer else "")
