"""The presentation kit: Slack's limits, its markup and the Block Kit primitives every view uses.

Views are pure functions from the domain's plain data to Slack payloads. They build their
blocks from the primitives below, so each limit is written once and kept the same way
everywhere: text past a limit is cut visibly ("…"), never rejected by Slack.

Slack reads `&`, `<` and `>` as control characters in a message's `text` and in mrkdwn:
`<!channel>` notifies everyone in the channel and `<https://…|Click here>` is a link. So
every piece of text Sherpa did not write as markup (an account name or KPI label from the
portfolio file, a display name, anything typed into Slack) goes through `escape` wherever
it goes into such text: in blocks and in the fallback `text` alike. Plain-text fields
(headers, buttons, select options, modal titles) are shown as they are and never parsed
for mentions or links, so they take the raw text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, Literal

from blockkit.limits import (
    BUTTON_TEXT as BUTTON_TEXT,
)
from blockkit.limits import (
    CONFIRM_BUTTON as CONFIRM_BUTTON,
)
from blockkit.limits import (
    CONFIRM_TEXT as CONFIRM_TEXT,
)
from blockkit.limits import (
    CONFIRM_TITLE as CONFIRM_TITLE,
)
from blockkit.limits import (
    FIELD_TEXT as FIELD_TEXT,
)
from blockkit.limits import (
    HEADER_TEXT as HEADER_TEXT,
)
from blockkit.limits import (
    INPUT_TEXT as INPUT_TEXT,
)
from blockkit.limits import (
    LABEL_TEXT as LABEL_TEXT,
)
from blockkit.limits import (
    MESSAGE_BLOCKS as MESSAGE_BLOCKS,
)
from blockkit.limits import (  # Slack's limits, for every view: kit.HEADER_TEXT …
    MESSAGE_TEXT as MESSAGE_TEXT,
)
from blockkit.limits import (
    OPTION_TEXT as OPTION_TEXT,
)
from blockkit.limits import (
    OPTIONS as OPTIONS,
)
from blockkit.limits import (
    PLACEHOLDER_TEXT as PLACEHOLDER_TEXT,
)
from blockkit.limits import (
    PRIVATE_METADATA as PRIVATE_METADATA,
)
from blockkit.limits import (
    SECTION_FIELDS as SECTION_FIELDS,
)
from blockkit.limits import (
    SECTION_TEXT as SECTION_TEXT,
)
from blockkit.limits import (
    SELECT_OPTIONS as SELECT_OPTIONS,
)
from blockkit.limits import (
    VIEW_BLOCKS as VIEW_BLOCKS,
)
from blockkit.limits import (
    VIEW_TITLE as VIEW_TITLE,
)
from engagement.errors import Line

Block = dict[str, Any]
"""A block, an element or a text object, as Slack's JSON."""

# --- text ---------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Text shown as typed: Slack's three control characters as the entities it expects."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """The inverse of `escape`: how a person reads text that Slack sent or Sherpa posted."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def clip(text: str, limit: int) -> str:
    """Text cut to `limit` characters, visibly: "…" ends it, with no blank before it."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def clip_escaped(text: str, limit: int) -> str:
    """Someone's text escaped for mrkdwn and cut to `limit` characters without breaking an
    entity (`&amp;` is kept whole or left out)."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    pieces, used = [], 0
    for character in text:
        piece = escape(character)
        if used + len(piece) > limit - 1:
            break
        pieces.append(piece)
        used += len(piece)
    return "".join(pieces).rstrip() + "…"


def mention(user_id: str | None, name: str) -> str:
    """A person in mrkdwn: a mention once their Slack ID is known, else their name, escaped."""
    return f"<@{user_id}>" if user_id else escape(name)


def said(line: str) -> str:
    """A domain sentence as mrkdwn: what it quotes from outside (`engagement.errors.Line`)
    escaped, the sentence itself as it was written."""
    if isinstance(line, Line) and line.values:
        return line.template.format_map({key: escape(value) for key, value in line.values.items()})
    return line


def date_token(
    at: datetime,
    *,
    style: str = "{date_short_pretty} at {time}",
    fallback: str = "%a %d %b %H:%M UTC",
) -> str:
    """A time Slack shows in each reader's own zone; `fallback` (a strftime format of the
    UTC time) is what clients that cannot show it read instead."""
    return f"<!date^{int(at.timestamp())}^{style}|{at.strftime(fallback)}>"


def day(value: date) -> str:
    """A day as people say it ("Thu 3 Dec 2026"), the same in every reader's zone."""
    return f"{value:%a} {value.day} {value:%b %Y}"


def plain(text: str, limit: int) -> Block:
    """A plain-text object (headers, buttons, labels, options, modal titles)."""
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}


def mrkdwn(text: str, limit: int = SECTION_TEXT) -> Block:
    """A mrkdwn text object: everything in it that came from outside is already escaped."""
    return {"type": "mrkdwn", "text": clip(text, limit)}


# --- blocks -------------------------------------------------------------------------------


def _with_id(block: Block, block_id: str | None) -> Block:
    if block_id:
        block["block_id"] = block_id
    return block


