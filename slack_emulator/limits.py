"""Block Kit and text limits, checked as Slack checks them, so over-long content fails in tests.

Pure functions: each returns the ``ApiError`` Slack would answer, or None when the content
is acceptable. Notes name the offending field with a JSON pointer, as Slack's do.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

from slack_emulator.blocks import interactive_elements
from slack_emulator.errors import ApiError, missing

MAX_TEXT = 40_000
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_SECTION_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_OPTION_TEXT = 75
MAX_VIEW_TITLE = 24  # also the submit and close button labels
MAX_PRIVATE_METADATA = 3000
MAX_OPTIONS = {
    "static_select": 100,
    "multi_static_select": 100,
    "checkboxes": 10,
    "radio_buttons": 10,
    "overflow": 5,
}


def too_long(limit: int, pointer: str) -> str:
    return f"must be less than {limit + 1} characters [json-pointer:{pointer}]"


def too_many(limit: int, pointer: str) -> str:
    return f"no more than {limit} items allowed [json-pointer:{pointer}]"


def check_message(args: Mapping[str, Any]) -> ApiError | None:
    """``chat.postMessage`` / ``chat.update`` / ``chat.postEphemeral`` content rules."""
    text, blocks = args.get("text"), args.get("blocks")
    if not (text or blocks or args.get("attachments")):
        return ApiError("no_text")
    if isinstance(text, str) and len(text) > MAX_TEXT:
        return ApiError("msg_too_long")
    if blocks is not None:
        problems = block_problems(blocks, "/blocks", MAX_MESSAGE_BLOCKS)
        if problems:
            return ApiError("invalid_blocks", problems)
    return None


def check_view(view: Any, kind: Literal["modal", "home"]) -> ApiError | None:
    """``views.*`` rules; Slack reports every view problem as ``invalid_arguments``."""
    problems = view_problems(view, kind)
    return ApiError("invalid_arguments", problems) if problems else None


def view_problems(view: Any, kind: Literal["modal", "home"]) -> list[str]:
    if not isinstance(view, Mapping):
        return ["must provide an object [json-pointer:/view]"]
    if "type" not in view:
        return [missing("type", "/view")]
    if view["type"] != kind:
        return [f"must be `{kind}` for this method [json-pointer:/view/type]"]
    problems = []
    if kind == "modal":
        if "title" not in view:
            problems.append(missing("title", "/view"))
        for name in ("title", "submit", "close"):
            problems += _text_problems(view.get(name), MAX_VIEW_TITLE, f"/view/{name}")
    metadata = view.get("private_metadata")
    if isinstance(metadata, str) and len(metadata) > MAX_PRIVATE_METADATA:
        problems.append(too_long(MAX_PRIVATE_METADATA, "/view/private_metadata"))
    if "blocks" not in view:
        return [*problems, missing("blocks", "/view")]
    problems += block_problems(view["blocks"], "/view/blocks", MAX_VIEW_BLOCKS)
    if kind == "modal" and "submit" not in view and isinstance(view["blocks"], list):
        problems += [
            f"must define `submit` to use an `input` block in modals "
            f"[json-pointer:/view/blocks/{i}/input]"
            for i, block in enumerate(view["blocks"])
            if isinstance(block, Mapping) and block.get("type") == "input"
        ]
    return problems


def block_problems(blocks: Any, pointer: str, max_blocks: int) -> list[str]:
    """Every limit broken by a list of blocks; ``pointer`` is where the list sits."""
    if not isinstance(blocks, list):
        return [f"must provide an array [json-pointer:{pointer}]"]
    if len(blocks) > max_blocks:
        return [too_many(max_blocks, pointer)]
    problems: list[str] = []
    for index, block in enumerate(blocks):
        problems += _block_problems(block, f"{pointer}/{index}")
    return problems


def _block_problems(block: Any, pointer: str) -> list[str]:
    if not isinstance(block, Mapping):
        return [f"must provide an object [json-pointer:{pointer}]"]
    if "type" not in block:
        return [missing("type", pointer)]
    problems: list[str] = []
    kind = block["type"]
    if kind == "section":
        problems += _text_problems(block.get("text"), MAX_SECTION_TEXT, f"{pointer}/text")
        fields = block.get("fields") or []
        if len(fields) > MAX_SECTION_FIELDS:
            problems.append(too_many(MAX_SECTION_FIELDS, f"{pointer}/fields"))
        for i, item in enumerate(fields):
            problems += _text_problems(item, MAX_FIELD_TEXT, f"{pointer}/fields/{i}")
    elif kind == "header":
        if "text" not in block:
            problems.append(missing("text", pointer))
        problems += _text_problems(block.get("text"), MAX_HEADER_TEXT, f"{pointer}/text")
    for where, element in interactive_elements(block):
        problems += _element_problems(element, f"{pointer}{where}")
    return problems or _sdk_problems(block, pointer)


def _element_problems(element: Any, pointer: str) -> list[str]:
    if not isinstance(element, Mapping):
        return [f"must provide an object [json-pointer:{pointer}]"]
    kind = element.get("type")
    problems: list[str] = []
    if kind == "button":
        if "text" not in element:
            problems.append(missing("text", pointer))
        problems += _text_problems(element.get("text"), MAX_BUTTON_TEXT, f"{pointer}/text")
    if kind in MAX_OPTIONS:
        for key in ("options", "option_groups"):
            items = element.get(key) or []
            if len(items) > MAX_OPTIONS[kind]:
                problems.append(too_many(MAX_OPTIONS[kind], f"{pointer}/{key}"))
        for i, option in enumerate(element.get("options") or []):
            text = option.get("text") if isinstance(option, Mapping) else None
            problems += _text_problems(text, MAX_OPTION_TEXT, f"{pointer}/options/{i}/text")
    return problems


def _text_problems(text: Any, limit: int, pointer: str) -> list[str]:
    """A text object (at ``pointer``) whose ``text`` is over ``limit``."""
    value = text.get("text") if isinstance(text, Mapping) else None
    too_big = isinstance(value, str) and len(value) > limit
    return [too_long(limit, f"{pointer}/text")] if too_big else []


_MISSING_ARGUMENT = re.compile(r"missing \d+ required keyword-only arguments?: '(\w+)'")


def _sdk_problems(block: Mapping[str, Any], pointer: str) -> list[str]:
    """The rest of the schema, as slack_sdk's models know it (required fields, lengths)."""
    try:
        parsed = Block.parse(dict(block))
        if parsed is not None:
            parsed.validate_json()
    except TypeError as error:
        found = _MISSING_ARGUMENT.search(str(error))
        return [missing(found.group(1) if found else "unknown", pointer)]
    except SlackObjectFormationError as error:
        return [f"{error} [json-pointer:{pointer}]"]
    return []
