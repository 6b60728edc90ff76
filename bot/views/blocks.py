"""Small Block Kit builders shared by every view, enforcing Slack's limits visibly."""

from __future__ import annotations

from typing import Any

Block = dict[str, Any]

SECTION_TEXT = 3000
HEADER_TEXT = 150
BUTTON_TEXT = 75
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100


def clip(text: str, limit: int) -> str:
    """Cut text to a limit with a visible ellipsis, never silently."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": clip(text, HEADER_TEXT)}}


def section(text: str, *, accessory: Block | None = None, block_id: str | None = None) -> Block:
    block: Block = {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, SECTION_TEXT)}}
    if accessory:
        block["accessory"] = accessory
    if block_id:
        block["block_id"] = block_id
    return block


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, SECTION_TEXT)}]}


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str = "", *, style: str | None = None) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": clip(text, BUTTON_TEXT)},
        "action_id": action_id,
    }
    if value:
        element["value"] = value
    if style:
        element["style"] = style
    return element


def actions(*elements: Block, block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements)}
    if block_id:
        block["block_id"] = block_id
    return block


def fit(blocks: list[Block], limit: int, more: str = "…and {n} more") -> list[Block]:
    """Keep at most `limit` blocks, saying how many were left out."""
    if len(blocks) <= limit:
        return blocks
    kept = blocks[: limit - 1]
    return [*kept, context(more.format(n=len(blocks) - len(kept)))]
