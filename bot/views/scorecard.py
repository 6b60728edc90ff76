"""Block Kit for scorecards, the weekly digest, indicator alerts and App Home scores.

Pure functions of the plain-data messages in `engagement.scoring.messages`. Every
message stays within Slack's limits (50 blocks, 3,000 characters a section, 150 a
header); long content is cut visibly ("…and 12 more"), never rejected.
"""

from __future__ import annotations

import enum
from typing import Any

from bot.render import Payload
from bot.views.blocks import clip
from engagement.mrkdwn import escape
from engagement.scoring.messages import (
    AccountSummary,
    Digest,
    DigestContinuation,
    HomeScore,
    IndicatorAlert,
    KpiItem,
    ScorecardCard,
    ScorecardCards,
    StatusCounts,
)
from engagement.scoring.scorecard import Status, Trend, format_value

MAX_BLOCKS = 50
SECTION_CHARS = 3000
HEADER_CHARS = 150
CARDS_SHOWN = 5
HOME_ACCOUNTS = 20

Block = dict[str, Any]


class ScorecardAction(enum.StrEnum):
    """Actions the Slack listeners handle; the value of DETAILS is the account ID."""

    DETAILS = "scorecard_details"


class ScorecardBlock(enum.StrEnum):
    """Block ID prefixes; blocks about one account end in `:<account id>`."""

    DIGEST_ACCOUNT = "digest_account"
    CARD = "scorecard_card"
    ALERT = "indicator_alert"
    HOME_SCORE = "home_score"


DOT = {
    Status.GREEN: ":large_green_circle:",
    Status.AMBER: ":large_yellow_circle:",
    Status.RED: ":red_circle:",
    None: ":white_circle:",
}
LEGEND = (
    ":large_green_circle: green  :large_yellow_circle: amber  :red_circle: red  "
    ":white_circle: no data  ·  ▲ better  ▼ worse  ▬ steady (vs 4 weeks earlier)"
)


def mrkdwn(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, SECTION_CHARS)}}


def header(text: str) -> Block:
    return {
        "type": "header",
        "text": {"type": "plain_text", "text": clip(text, HEADER_CHARS), "emoji": True},
    }


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, 3000)}]}


def details_button(account_id: int) -> Block:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": "Details", "emoji": False},
        "action_id": ScorecardAction.DETAILS,
        "value": str(account_id),
    }


def status_word(status: Status | None) -> str:
    return f"{DOT[status]} {status.value if status else 'no data'}"


def score_text(score: int | None, status: Status | None, trend: Trend) -> str:
    value = "–" if score is None else str(score)
    return f"{DOT[status]} *{value}* {trend.value}".rstrip()


def lines_within(lines: list[str], limit: int = SECTION_CHARS, what: str = "more") -> str:
    """Join lines, ending with "…and N more" when they would not all fit in `limit`."""
    kept: list[str] = []
    size = 0
    for index, line in enumerate(lines):
        left = len(lines) - index
        tail = f"…and {left} {what}"
        reserve = 0 if left == 1 else len(tail) + 20
        if size + len(line) + 1 + reserve > limit:
            kept.append(tail)
            break
        kept.append(line)
        size += len(line) + 1
    return clip("\n".join(kept), limit)


# --- the card (`/sponsor status`, Details) -------------------------------------------------


def _kpi_line(kpi: KpiItem) -> str:
    target = format_value(kpi.target, kpi.unit)
    return (
        f"{DOT[kpi.status]} *{escape(kpi.label)}*  {format_value(kpi.actual, kpi.unit)} "
        f"(target {target}) {kpi.trend.value}".rstrip()
    )


def _percent(value: float | None) -> str:
    return "no data" if value is None else f"{value:.0f}%"


