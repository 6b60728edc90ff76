"""Block Kit and text limits: each is refused just past Slack's limit and accepted at it."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slack_emulator import limits
from tests.slack_emulator.kit import (
    actions,
    button,
    header,
    input_block,
    modal,
    plain,
    section,
    select,
)


def message_error(**args: Any) -> tuple[str, list[str]] | None:
    problem = limits.check_message(args)
    return (problem.error, problem.messages) if problem else None


def test_a_plain_message_passes() -> None:
    assert message_error(text="hello", blocks=[section("hi"), {"type": "divider"}]) is None


def test_a_message_needs_text_blocks_or_attachments() -> None:
    assert message_error(channel="C1") == ("no_text", [])
    assert message_error(text="", blocks=[]) == ("no_text", [])


def test_text_over_40000_characters_is_too_long() -> None:
    assert message_error(text="x" * 40_000) is None
    assert message_error(text="x" * 40_001) == ("msg_too_long", [])


@pytest.mark.parametrize(
    ("blocks", "note"),
    [
        ([{"type": "divider"}] * 51, "no more than 50 items allowed [json-pointer:/blocks]"),
        (
            [section("x" * 3001)],
            "must be less than 3001 characters [json-pointer:/blocks/0/text/text]",
        ),
        (
            [header("x" * 151)],
            "must be less than 151 characters [json-pointer:/blocks/0/text/text]",
        ),
        (
            [actions(button("x" * 76))],
            "must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]",
        ),
        (
            [{**section("pick"), "accessory": select(101)}],
            "no more than 100 items allowed [json-pointer:/blocks/0/accessory/options]",
        ),
        (
            [{"text": {"type": "mrkdwn", "text": "no type"}}],
            "missing required field: type [json-pointer:/blocks/0]",
        ),
        ([{"type": "header"}], "missing required field: text [json-pointer:/blocks/0]"),
        (
            [{"type": "section"}],
            "text or fields attribute must be specified [json-pointer:/blocks/0]",
        ),
        (
            [{"type": "actions", "elements": [{"type": "button", "action_id": "a"}]}],
            "missing required field: text [json-pointer:/blocks/0/elements/0]",
        ),
        ([{"type": "image"}], "missing required field: alt_text [json-pointer:/blocks/0]"),
        ("not a list", "must provide an array [json-pointer:/blocks]"),
    ],
)
def test_each_block_limit_is_invalid_blocks(blocks: Any, note: str) -> None:
    assert message_error(text="t", blocks=blocks) == ("invalid_blocks", [note])


def test_blocks_at_the_limits_pass() -> None:
    blocks = [
        section("x" * 3000),
        header("x" * 150),
        actions(button("x" * 75)),
        {**section("pick"), "accessory": select(100)},
        *[{"type": "divider"}] * 46,
    ]
    assert len(blocks) == 50
    assert message_error(text="t", blocks=blocks) is None


def test_every_problem_of_a_message_is_reported() -> None:
    error = message_error(text="t", blocks=[section("x" * 3001), header("x" * 151)])
    assert error is not None and len(error[1]) == 2


@given(st.integers(min_value=0, max_value=6000))
def test_section_text_limit_is_exactly_3000(length: int) -> None:
    refused = message_error(text="t", blocks=[section("x" * max(length, 1))]) is not None
    assert refused == (length > 3000)


def test_invalid_blocks_answer_has_slack_shape() -> None:
    problem = limits.check_message({"text": "t", "blocks": [{"type": "divider"}] * 51})
    assert problem is not None
    assert problem.body() == {
        "ok": False,
        "error": "invalid_blocks",
        "errors": ["no more than 50 items allowed [json-pointer:/blocks]"],
        "response_metadata": {
            "messages": ["[ERROR] no more than 50 items allowed [json-pointer:/blocks]"]
        },
    }


def view_notes(view: Any, kind: str = "modal") -> list[str]:
    problem = limits.check_view(view, kind)  # type: ignore[arg-type]
    assert problem is None or problem.error == "invalid_arguments"
    return problem.messages if problem else []


def test_a_modal_and_a_home_view_pass() -> None:
    assert view_notes(modal(blocks=[section("hi")] * 100)) == []
    assert view_notes({"type": "home", "blocks": [section("hi")]}, "home") == []


def test_views_hold_at_most_100_blocks() -> None:
    assert view_notes(modal(blocks=[{"type": "divider"}] * 101)) == [
        "no more than 100 items allowed [json-pointer:/view/blocks]"
    ]
    assert view_notes({"type": "home", "blocks": [{"type": "divider"}] * 101}, "home") == [
        "no more than 100 items allowed [json-pointer:/view/blocks]"
    ]


@pytest.mark.parametrize("field", ["title", "submit", "close"])
def test_modal_title_and_buttons_hold_24_characters(field: str) -> None:
    ok = modal(**{field: plain("x" * 24)})
    long = modal(**{field: plain("x" * 25)})
    assert view_notes(ok) == []
    assert view_notes(long) == [
        f"must be less than 25 characters [json-pointer:/view/{field}/text]"
    ]


def test_modal_rules() -> None:
    assert view_notes("nope") == ["must provide an object [json-pointer:/view]"]
    assert view_notes({"blocks": []}) == ["missing required field: type [json-pointer:/view]"]
    assert view_notes({"type": "modal", "blocks": []}) == [
        "missing required field: title [json-pointer:/view]"
    ]
    assert view_notes(modal(), "home") == [
        "must be `home` for this method [json-pointer:/view/type]"
    ]
    assert view_notes(modal(private_metadata="x" * 3001)) == [
        "must be less than 3001 characters [json-pointer:/view/private_metadata]"
    ]
    text_input = input_block("note", {"type": "plain_text_input", "action_id": "note"})
    without_submit = modal(text_input)
    del without_submit["submit"]
    assert view_notes(without_submit) == [
        "must define `submit` to use an `input` block in modals [json-pointer:/view/blocks/0/input]"
    ]
    assert view_notes(modal(blocks=[section("x" * 3001)])) == [
        "must be less than 3001 characters [json-pointer:/view/blocks/0/text/text]"
    ]
