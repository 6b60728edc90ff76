"""The weekly sponsor digest: its first message (or a private preview) and its continuations."""

from __future__ import annotations

from bot.render import Payload
from bot.views.kit import Block, context, escape, header, mention, section
from bot.views.scorecard.common import (
    DOT,
    LEGEND,
    ScorecardBlock,
    details_button,
    lines_within,
    percent,
    score_text,
)
from engagement.scoring.messages import AccountSummary, Digest, DigestContinuation, StatusCounts
from engagement.scoring.scorecard import Status

HIGHLIGHTS_TEXT = 2900


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
        f"Response rate {percent(summary.response_rate)} · "
        f"{escalations} open escalation{'s' if escalations != 1 else ''} · "
        f"{summary.advocacy_actions} advocacy action{'s' if summary.advocacy_actions != 1 else ''}"
    )
    if summary.attention:
        parts.append(f":warning: _{escape('; '.join(summary.attention))}_")
    return section(
        "\n".join(parts),
        block_id=f"{ScorecardBlock.DIGEST_ACCOUNT}:{summary.account_id}",
        accessory=details_button(summary.account_id),
    )


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
        blocks.append(section(title))
        blocks.extend(account_section(item) for item in attention)
    if others:
        blocks.append(section("*The other accounts*"))
        blocks.extend(account_section(item) for item in others)
    return blocks


def render_digest(message: Digest) -> Payload:
    """The first message: totals, accounts needing attention, the rest, advocacy highlights."""
    title = ("Preview: " if message.preview else "") + f"Sponsor digest — week {message.iso_week}"
    blocks: list[Block] = [header(title)]
    need = message.attention_total
    blocks.append(
        section(
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
            f"• *{escape(item.account)}* — {mention(item.user_id, item.name)}: {escape(item.text)}"
            for item in message.highlights
        ]
        blocks.append(section("*Advocacy highlights*\n" + lines_within(lines, HIGHLIGHTS_TEXT)))
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
