"""The one Block Kit check: what it refuses, named where it is, as Slack's notes do."""

from __future__ import annotations

from blockkit.check import problems
from bot.views import kit


def test_a_message_needs_its_fallback_text_and_at_most_50_blocks() -> None:
    assert problems({"blocks": [kit.divider()]}, "message") == [
        "missing required field: text [json-pointer:]"
    ]
    assert problems({"text": "x" * 40_001}, "message") == [
        "must be less than 40001 characters [json-pointer:/text]"
    ]
    assert problems({"text": "t", "blocks": [kit.divider()] * 51}, "message") == [
        "no more than 50 items allowed [json-pointer:/blocks]"
    ]
    assert problems({"text": "t", "blocks": [kit.divider()] * 50}, "message") == []


def test_each_text_limit_is_named_where_it_is() -> None:
    raw = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}},
        {"type": "header", "text": {"type": "plain_text", "text": "x" * 151}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "x" * 3001}]},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "x" * 2001}]},
        {"type": "actions", "elements": [
            {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "x" * 76}},
        ]},
    ]  # fmt: skip
    assert problems({"text": "t", "blocks": raw}, "message") == [
        "must be less than 3001 characters [json-pointer:/blocks/0/text/text]",
        "must be less than 151 characters [json-pointer:/blocks/1/text/text]",
        "must be less than 3001 characters [json-pointer:/blocks/2/elements/0/text]",
        "must be less than 2001 characters [json-pointer:/blocks/3/fields/0/text]",
        "must be less than 76 characters [json-pointer:/blocks/4/elements/0/text/text]",
    ]


def test_block_ids_are_unique_within_a_payload() -> None:
    blocks = [kit.section("a", block_id="same"), kit.section("b", block_id="same")]
    assert problems({"text": "t", "blocks": blocks}, "message") == [
        "duplicate block_id [json-pointer:/blocks/1/block_id]"
    ]


def test_slack_sdks_models_check_the_rest() -> None:
    assert problems({"text": "t", "blocks": [{"type": "section"}]}, "message") == [
        "text or fields attribute must be specified [json-pointer:/blocks/0]"
    ]
    assert problems({"text": "t", "blocks": [{"type": "image"}]}, "message") == [
        "missing required field: alt_text [json-pointer:/blocks/0]"
    ]
    home = {"type": "home", "blocks": [], "submit": kit.plain("Go", kit.VIEW_TITLE)}
    assert problems(home, "home") == ["home view cannot have submit and close [json-pointer:/view]"]
    assert problems({"type": "home", "blocks": []}, "home") == []


def test_views() -> None:
    modal = {
        "type": "modal",
        "title": kit.plain("Check-in", kit.VIEW_TITLE),
        "blocks": [kit.section("hi")] * 100,
    }
    assert problems(modal, "modal") == []
    assert problems(modal, "home") == ["must be `home` for this method [json-pointer:/view/type]"]
    assert problems(modal | {"blocks": [kit.divider()] * 101}, "modal") == [
        "no more than 100 items allowed [json-pointer:/view/blocks]"
    ]
    assert problems(modal | {"title": {"type": "plain_text", "text": "x" * 25}}, "modal") == [
        "must be less than 25 characters [json-pointer:/view/title/text]"
    ]
    assert problems(modal | {"private_metadata": "x" * 3001}, "modal") == [
        "must be less than 3001 characters [json-pointer:/view/private_metadata]"
    ]
    note = kit.input_block("note", "Note", kit.text_input("note", multiline=True))
    assert problems(modal | {"blocks": [note]}, "modal") == [
        "must define `submit` to use an `input` block in modals [json-pointer:/view/blocks/0/input]"
    ]