def card_blocks(card: ScorecardCard) -> list[Block]:
    """One account's scorecard: at most 7 blocks."""
    summary = card.summary
    blocks: list[Block] = [
        header(f"{summary.name} — {summary.score if summary.score is not None else 'no data'}"),
        mrkdwn(
            f"Overall {score_text(summary.score, summary.status, summary.trend)} "
            f"({status_word(summary.status)}) · week {card.iso_week}"
            + (f"\n:warning: {escape('; '.join(summary.attention))}" if summary.attention else "")
        ),
    ]
    blocks[-1]["block_id"] = f"{ScorecardBlock.CARD}:{summary.account_id}"
    if card.kpis:
        blocks.append(mrkdwn(lines_within([_kpi_line(kpi) for kpi in card.kpis], what="KPIs")))
    else:
        blocks.append(mrkdwn("_No KPIs in the portfolio's scorecard yet._"))
    hours = card.hours_to_acknowledge
    blocks.append(
        context(
            f"Check-in response rate {_percent(summary.response_rate)} · alignment meetings "
            f"{_percent(card.checkin_regularity)} · open escalations {summary.open_escalations}"
            + (f" · median {hours:.0f} h to acknowledge" if hours is not None else "")
            + f" · advocacy actions {summary.advocacy_actions} (4 weeks)"
        )
    )
    rows = [
        f"{escape(item.label)}: sponsor {format_value(item.sponsor)} · "
        f"SAM {format_value(item.sam)} · together {format_value(item.combined)}"
        for item in card.indicators
    ]
    blocks.append(mrkdwn("*Leading indicators (1–5, 4-week means)*\n" + "\n".join(rows)))
    notes = [LEGEND]
    missing = [kpi.label for kpi in card.kpis if kpi.actual is None]
    if card.renormalised and missing:
        notes.insert(
            0,
            f"No data yet for {escape(', '.join(missing))}: left out of the overall, "
            "the other weights re-normalised to 100.",
        )
    blocks.append(context("\n".join(notes)))
    return blocks


def render_cards(message: ScorecardCards) -> Payload:
    if not message.cards:
        text = message.empty_reason or "No scorecards to show."
        return {"text": text, "blocks": [mrkdwn(escape(text))]}
    blocks: list[Block] = []
    shown = message.cards[:CARDS_SHOWN]
    for index, card in enumerate(shown):
        if index:
            blocks.append({"type": "divider"})
        blocks.extend(card_blocks(card))
    hidden = message.cards[CARDS_SHOWN:]
    if hidden:
        names = ", ".join(card.summary.name for card in hidden)
        blocks.append(
            context(
                clip(
                    f"…and {len(hidden)} more: {escape(names)}. "
                    "Use `/sponsor status <account>` for one of them.",
                    3000,
                )
            )
        )
    first = message.cards[0].summary
    score = first.score if first.score is not None else "no data"
    text = f"Scorecard: {escape(first.name)} {score}"
    if len(message.cards) > 1:
        text = f"Scorecards for {len(message.cards)} accounts"
    return {"text": text, "blocks": blocks}


# --- the digest ----------------------------------------------------------------------------


def _kpis_brief(summary: AccountSummary) -> str:
    return " · ".join(
        f"{DOT[kpi.status]}{kpi.trend.value} {escape(kpi.label)}" for kpi in summary.kpis
    )


def account_section(summary: AccountSummary) -> Block:
    """One account in one section block, with a Details button opening its card."""
    parts = [
        f"*{escape(summary.name)}*  {score_text(summary.score, summary.status, summary.trend)}",
    ]
    if summary.kpis:
        parts.append(_kpis_brief(summary))
    escalations = summary.open_escalations
    parts.append(
        f"Response rate {_percent(summary.response_rate)} · "
        f"{escalations} open escalation{'s' if escalations != 1 else ''} · "
        f"{summary.advocacy_actions} advocacy action{'s' if summary.advocacy_actions != 1 else ''}"
    )
    if summary.attention:
        parts.append(f":warning: _{escape('; '.join(summary.attention))}_")
    block = mrkdwn("\n".join(parts))
    block["block_id"] = f"{ScorecardBlock.DIGEST_ACCOUNT}:{summary.account_id}"
    block["accessory"] = details_button(summary.account_id)
    return block


def _totals(totals: StatusCounts) -> str:
    return (
        f"{DOT[Status.RED]} {totals.red} red · {DOT[Status.AMBER]} {totals.amber} amber · "
        f"{DOT[Status.GREEN]} {totals.green} green"
        + (f" · {DOT[None]} {totals.no_data} without data" if totals.no_data else "")
    )


def _accounts(
    attention: list[AccountSummary], others: list[AccountSummary], *, more_attention: bool
) -> list[Block]:
    blocks: list[Block] = []
    if attention:
        title = "*Needs attention*" + (" (continued)" if more_attention else "")
        blocks.append(mrkdwn(title))
        blocks.extend(account_section(item) for item in attention)
    if others:
        blocks.append(mrkdwn("*The other accounts*"))
        blocks.extend(account_section(item) for item in others)
    return blocks


