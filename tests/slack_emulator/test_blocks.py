"""Values as Slack sends them: ``view.state.values`` and block action values."""

from __future__ import annotations

from typing import Any

import pytest

from slack_emulator.blocks import action_value, find_element, state_values, with_ids
from slack_emulator.ids import Ids
from tests.slack_emulator.kit import actions, button, input_block, options, section

RATING = {"type": "static_select", "action_id": "rating", "options": options("1", "2", "3")}
BLOCKS: list[dict[str, Any]] = [
    section("How is the sponsor doing?"),
    input_block("rating", RATING),
    input_block("note", {"type": "plain_text_input", "action_id": "note"}, optional=True),
    input_block("met", {"type": "datepicker", "action_id": "on", "initial_date": "2025-01-06"}),
    input_block(
        "who",
        {"type": "multi_static_select", "action_id": "people", "options": options("ceo", "cfo")},
    ),
    actions(button("Skip", "skip", "acme")),
]


def test_state_values_have_slacks_nested_shape() -> None:
    values = state_values(BLOCKS, {"rating": {"rating": "2"}, "who": {"people": ["cfo"]}})
    assert values == {
        "rating": {
            "rating": {
                "type": "static_select",
                "selected_option": {"text": {"type": "plain_text", "text": "2"}, "value": "2"},
            }
        },
        "note": {"note": {"type": "plain_text_input", "value": None}},
        "met": {"on": {"type": "datepicker", "selected_date": "2025-01-06"}},
        "who": {
            "people": {
                "type": "multi_static_select",
                "selected_options": [
                    {"text": {"type": "plain_text", "text": "Cfo"}, "value": "cfo"}
                ],
            }
        },
    }


def test_a_value_already_in_slack_shape_is_kept() -> None:
    raw = {"type": "plain_text_input", "value": "hello"}
    assert state_values(BLOCKS, {"note": {"note": raw}})["note"]["note"] == raw


def test_unknown_inputs_and_options_are_test_mistakes() -> None:
    with pytest.raises(ValueError, match="no option"):
        state_values(BLOCKS, {"rating": {"rating": "9"}})
    with pytest.raises(ValueError, match="stateful"):
        state_values(BLOCKS, {"rating": {"typo": "1"}})
    with pytest.raises(ValueError, match="stateful"):
        state_values(BLOCKS, {"nope": {"rating": "1"}})


def test_find_element_and_button_values() -> None:
    block_id, element = find_element(BLOCKS, "skip")
    assert block_id == "actions" and action_value(element, "acme") == {
        "type": "button",
        "value": "acme",
    }
    with pytest.raises(ValueError):
        find_element(BLOCKS, "skip", block_id="rating")


def test_with_ids_fills_block_and_action_ids_without_touching_given_ones() -> None:
    content = {"blocks": [section("x", accessory=button("Go", "go")), actions({"type": "button"})]}
    filled = with_ids(content, Ids())
    assert filled["blocks"][0]["block_id"] and filled["blocks"][1]["block_id"] == "actions"
    assert filled["blocks"][0]["accessory"]["action_id"] == "go"
    assert filled["blocks"][1]["elements"][0]["action_id"]
    assert "block_id" not in content["blocks"][0]  # a copy, not the caller's dict