def header(text: str, *, block_id: str | None = None) -> Block:
    return _with_id({"type": "header", "text": plain(text, HEADER_TEXT)}, block_id)


def section(text: str, *, block_id: str | None = None, accessory: Block | None = None) -> Block:
    block = _with_id({"type": "section", "text": mrkdwn(text)}, block_id)
    if accessory is not None:
        block["accessory"] = accessory
    return block


def fields(*texts: str, block_id: str | None = None) -> Block:
    """A section of side-by-side mrkdwn fields (at most 10)."""
    items = [mrkdwn(text, FIELD_TEXT) for text in texts[:SECTION_FIELDS]]
    return _with_id({"type": "section", "fields": items}, block_id)


def context(text: str, *, block_id: str | None = None) -> Block:
    return _with_id({"type": "context", "elements": [mrkdwn(text)]}, block_id)


def divider() -> Block:
    return {"type": "divider"}


def actions(*elements: Block, block_id: str | None = None) -> Block:
    return _with_id({"type": "actions", "elements": list(elements)}, block_id)


def button(
    text: str,
    action_id: str,
    value: str = "",
    *,
    style: Literal["primary", "danger"] | None = None,
    confirm: Block | None = None,
) -> Block:
    element: Block = {"type": "button", "text": plain(text, BUTTON_TEXT), "action_id": action_id}
    if value:
        element["value"] = value
    if style:
        element["style"] = style
    if confirm:
        element["confirm"] = confirm
    return element


def confirmation(title: str, text: str, *, yes: str, no: str) -> Block:
    """The "Are you sure?" dialog of a button."""
    return {
        "title": plain(title, CONFIRM_TITLE),
        "text": plain(text, CONFIRM_TEXT),
        "confirm": plain(yes, CONFIRM_BUTTON),
        "deny": plain(no, CONFIRM_BUTTON),
    }


def option(text: str, value: str) -> Block:
    return {"text": plain(text, OPTION_TEXT), "value": value}


def static_select(
    action_id: str, placeholder: str, options: Sequence[Block], *, chosen: str | None = None
) -> Block:
    """A menu of `options` (at most SELECT_OPTIONS are kept); `chosen` is the value of the
    option shown as selected."""
    element: Block = {
        "type": "static_select",
        "action_id": action_id,
        "placeholder": plain(placeholder, PLACEHOLDER_TEXT),
        "options": list(options[:SELECT_OPTIONS]),
    }
    for item in element["options"]:
        if chosen is not None and item["value"] == chosen:
            element["initial_option"] = item
    return element


def input_block(
    block_id: str,
    label: str,
    element: Block,
    *,
    optional: bool | None = None,
    hint: str | None = None,
) -> Block:
    """A modal's input; `optional` is left out (Slack's default: required) when None."""
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, LABEL_TEXT),
        "element": element,
    }
    if optional is not None:
        block["optional"] = optional
    if hint:
        block["hint"] = plain(hint, LABEL_TEXT)
    return block


def text_input(
    action_id: str,
    *,
    multiline: bool,
    max_length: int = INPUT_TEXT,
    initial: str = "",
    placeholder: str | None = None,
) -> Block:
    element: Block = {
        "type": "plain_text_input",
        "action_id": action_id,
        "multiline": multiline,
        "max_length": max_length,
    }
    if placeholder:
        element["placeholder"] = plain(placeholder, PLACEHOLDER_TEXT)
    if initial:
        element["initial_value"] = clip(initial, max_length)
    return element


def fit(
    head: Sequence[Block],
    parts: Sequence[Sequence[Block]],
    limit: int,
    more: str = "…and {n} more",
) -> list[Block]:
    """`head`, then whole `parts` while they fit in `limit` blocks, then a context saying
    how many parts were left out (`more`, with `{n}`) when some were."""
    blocks = list(head)
    for index, part in enumerate(parts):
        left = len(parts) - index
        if len(blocks) + len(part) > limit - (1 if left > 1 else 0):
            blocks.append(context(more.format(n=left)))
            break
        blocks.extend(part)
    return blocks


def submitted(view: Mapping[str, Any], block_id: str) -> str | None:
    """What a submitted modal's input holds (its element's `action_id` is its `block_id`):
    typed text, the chosen option's value, the picked date or user; None when empty or garbled
    (a forged payload), for the domain to refuse beside the field."""
    values = (view.get("state") or {}).get("values") or {}
    block = values.get(block_id) if isinstance(values, Mapping) else None
    element = block.get(block_id) if isinstance(block, Mapping) else None
    if not isinstance(element, Mapping):
        return None
    for key in ("value", "selected_date", "selected_user"):
        if isinstance(element.get(key), str):
            return str(element[key])
    chosen = element.get("selected_option")
    if isinstance(chosen, Mapping) and isinstance(chosen.get("value"), str):
        return str(chosen["value"])
    return None


def done_modal(title: str, line: str) -> Block:
    """What a submitted modal turns into (`response_action: update`): the outcome, in place,
    so the person sees it without another message, and one button to close it."""
    return {
        "type": "modal",
        "title": plain(title, VIEW_TITLE),
        "close": plain("Done", VIEW_TITLE),
        "blocks": [section(f":white_check_mark: {line}")],
    }
