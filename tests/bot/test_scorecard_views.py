"""Block Kit of scorecards, digests, alerts and App Home scores: valid and within limits."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.models.blocks import Block

from bot.root import wire
from bot.views.scorecard import (
    CARDS_SHOWN,
    ScorecardAction,
    home_scores_blocks,
)
from engagement.scoring.digest import HEAD_ACCOUNTS, PART_ACCOUNTS
from engagement.scoring.messages import (
    AccountSummary,
    AlertCondition,
    Digest,
    DigestContinuation,
    Highlight,
    HomeScore,
    Indicator,
    IndicatorAlert,
    KpiBrief,
    KpiItem,
    ScorecardCard,
    ScorecardCards,
    StatusCounts,
)
from engagement.scoring.scorecard import Status, Trend

render = wire().slack.renderers.render
"""How each message looks, by the renderers the features registered."""

LONG = "Very Long Account Name & <Partners> " * 6  # 216 characters, with mrkdwn specials


def summary(n: int, *, attention: bool = False, kpis: int = 7) -> AccountSummary:
    return AccountSummary(
        account_id=n,
        name=f"{LONG[:180]} {n}",
        score=40 + n % 60,
        status=Status.RED if attention else Status.GREEN,
        trend=Trend.DOWN if attention else Trend.UP,
        kpis=[
            KpiBrief(label=f"KPI number {k} with a long label", status=Status.AMBER, trend=Trend.UP)
            for k in range(kpis)
        ],
        response_rate=75.0,
        open_escalations=n % 3,
        advocacy_actions=1,
        attention=["overall red", "red: Joint revenue growth", "score falling (88 → 70)"]
        if attention
        else [],
    )


def kpi_item(k: int) -> KpiItem:
    missing = k == 0
    return KpiItem(
        key=f"k{k}", label=f"KPI {k} with a long, descriptive label", unit="%", target=95,
        red_below=90, red_above=None, actual=None if missing else 88.0, before=80.0,
        status=None if missing else Status.RED, trend=Trend.UP, weight=10,
        weighted=None if missing else 3.3,
    )  # fmt: skip


def card(n: int) -> ScorecardCard:
    return ScorecardCard(
        summary=summary(n, attention=True),
        iso_week="2026-W48",
        kpis=[kpi_item(k) for k in range(60)],
        indicators=[Indicator(label="Stakeholder engagement", sponsor=4.0, sam=2.5, combined=3.25)],
        renormalised=True,
        checkin_regularity=50.0,
        hours_to_acknowledge=26.0,
    )


def check(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Slack's own model accepts every block, and the limits hold."""
    blocks = payload["blocks"]
    assert payload["text"]
    assert 1 <= len(blocks) <= 50
    ids = [block["block_id"] for block in blocks if "block_id" in block]
    assert len(ids) == len(set(ids))
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None
        parsed.validate_json()
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= 3000
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        for field in block.get("fields", []):
            assert len(field["text"]) <= 2000
    return blocks


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = [block["accessory"] for block in blocks if "accessory" in block]
    for block in blocks:
        found += [e for e in block.get("elements", []) if e.get("type") == "button"]
    return found


def test_card_is_valid_and_says_weights_were_renormalised() -> None:
    blocks = check(render(ScorecardCards(cards=[card(7)])))
    text = str(blocks)
    assert "left out of the overall, the other weights re-normalised to 100" in text
    assert "…and" in text  # 60 KPI lines do not fit one section: cut visibly
    assert blocks[0]["text"]["text"].startswith("Very Long Account Name & <Partners>")  # plain


def test_many_cards_are_cut_visibly() -> None:
    blocks = check(render(ScorecardCards(cards=[card(n) for n in range(12)])))
    assert sum(1 for b in blocks if b["type"] == "header") == CARDS_SHOWN
    assert "…and 7 more" in str(blocks[-1])


def test_no_cards_say_why() -> None:
    payload = render(ScorecardCards(cards=[], empty_reason="You are not on any account yet."))
    assert check(payload) and payload["text"] == "You are not on any account yet."


@pytest.mark.parametrize("attention", [0, 10, HEAD_ACCOUNTS])
def test_digest_head_fits_one_message(attention: int) -> None:
    accounts = [summary(n, attention=n < attention) for n in range(HEAD_ACCOUNTS)]
    digest = Digest(
        channel="#sponsor-digest", iso_week="2026-W48", preview=False, total_accounts=500,
        totals=StatusCounts(green=400, amber=50, red=40, no_data=10), attention_total=90,
        attention=accounts[:attention], others=accounts[attention:],
        highlights=[Highlight(account=LONG, who="<@U0SPN0001>", text="x" * 280)] * 5, parts=11,
    )  # fmt: skip
    blocks = check(render(digest))
    details = buttons(blocks)
    assert len(details) == HEAD_ACCOUNTS
    assert {b["action_id"] for b in details} == {ScorecardAction.DETAILS}
    assert sorted(int(b["value"]) for b in details) == list(range(HEAD_ACCOUNTS))
    assert "Continued in the thread: 460 more accounts in 10 more messages" in str(blocks)
    sections = " ".join(b["text"]["text"] for b in blocks if b["type"] == "section")
    assert "&lt;Partners&gt;" in sections and "<Partners>" not in sections  # mrkdwn escaped


def test_continuation_fits_one_message() -> None:
    accounts = [summary(n, attention=n < 5) for n in range(PART_ACCOUNTS)]
    message = DigestContinuation(channel="#d", iso_week="2026-W48", part=2, parts=3,
                                 attention=accounts[:5], others=accounts[5:])  # fmt: skip
    blocks = check(render(message))
    assert len(buttons(blocks)) == PART_ACCOUNTS
    assert "part 2 of 3" in str(blocks[0])


def test_alert_says_what_changed_and_what_to_do() -> None:
    alert = IndicatorAlert(
        account_id=3, account_name="Globex", condition=AlertCondition.KPI_RED,
        iso_week="2026-W48", title="Joint revenue growth turned red", before="4.5%",
        after="1%", detail="Target 5%, red below 4%.", what_to_do="Agree a recovery plan.",
        sam_user_id="U0SAM0002",
    )  # fmt: skip
    blocks = check(render(alert))
    text = str(blocks)
    assert "4.5%" in text and "1%" in text and "Agree a recovery plan." in text
    assert buttons(blocks)[0]["value"] == "3"
    direct = check(render(alert.model_copy(update={"direct": True})))
    assert "You get this as the SAM of Globex" in str(direct)


def test_home_scores_are_capped() -> None:
    scores = [
        HomeScore(account_id=n, name=f"Account {n}", score=80, status=Status.AMBER,
                  trend=Trend.FLAT, red_kpis=["Milestones"] if n % 2 else [])
        for n in range(30)
    ]  # fmt: skip
    blocks = home_scores_blocks(scores)
    check({"text": "home", "blocks": blocks})
    assert len(blocks) <= 23
    assert "…and 10 more" in str(blocks)
    assert home_scores_blocks([])[1]["text"]["text"] == "_No accounts yet._"