def render_digest(message: Digest) -> Payload:
    """The first message: totals, accounts needing attention, the rest, advocacy highlights."""
    title = ("Preview: " if message.preview else "") + f"Sponsor digest — week {message.iso_week}"
    blocks: list[Block] = [header(title)]
    need = message.attention_total
    blocks.append(
        mrkdwn(
            f"*{message.total_accounts} account{'s' if message.total_accounts != 1 else ''}* · "
            + _totals(message.totals)
            + (
                f"\n*{need} need{'s' if need == 1 else ''} attention* (listed first)"
                if need
                else "\nNo account needs attention this week."
            )
        )
    )
    blocks.extend(_accounts(message.attention, message.others, more_attention=False))
    if message.highlights:
        lines = [
            f"• *{escape(item.account)}* — {item.who}: {escape(item.text)}"
            for item in message.highlights
        ]
        blocks.append(mrkdwn("*Advocacy highlights*\n" + lines_within(lines, 2900, "more")))
    footer = [LEGEND]
    if message.parts > 1:
        footer.append(
            f":thread: Continued in the thread: {message.total_accounts - _count(message)} more "
            f"accounts in {message.parts - 1} more message{'s' if message.parts > 2 else ''}."
        )
    if not message.preview:
        footer.append(":chart_with_upwards_trend: The 12-week trend chart is in the thread.")
    blocks.append(context("\n".join(footer)))
    text = (
        f"Sponsor digest {message.iso_week}: {message.total_accounts} accounts, "
        f"{need} need attention"
    )
    return {"text": text, "blocks": blocks}


def _count(message: Digest | DigestContinuation) -> int:
    return len(message.attention) + len(message.others)


def render_continuation(message: DigestContinuation) -> Payload:
    blocks: list[Block] = [
        context(f"Sponsor digest — week {message.iso_week}, part {message.part} of {message.parts}")
    ]
    blocks.extend(_accounts(message.attention, message.others, more_attention=True))
    if message.part < message.parts:
        blocks.append(context(":arrow_down: Continued in the next message."))
    text = f"Sponsor digest {message.iso_week}, part {message.part} of {message.parts}"
    return {"text": text, "blocks": blocks}


# --- alerts --------------------------------------------------------------------------------

ICON = {
    "kpi_red": ":red_circle:",
    "indicator_falling": ":chart_with_downwards_trend:",
    "missed_checkins": ":hourglass:",
    "perception_gap": ":left_right_arrow:",
}


def render_alert(message: IndicatorAlert) -> Payload:
    """What changed, from what to what, and what to do; with the account's card a click away."""
    icon = ICON.get(str(message.condition), ":warning:")
    title = f"{icon} *{escape(message.title)}* — {escape(message.account_name)}"
    blocks: list[Block] = [
        mrkdwn(title),
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*Was*\n{escape(clip(message.before, 1900))}"},
                {"type": "mrkdwn", "text": f"*Now*\n{escape(clip(message.after, 1900))}"},
            ],
        },
        mrkdwn(message.detail),
        mrkdwn(f"*What to do:* {message.what_to_do}"),
        {
            "type": "actions",
            "block_id": f"{ScorecardBlock.ALERT}:{message.account_id}",
            "elements": [details_button(message.account_id)],
        },
    ]
    note = f"Week {message.iso_week} · one alert per condition per week"
    if message.direct:
        note = f"You get this as the SAM of {escape(message.account_name)}. " + note
    elif message.sam_user_id:
        note = f"SAM: <@{message.sam_user_id}> · " + note
    blocks.append(context(note))
    text = f"{message.account_name}: {message.title} ({message.before} → {message.after})"
    return {"text": escape(clip(text, 3000)), "blocks": blocks}


# --- App Home ------------------------------------------------------------------------------


def home_scores_blocks(scores: list[HomeScore]) -> list[Block]:
    """The "Latest scores" section of App Home: at most HOME_ACCOUNTS + 3 blocks."""
    blocks: list[Block] = [header("Latest scores")]
    if not scores:
        blocks.append(mrkdwn("_No accounts yet._"))
        return blocks
    for item in scores[:HOME_ACCOUNTS]:
        line = f"*{escape(item.name)}*  {score_text(item.score, item.status, item.trend)}"
        if item.red_kpis:
            line += f"\n{DOT[Status.RED]} {escape(', '.join(item.red_kpis))}"
        block = mrkdwn(line)
        block["block_id"] = f"{ScorecardBlock.HOME_SCORE}:{item.account_id}"
        block["accessory"] = details_button(item.account_id)
        blocks.append(block)
    if len(scores) > HOME_ACCOUNTS:
        blocks.append(
            context(
                f"…and {len(scores) - HOME_ACCOUNTS} more. "
                "Use `/sponsor status <account>` for any of them."
            )
        )
    blocks.append(context(LEGEND))
    return blocks
