"""The Block Kit check: every way Slack would refuse a payload, as Slack words it.

Slack's limits (`blockkit.limits`) plus slack_sdk's own models (`slack_sdk.models.blocks`,
`slack_sdk.models.views`) for the rest of the schema. Each problem names where it is with
a JSON pointer, as Slack's error notes do. View tests and the Slack emulator both use it,
so a view that passes here is one Slack takes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, Literal

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from blockkit import limits

Surface = Literal["message", "modal", "home"]


def problems(payload: Any, surface: Surface) -> list[str]:
    """Everything wrong with a payload for `surface`: a message (`{"text", "blocks"}`, as
    `chat.postMessage` takes it, with the fallback text Sherpa always gives) or a view."""
    if surface == "message":
        return message_problems(payload)
    return view_problems(payload, surface)


def message_problems(message: Any) -> list[str]:
    if not isinstance(message, Mapping):
        return ["must provide an object [json-pointer:/]"]
    found: list[str] = []
    text = message.get("text")
    if not isinstance(text, str) or not text:
        found.append(missing("text", ""))
    elif len(text) > limits.MESSAGE_TEXT:
        found.append(too_long(limits.MESSAGE_TEXT, "/text"))
    if "blocks" in message:
        found += block_problems(message["blocks"], "/blocks", limits.MESSAGE_BLOCKS)
    return found


def view_problems(view: Any, kind: Literal["modal", "home"]) -> list[str]:
    """What `views.open`, `views.update` or `views.publish` would refuse in `view`."""
    if not isinstance(view, Mapping):
        return ["must provide an object [json-pointer:/view]"]
    if "type" not in view:
        return [missing("type", "/view")]
    if view["type"] != kind:
        return [f"must be `{kind}` for this method [json-pointer:/view/type]"]
    found = []
    if kind == "modal":
        if "title" not in view:
            found.append(missing("title", "/view"))
        for name in ("title", "submit", "close"):
            found += _text_problems(view.get(name), limits.VIEW_TITLE, f"/view/{name}")
    metadata = view.get("private_metadata")
    if isinstance(metadata, str) and len(metadata) > limits.PRIVATE_METADATA:
        found.append(too_long(limits.PRIVATE_METADATA, "/view/private_metadata"))
    if "blocks" not in view:
        return [*found, missing("blocks", "/view")]
    found += block_problems(view["blocks"], "/view/blocks", limits.VIEW_BLOCKS)
    if kind == "modal" and "submit" not in view and isinstance(view["blocks"], list):
        found += [
            f"must define `submit` to use an `input` block in modals "
            f"[json-pointer:/view/blocks/{i}/input]"
            for i, block in enumerate(view["blocks"])
            if isinstance(block, Mapping) and block.get("type") == "input"
        ]
    return found or _sdk_view_problems(view)


def block_problems(blocks: Any, pointer: str, most: int) -> list[str]:
    """Every limit broken by a list of blocks; `pointer` is where the list sits."""
    if not isinstance(blocks, list):
        return [f"must provide an array [json-pointer:{pointer}]"]
    if len(blocks) > most:
        return [too_many(most, pointer)]
    found: list[str] = []
    seen: set[str] = set()
    for index, block in enumerate(blocks):
        found += _block_problems(block, f"{pointer}/{index}")
        block_id = block.get("block_id") if isinstance(block, Mapping) else None
        if isinstance(block_id, str):
            if block_id in seen:
                found.append(f"duplicate block_id [json-pointer:{pointer}/{index}/block_id]")
            seen.add(block_id)
    return found


def elements(block: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """The elements of a block a person can act on, with their JSON pointer in the block."""
    if "accessory" in block:
        yield "/accessory", block["accessory"]
    if "element" in block:
        yield "/element", block["element"]
    if block.get("type") == "actions":
        for index, element in enumerate(block.get("elements") or []):
            yield f"/elements/{index}", element


def missing(field: str, pointer: str) -> str:
    return f"missing required field: {field} [json-pointer:{pointer}]"


def too_long(limit: int, pointer: str) -> str:
    return f"must be less than {limit + 1} characters [json-pointer:{pointer}]"


def too_many(limit: int, pointer: str) -> str:
    return f"no more than {limit} items allowed [json-pointer:{pointer}]"


def _block_problems(block: Any, pointer: str) -> list[str]:
    if not isinstance(block, Mapping):
        return [f"must provide an object [json-pointer:{pointer}]"]
    if "type" not in block:
        return [missing("type", pointer)]
    found: list[str] = []
    kind = block["type"]
    if kind == "section":
        found += _text_problems(block.get("text"), limits.SECTION_TEXT, f"{pointer}/text")
        items = block.get("fields") or []
        if len(items) > limits.SECTION_FIELDS:
            found.append(too_many(limits.SECTION_FIELDS, f"{pointer}/fields"))
        for i, item in enumerate(items):
            found += _text_problems(item, limits.FIELD_TEXT, f"{pointer}/fields/{i}")
    elif kind == "header":
        if "text" not in block:
            found.append(missing("text", pointer))
        found += _text_problems(block.get("text"), limits.HEADER_TEXT, f"{pointer}/text")
    elif kind == "context":
        for i, item in enumerate(block.get("elements") or []):
            found += _text_problems(item, limits.SECTION_TEXT, f"{pointer}/elements/{i}")
    for where, element in elements(block):
        found += _element_problems(element, f"{pointer}{where}")
    return found or _sdk_block_problems(block, pointer)


def _element_problems(element: Any, pointer: str) -> list[str]:
    if not isinstance(element, Mapping):
        return [f"must provide an object [json-pointer:{pointer}]"]
    kind = element.get("type")
    found: list[str] = []
    if kind == "button":
        if "text" not in element:
            found.append(missing("text", pointer))
        found += _text_problems(element.get("text"), limits.BUTTON_TEXT, f"{pointer}/text")
    if kind in limits.OPTIONS:
        for key in ("options", "option_groups"):
            items = element.get(key) or []
            if len(items) > limits.OPTIONS[kind]:
                found.append(too_many(limits.OPTIONS[kind], f"{pointer}/{key}"))
        for i, option in enumerate(element.get("options") or []):
            text = option.get("text") if isinstance(option, Mapping) else None
            found += _text_problems(text, limits.OPTION_TEXT, f"{pointer}/options/{i}/text")
    return found


def _text_problems(text: Any, limit: int, pointer: str) -> list[str]:
    """A text object (at `pointer`) whose `text` is over `limit`."""
    value = text.get("text") if isinstance(text, Mapping) else None
    too_big = isinstance(value, str) and len(value) > limit
    return [too_long(limit, f"{pointer}/text")] if too_big else []


_MISSING_ARGUMENT = re.compile(r"missing \d+ required keyword-only arguments?: '(\w+)'")


def _sdk_block_problems(block: Mapping[str, Any], pointer: str) -> list[str]:
    """The rest of a block's schema, as slack_sdk's models know it (required fields, lengths)."""
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


def _sdk_view_problems(view: Mapping[str, Any]) -> list[str]:
    """The rest of a view's schema, as slack_sdk's `View` knows it. The blocks are checked
    one by one above, so one stands in for them: an empty view (a cleared App Home) is one
    Slack takes, though `View` would refuse it."""
    try:
        View(**{**view, "blocks": [{"type": "divider"}]}).validate_json()
    except TypeError as error:
        found = _MISSING_ARGUMENT.search(str(error))
        return [missing(found.group(1) if found else "unknown", "/view")]
    except SlackObjectFormationError as error:
        return [f"{error} [json-pointer:/view]"]
    return []
