"""The presentation kit: Slack's limits as slack_sdk knows them, and the primitives keep them."""

from __future__ import annotations

from datetime import UTC, datetime

from slack_sdk.models.blocks import (
    ButtonElement,
    ConfirmObject,
    HeaderBlock,
    InputBlock,
    InputInteractiveElement,
    Option,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.views import kit
from engagement.errors import Line, NotFound
from tests.bot.blockkit import check


def test_the_limits_are_slacks_own() -> None:
    assert SectionBlock.text_max_length == kit.SECTION_TEXT
    assert SectionBlock.fields_max_length == kit.SECTION_FIELDS
    assert HeaderBlock.text_max_length == kit.HEADER_TEXT
    assert ButtonElement.text_max_length == kit.BUTTON_TEXT
    assert Option.label_max_length == kit.OPTION_TEXT
    assert StaticSelectElement.options_max_length == kit.SELECT_OPTIONS
    assert kit.LABEL_TEXT == InputBlock.label_max_length == InputBlock.hint_max_length
    assert InputInteractiveElement.placeholder_max_length == kit.PLACEHOLDER_TEXT
    assert kit.VIEW_TITLE == View.title_max_length == View.submit_max_length
    assert View.blocks_max_length == kit.VIEW_BLOCKS
    assert View.private_metadata_max_length == kit.PRIVATE_METADATA
    assert ConfirmObject.title_max_length == kit.CONFIRM_TITLE
    assert ConfirmObject.text_max_length == kit.CONFIRM_TEXT
    assert kit.CONFIRM_BUTTON == ConfirmObject.confirm_max_length == ConfirmObject.deny_max_length


def test_clipping_is_visible_and_leaves_no_blank_before_the_ellipsis() -> None:
    assert kit.clip("short", 10) == "short"
    assert kit.clip("x" * 11, 10) == "x" * 9 + "…"
    assert kit.clip("word " * 3, 10) == "word word…"


def test_clipping_escaped_text_never_breaks_an_entity() -> None:
    clipped = kit.clip_escaped("&" * 500, 100)
    assert len(clipped) <= 100 and clipped.endswith("…")
    assert clipped[:-1] == "&amp;" * (len(clipped[:-1]) // 5)
    assert kit.clip_escaped("short & sweet", 100) == "short &amp; sweet"


def test_escaping_round_trips() -> None:
    typed = "<!channel> & <https://evil.example|click>"
    assert kit.escape(typed) == "&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;"
    assert kit.unescape(kit.escape(typed)) == typed


def test_a_domain_line_is_said_with_what_it_quotes_escaped() -> None:
    line = Line("No account named '{name}'. Try `/sponsor status <account>`.", name="A & <B>")
    assert str(line) == "No account named 'A & <B>'. Try `/sponsor status <account>`."
    assert kit.said(line) == (
        "No account named 'A &amp; &lt;B&gt;'. Try `/sponsor status <account>`."
    )
    assert kit.said(NotFound(line).line) == kit.said(line)
    assert kit.said("Nothing quoted <here>.") == "Nothing quoted <here>."
    assert kit.said(Line("Braces {kept} as written.")) == "Braces {kept} as written."


def test_people_and_times() -> None:
    assert kit.mention("U0SAM0001", "Sam") == "<@U0SAM0001>"
    assert kit.mention(None, "Sam <ops>") == "Sam &lt;ops&gt;"
    at = datetime(2026, 11, 23, 14, 5, tzinfo=UTC)
    assert kit.date_token(at) == (
        f"<!date^{int(at.timestamp())}^{{date_short_pretty}} at {{time}}|Mon 23 Nov 14:05 UTC>"
    )
    assert kit.date_token(at, style="{date_short_pretty}", fallback="%Y-%m-%d").endswith(
        "^{date_short_pretty}|2026-11-23>"
    )


def test_the_primitives_keep_the_limits() -> None:
    long = "x" * 5000
    blocks = [
        kit.header(long, block_id="h"),
        kit.section(long, accessory=kit.button(long, "go", "1", style="primary")),
        kit.fields(*[long] * 12),
        kit.context(long),
        kit.divider(),
        kit.actions(
            kit.button(
                long, "cancel", "2", confirm=kit.confirmation(long, long, yes=long, no=long)
            ),
            {
                "type": "static_select",
                "action_id": "pick",
                "options": [kit.option(long, str(n)) for n in range(3)],
            },
        ),
    ]
    check({"text": "t", "blocks": blocks})
    modal = {
        "type": "modal",
        "title": kit.plain(long, kit.VIEW_TITLE),
        "submit": kit.plain(long, kit.VIEW_TITLE),
        "blocks": [
            kit.input_block(
                "note",
                long,
                kit.text_input("note", multiline=True, initial=long, placeholder=long),
                hint=long,
            )
        ],
    }
    check(modal, "modal")


def test_fit_keeps_whole_parts_and_says_how_many_were_left_out() -> None:
    head = [kit.section("head")]
    parts = [[kit.section(f"{n}"), kit.divider()] for n in range(10)]
    fitted = kit.fit(head, parts, 8, "…and {n} more.")
    assert len(fitted) <= 8
    assert fitted[-1] == kit.context("…and 7 more.")
    assert kit.fit(head, parts[:3], 7) == [*head, *[b for part in parts[:3] for b in part]]
    one_by_one = kit.fit([], [[kit.divider()]] * 101, kit.VIEW_BLOCKS)
    assert len(one_by_one) == 100 and one_by_one[-1] == kit.context("…and 2 more")
