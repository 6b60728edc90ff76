"""The handover brief, the rotation's modals and DMs, and the card's sponsors at their
longest stay within Slack's limits, one readable message, cut visibly."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.views.rotation.brief import brief_message, local_time, sparkline
from bot.views.rotation.forms import (
    NoteMetadata,
    note_added_message,
    note_modal,
    note_request_message,
    rotate_modal,
)
from bot.views.scorecard.cards import render_cards
from engagement.escalations.cards import Who
from engagement.escalations.listing import Listed
from engagement.indicators import RATED
from engagement.models import Role
from engagement.rotation.brief import (
    HandoverBrief,
    HandoverNoteAdded,
    HandoverNoteRequest,
    Highlight,
    Side,
)
from engagement.rotation.service import NOTE_LIMIT, RotationForm, SponsorChoice
from engagement.scoring.messages import ScorecardCards, SponsorTerm
from tests.bot import test_escalation_views, test_risk_and_review_views, test_scorecard_views
from tests.bot.blockkit import check

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
LONG = "Very Long Name & <Partners> " * 8
OUTGOING = Who(user_id="U0SPN0001", name="Outgoing")
INCOMING = Who(user_id="U0NEW0001", name="Incoming")


def longest_brief(note: str = "") -> HandoverBrief:
    listed = Listed(
        escalation=test_escalation_views.card(summary="s&" * 1000, account_name=LONG),
        age=timedelta(days=3),
        overdue=True,
    )
    return HandoverBrief(
        account=LONG,
        incoming=INCOMING,
        outgoing=OUTGOING,
        sams=[Who(user_id=f"U0SAM{n:04d}", name=LONG) for n in range(20)],
        rotated_on=NOW.date(),
        card=test_scorecard_views.card(3),
        trend=[None, *range(0, 101, 10)],
        escalations=[listed] * 30,
        risks=[test_risk_and_review_views.line(n) for n in range(1, 30)],
        sides=[
            Side(
                role=role,
                settled=8,
                answered=7,
                means=dict.fromkeys(RATED.values(), 3.5),
                meetings_held=5,
            )
            for role in (Role.SPONSOR, Role.SAM)
        ],
        highlights=[Highlight(text="<!here> & " * 300, by=OUTGOING, on=NOW.date())] * 3,
        next_checkin=NOW + timedelta(days=7),
        timezone="Asia/Kolkata",
        note=note,
    )


def test_the_longest_brief_is_one_valid_message_with_everything_cut_visibly() -> None:
    blocks = check(brief_message(longest_brief(note="<b>&</b> " * (NOTE_LIMIT // 9))))
    assert len(blocks) <= 20
    text = str(blocks)
    assert "…and 26 more: `/sponsor escalations Very Long Name &amp; &lt;Partners&gt;" in text
    assert "…and 28 more: `/sponsor risks Very Long Name" in text
    assert "*12-week trend* `·▁▁▂▃▄▄▅▆▇██` 0 → 100 (oldest week first)" in text
    assert "<!here>" not in text and "&lt;b&gt;&amp;&lt;/b&gt;" in text
    assert blocks[-1]["text"]["text"].startswith("*Handover note from <@U0SPN0001>*\n")


def test_the_brief_shows_the_next_check_in_on_the_incoming_sponsors_clock() -> None:
    payload = brief_message(longest_brief())
    intro = payload["blocks"][1]["text"]["text"]
    assert "Your next check-in: *Mon 30 Nov 2026 at 17:30* your time (Asia/Kolkata)." in intro
    assert payload["blocks"][-1]["type"] == "context"  # the note is still to come
    assert local_time(datetime(2026, 3, 29, 8, tzinfo=UTC), "Europe/Berlin") == (
        "Sun 29 Mar 2026 at 10:00"  # summer time from that morning
    )


def test_the_trend_is_one_character_a_week_low_to_high() -> None:
    assert sparkline([None, 0, 50, 100]) == "·▁▄█"


def test_the_modals_and_dms_pass_the_checks() -> None:
    form = RotationForm(1, LONG, [SponsorChoice(n, LONG) for n in range(1, 150)])
    modal = rotate_modal(form)
    check(modal, "modal")
    assert len(modal["blocks"][1]["element"]["options"]) == 100
    check(note_modal(LONG, NoteMetadata(rotation_id=7, channel="D1", ts="1.2")), "modal")
    check(note_request_message(HandoverNoteRequest(rotation_id=7, account=LONG, incoming=INCOMING)))
    check(note_added_message(HandoverNoteAdded(account=LONG, incoming=INCOMING)))


def test_the_card_lists_sponsors_over_time_and_offers_rotation_to_admins() -> None:
    terms = [
        SponsorTerm(user_id=None, name=LONG, started=date(2020, 1, 1), ended=date(2021, 1, 1))
    ] * 60 + [SponsorTerm(user_id="U0NEW0001", name="New", started=date(2026, 11, 23), ended=None)]
    cards = [
        test_scorecard_views.card(n).model_copy(update={"sponsors": terms, "can_rotate": True})
        for n in range(5)
    ]
    blocks = check(render_cards(ScorecardCards(cards=cards)))
    [sponsors, *_] = [b for b in blocks if b.get("block_id", "").startswith("scorecard_spo")]
    assert sponsors["text"]["text"].startswith("*Sponsors over time*\n<@U0NEW0001> since Mon")
    assert "earlier" in sponsors["text"]["text"]
    assert sponsors["accessory"]["action_id"] == "rotation_open"
    plain = test_scorecard_views.card(1)  # a member's card, no sponsors known: no section
    assert "scorecard_spo" not in str(render_cards(ScorecardCards(cards=[plain])))
