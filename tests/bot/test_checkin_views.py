"""Check-in Block Kit: structure, Slack's limits, role wording, and the modal round trip."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.root import wire
from bot.views.checkins.common import ActionId
from bot.views.checkins.home import home_view
from bot.views.checkins.messages import summary_text
from bot.views.checkins.modal import (
    CALLBACK_ID,
    FIELD_ACTION,
    BlockId,
    Metadata,
    answer_modal,
    form_input,
    modal_errors,
)
from bot.views.phases import ANSWERED
from engagement.checkins.answers import CheckinForm
from engagement.checkins.form import AnswerForm
from engagement.checkins.home import Home, HomeAccount
from engagement.checkins.messages import (
    AnswerSummary,
    CheckinItem,
    CheckinNudge,
    CheckinPrompt,
    ItemStatus,
    Rating,
)
from engagement.errors import FormInvalid
from engagement.indicators import RATED
from engagement.models import Phase, Role
from tests.bot.blockkit import check

render = wire().slack.renderers.render
"""How each message looks, by the renderers the features registered."""

AT = datetime(2026, 11, 23, 14, tzinfo=UTC)
CLOSED = datetime(2026, 11, 24, 9, tzinfo=UTC)  # Tue 24 Nov
ANSWER = AnswerForm.parse({
    "stakeholder_engagement": 4, "strategic_alignment": 3, "internal_advocacy": 5,
    "regular_checkins": 4, "role_balance": 2, "role_direction": "took_over",
    "alignment_meeting_held": "yes", "stakeholders_met": 3, "advocacy": "Two architects",
    "note": "",
})  # fmt: skip
SUMMARY = AnswerSummary(
    revision=2,
    ratings=tuple(Rating(key=k, label=v, value=3) for k, v in RATED.items()),
    role_direction="balanced",
    alignment_meeting_held=True,
    stakeholders_met=2,
    advocacy="<@U0EVIL> & friends " + "x" * 4000,
    note="short",
    submitted_at=AT,
)


def item(number: int, status: ItemStatus = ItemStatus.PENDING, name: str = "") -> CheckinItem:
    return CheckinItem(
        checkin_id=number,
        account_name=name or f"Account {number}",
        role=Role.SAM if number % 2 else Role.SPONSOR,
        period_start=date(2026, 11, 23),
        status=status,
        answer=SUMMARY if status is ItemStatus.ANSWERED else None,
        remind_at=AT if status is ItemStatus.POSTPONED else None,
        expires_at=AT,
        closed_at=CLOSED if status in (ItemStatus.ANSWERED, ItemStatus.EXPIRED) else None,
    )


def prompt(*items: CheckinItem) -> CheckinPrompt:
    return CheckinPrompt(user_id="U1", recipient_name="Ada", day=date(2026, 11, 23), items=items)


def actions(blocks: list[dict[str, Any]]) -> list[tuple[str, str]]:
    found = []
    for raw in blocks:
        for element in [raw.get("accessory") or {}, *raw.get("elements", [])]:
            if element.get("type") == "button":
                found.append((element["action_id"], element["value"]))
    return found


def test_the_dm_has_answer_skip_and_remind_per_account() -> None:
    payload = render(prompt(item(7, name="Acme Corp"), item(8, name="Globex")))
    check(payload)
    assert payload["text"] == "Sponsor check-in: Acme Corp, Globex"
    assert actions(payload["blocks"]) == [
        (ActionId.ANSWER, "7"), (ActionId.SKIP, "7"), (ActionId.REMIND, "7"),
        (ActionId.ANSWER, "8"), (ActionId.SKIP, "8"), (ActionId.REMIND, "8"),
    ]  # fmt: skip
    text = json.dumps(payload)
    assert "rate the sponsor's engagement" in text and "rate your own engagement" in text


def test_each_state_of_an_item() -> None:
    payload = render(
        prompt(
            item(1, ItemStatus.ANSWERED),
            item(2, ItemStatus.SKIPPED),
            item(3, ItemStatus.POSTPONED),
            item(4, ItemStatus.EXPIRED),
        )
    )
    blocks = check(payload)
    assert actions(blocks) == [
        (ActionId.EDIT, "1"), (ActionId.ANSWER, "2"), (ActionId.ANSWER, "3"),
    ]  # fmt: skip
    texts = [b["text"]["text"] for b in blocks[1:]]
    assert "Recorded, edited (revision 2)" in texts[0]
    assert "&lt;@U0EVIL&gt; &amp; friends" in texts[0] and "<@U0EVIL>" not in texts[0]
    assert "not counted as missed" in texts[1]
    assert "I'll remind you <!date^" in texts[2]
    assert "counts as missed" in texts[3]


def test_a_dm_with_many_accounts_stays_within_fifty_blocks() -> None:
    long_name = "A" * 300
    payload = render(prompt(*(item(n, name=f"{long_name}{n}") for n in range(40))))
    blocks = check(payload)
    assert blocks[-1]["type"] == "context"
    assert "…and 16 more" in blocks[-1]["elements"][0]["text"]
    assert len(payload["text"]) <= 3000


def test_the_nudge() -> None:
    payload = render(CheckinNudge(user_id="U1", recipient_name="Ada", items=(item(5),)))
    check(payload)
    assert (ActionId.ANSWER, "5") in actions(payload["blocks"])
    assert "Reminder" in payload["text"]


def test_a_reminder_keeps_buttons_only_for_what_is_still_open() -> None:
    states = (ItemStatus.ANSWERED, ItemStatus.SKIPPED, ItemStatus.POSTPONED, ItemStatus.EXPIRED)
    items = tuple(item(n, status) for n, status in enumerate(states, start=1))
    payload = render(CheckinNudge(user_id="U1", recipient_name="Ada", items=(*items, item(9))))
    blocks = check(payload)
    assert actions(blocks) == [(ActionId.ANSWER, "9"), (ActionId.SKIP, "9"), (ActionId.REMIND, "9")]
    settled = render(CheckinNudge(user_id="U1", recipient_name="Ada", items=items))
    blocks = check(settled)
    assert actions(blocks) == [] and [b["type"] for b in blocks] == ["section"] * 4
    texts = [b["text"]["text"] for b in blocks]
    token = f"<!date^{int(CLOSED.timestamp())}^{{date_short}}|Tue 24 Nov>"
    assert texts[0] == f":white_check_mark: *Account 1* — Answered on {token} — thank you."
    assert texts[1] == ":next_track_button: *Account 2* — Skipped."
    assert texts[2].startswith(":alarm_clock: *Account 3* — Postponed: it comes back <!date^")
    assert texts[3] == f":hourglass: *Account 4* — This check-in closed on {token}, unanswered."
    names = "Account 1, Account 2, Account 3, Account 4"
    assert settled["text"] == f"Reminder: check-in settled for {names}"


def form(role: Role, latest: AnswerForm | None = None, phase: Phase | None = None) -> CheckinForm:
    return CheckinForm(
        checkin_id=42,
        account_name="Acme Corp",
        role=role,
        sponsor_names=("Dana Whitfield",),
        period_start=date(2026, 11, 23),
        revision=1 if latest else 0,
        latest=latest,
        phase=phase,
    )


def labels(modal: dict[str, Any]) -> dict[str, str]:
    return {b["block_id"]: b["label"]["text"] for b in modal["blocks"] if b["type"] == "input"}


@pytest.mark.parametrize(
    ("phase", "label"),
    [
        (Phase.PRE_RFP, "Pre-RFP phase: Is the business case still sound?"),
        (Phase.SELECTION, "Selection phase: Have the shortlist and cultural fit been reviewed?"),
        (Phase.IMPLEMENTATION, "Implementation phase: Are the governance charter and KPIs agreed?"),
        (
            Phase.STEADY_STATE,
            "Steady state phase: Was the steering committee held, and was new value found?",
        ),
    ],
)
def test_the_sponsor_is_asked_their_phase_question(phase: Phase, label: str) -> None:
    """Seed 002: each phase asks the sponsor one question, yes or no; an Edit shows the
    answer given, and the recorded summary says it."""
    modal = answer_modal(form(Role.SPONSOR, phase=phase))
    check(modal, "modal")
    block = next(b for b in modal["blocks"] if b.get("block_id") == BlockId.PHASE_CHECK)
    assert block["label"]["text"] == label and block["optional"] is True
    assert [o["value"] for o in block["element"]["options"]] == ["yes", "no"]
    edit = answer_modal(form(Role.SPONSOR, ANSWER.model_copy(update={"phase_check": False}), phase))
    again = next(b for b in edit["blocks"] if b.get("block_id") == BlockId.PHASE_CHECK)
    assert again["element"]["initial_option"]["value"] == "no"
    answer = SUMMARY.model_copy(update={"phase": phase.value, "phase_check": True})
    assert f"{ANSWERED[phase]}: yes" in summary_text(answer)


def test_the_modal_is_worded_for_each_role() -> None:
    sponsor, sam = answer_modal(form(Role.SPONSOR)), answer_modal(form(Role.SAM))
    assert labels(sponsor)[BlockId.ROLE_BALANCE] == (
        "How well did you support the SAM without taking over?"
    )
    assert labels(sam)[BlockId.ROLE_BALANCE] == (
        "How well did Dana Whitfield support you without taking over?"
    )
    assert labels(sam)[BlockId.ROLE_DIRECTION] == "Which way did Dana Whitfield lean?"
    assert set(labels(sam)) == {block.value for block in BlockId} - {BlockId.PHASE_CHECK}
    for modal in (sponsor, sam):
        check(modal, "modal")
        assert modal["callback_id"] == CALLBACK_ID
        assert Metadata.load(modal["private_metadata"]) == Metadata(checkin_id=42, revision=0)
        assert len(modal["title"]["text"]) <= 24
    ratings = next(b for b in sam["blocks"] if b["block_id"] == BlockId.STAKEHOLDER_ENGAGEMENT)
    options = [o["text"]["text"] for o in ratings["element"]["options"]]
    assert options[0].startswith("1 — ") and options[4].startswith("5 — ")
    assert options[1:4] == ["2", "3", "4"]
    direction = next(b for b in sam["blocks"] if b["block_id"] == BlockId.ROLE_DIRECTION)
    assert [o["text"]["text"] for o in direction["element"]["options"]] == [
        "Stepped back", "Balanced", "Took over",
    ]  # fmt: skip


def state_from(modal: dict[str, Any]) -> dict[str, Any]:
    """What Slack sends back for a modal submitted as shown (initial values kept)."""
    values: dict[str, Any] = {}
    for block in modal["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        if element["type"] == "radio_buttons":
            entry = {"type": "radio_buttons", "selected_option": element.get("initial_option")}
        else:
            entry = {"type": "plain_text_input", "value": element.get("initial_value")}
        values[block["block_id"]] = {FIELD_ACTION: entry}
    return values


def test_an_edit_is_prefilled_and_round_trips_to_the_same_answer() -> None:
    modal = answer_modal(form(Role.SAM, latest=ANSWER))
    check(modal, "modal")
    assert modal["submit"]["text"] == "Save edit"
    assert AnswerForm.parse(form_input(state_from(modal))) == ANSWER


def test_an_empty_submission_maps_errors_to_the_modal_blocks() -> None:
    modal = answer_modal(form(Role.SPONSOR))
    with pytest.raises(FormInvalid) as caught:
        AnswerForm.parse(form_input(state_from(modal)))
    errors = modal_errors(caught.value.field_errors)
    block_ids = {b["block_id"] for b in modal["blocks"] if b["type"] == "input"}
    assert set(errors) <= block_ids
    assert set(errors) == {*RATED, "role_direction", "alignment_meeting_held"}
    assert errors["role_balance"] == "Pick a rating from 1 to 5."


def test_app_home_within_limits_with_resume_and_pending() -> None:
    view = home_view(
        Home(
            user_id="U1",
            known=True,
            paused_until=date(2026, 12, 28),
            pending=tuple(item(n) for n in range(120)),
            accounts=tuple(
                HomeAccount(f"Account {n:03d} " + "y" * 60, (Role.SPONSOR,), AT if n % 2 else None)
                for n in range(400)
            ),
        )
    )
    check(view, "home")
    assert (ActionId.RESUME, "resume") in actions(view["blocks"])
    assert (ActionId.ANSWER, "0") in actions(view["blocks"])
    text = json.dumps(view)
    assert "more." in text and "My accounts" in text and "not answered yet" in text


def test_app_home_for_someone_with_no_accounts() -> None:
    view = home_view(Home(user_id="U9", known=False, paused_until=None, pending=(), accounts=()))
    check(view, "home")
    assert actions(view["blocks"]) == []
