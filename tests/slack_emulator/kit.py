"""Block Kit builders for the emulator's tests."""

from __future__ import annotations

from typing import Any


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def section(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": plain(text)}


def actions(*elements: dict[str, Any], block_id: str = "actions") -> dict[str, Any]:
    return {"type": "actions", "block_id": block_id, "elements": list(elements)}


def button(text: str, action_id: str = "go", value: str = "") -> dict[str, Any]:
    return {"type": "button", "text": plain(text), "action_id": action_id, "value": value}


def options(*values: str) -> list[dict[str, Any]]:
    return [{"text": plain(value.title()), "value": value} for value in values]


def select(count: int = 3, action_id: str = "pick", kind: str = "static_select") -> dict[str, Any]:
    return {"type": kind, "action_id": action_id, "options": options(*map(str, range(count)))}


def input_block(block_id: str, element: dict[str, Any], optional: bool = False) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(block_id.title()),
        "element": element,
        "optional": optional,
    }


def modal(*blocks: dict[str, Any], **fields: Any) -> dict[str, Any]:
    view = {
        "type": "modal",
        "callback_id": "checkin",
        "title": plain("Check-in"),
        "submit": plain("Send"),
        "blocks": list(blocks),
    }
    return {**view, **fields}
