"""Reading and completing Block Kit structures: the elements users act on and their values."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from blockkit.check import elements
from slack_emulator.ids import Ids

# Where each kind of element keeps its value in ``view.state.values`` and in block actions.
VALUE_KEYS = {
    "plain_text_input": "value",
    "number_input": "value",
    "email_text_input": "value",
    "url_text_input": "value",
    "static_select": "selected_option",
    "external_select": "selected_option",
    "radio_buttons": "selected_option",
    "multi_static_select": "selected_options",
    "multi_external_select": "selected_options",
    "checkboxes": "selected_options",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "datetimepicker": "selected_date_time",
    "users_select": "selected_user",
    "multi_users_select": "selected_users",
    "conversations_select": "selected_conversation",
    "multi_conversations_select": "selected_conversations",
    "channels_select": "selected_channel",
    "multi_channels_select": "selected_channels",
}
# Not part of a view's state, but acted on: their value travels only in the action.
ACTION_ONLY_KEYS = {"overflow": "selected_option"}


def with_ids(content: Mapping[str, Any], ids: Ids) -> dict[str, Any]:
    """A copy of ``content`` whose blocks and elements all have ids, as Slack assigns them."""
    result = copy.deepcopy(dict(content))
    for block in result.get("blocks") or []:
        if not isinstance(block, dict):
            continue
        block.setdefault("block_id", ids.next("b"))
        for _, element in elements(block):
            if isinstance(element, dict) and element.get("type") != "image":
                element.setdefault("action_id", ids.next("a"))
    return result


def find_element(
    blocks: Sequence[Any], action_id: str, block_id: str | None = None
) -> tuple[str, dict[str, Any]]:
    """The ``(block_id, element)`` with this action id; a ValueError names what is missing."""
    for block in blocks:
        if block_id is not None and block.get("block_id") != block_id:
            continue
        for _, element in elements(block):
            if element.get("action_id") == action_id:
                return block["block_id"], element
    raise ValueError(f"no element with action_id {action_id!r} (block_id {block_id!r})")


def action_value(element: Mapping[str, Any], raw: Any) -> dict[str, Any]:
    """``{"type": ..., <value key>: ...}`` for a user's input ``raw`` into ``element``.

    Options are given by their ``value`` and come back as the whole option object; a button
    sends its own ``value`` unless ``raw`` overrides it (a forged click); a dict with a
    ``type`` is taken as already in Slack's shape.
    """
    kind = element["type"]
    if isinstance(raw, Mapping) and "type" in raw:
        return dict(raw)
    if kind == "button":
        value = element.get("value") if raw is None else raw
        return {"type": kind} if value is None else {"type": kind, "value": value}
    key = VALUE_KEYS.get(kind) or ACTION_ONLY_KEYS.get(kind)
    if key is None:
        raise ValueError(f"the emulator cannot act on a {kind!r} element")
    if key == "selected_option":
        raw = _option(element, raw)
    elif key == "selected_options":
        raw = [_option(element, value) for value in raw]
    return {"type": kind, key: raw}


def state_values(blocks: Sequence[Any], given: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """``view.state.values`` for a submission: every stateful element, as Slack sends it.

    ``given`` is ``{block_id: {action_id: raw}}``; elements not given keep their initial
    value, or are empty (``None``, or ``[]`` for multi-selects).
    """
    values: dict[str, dict[str, Any]] = {}
    for block in blocks:
        for _, element in elements(block):
            key = VALUE_KEYS.get(element.get("type", ""))
            if key is None:
                continue
            block_values = values.setdefault(block["block_id"], {})
            raw = given.get(block["block_id"], {}).get(element["action_id"], _UNSET)
            if raw is _UNSET:
                initial = "initial_value" if key == "value" else key.replace("selected", "initial")
                empty: Any = [] if key.endswith("s") else None
                block_values[element["action_id"]] = {
                    "type": element["type"],
                    key: element.get(initial, empty),
                }
            else:
                block_values[element["action_id"]] = action_value(element, raw)
    unknown = [(b, a) for b, acts in given.items() for a in acts if a not in values.get(b, {})]
    if unknown:
        raise ValueError(f"no stateful elements at (block_id, action_id) {unknown}")
    return values


_UNSET = object()


def _option(element: Mapping[str, Any], value: Any) -> Any:
    options = [*element.get("options", [])]
    for group in element.get("option_groups", []):
        options += group.get("options", [])
    found = next((o for o in options if o.get("value") == value), None)
    if found is None:
        raise ValueError(f"no option with value {value!r} in {element.get('action_id')!r}")
    return found
