"""The weekly sponsor digest, read at a glance: one line per account, attention ranked by one
stated rule, the accounts on track one line each (or one line for all), the rest in the
thread."""

from __future__ import annotations

from bot.render import Payload
from bot.views.kit import (
    Block,
    actions,
    clip,
    context,
    escape,
    header,
    mention,
    option,
    section,
    static_select,
)
from bot.views.phases import phase_name
from bot.views.scorecard.common import (
    DOT,
    WORD,
    ScorecardAction,
    ScorecardBlock,
    concerns,
    lines_within,
    trend_text,
    week_name,
)
from engagement.scoring.messages import AccountSummary, Digest, DigestContinuation, StatusCounts
from engagement.scoring.scorecard import Status

NAME_CHARS = 60
"""An account's name on its line is cut to this, so ten lines always fit one section."""
RULE = (
    "red, then amber, then the steepest fall, then overdue escalations and missed check-ins, "
    "then high risks, overdue reviews and role balance"
)
"""The one ranking rule (`engagement.scoring.digest.attention_rank`), as the digest states it."""
HIGHLIGHT = ":mega:"
CHUNK = 8
"""Account lines per section: a line is at most ~340 characters, a section 3,000."""


def account_line(summary: AccountSummary) -> str:
    """One account on one line: its phase, status as colour and word, score, trend, the
    KPIs off target briefly named, and what else needs doing."""
    score = "" if summary.score is None else f" *{summary.score}*"
    phase = f" · {phase_name(summary.phase)}" if summary.phase else ""
    head = f"{DOT[summary.status]} *{escape(clip(summary.name, NAME_CHARS))}*{phase} · "
    head += f"{WORD[summary.status]}{score} {trend_text(summary)}".rstrip()
    return " · ".join([head, *concerns(summary)])


def _sections(title: str, accounts: list[AccountSummary], tail: str = "") -> list[Block]:
    """The title, then the accounts one a line, CHUNK lines a section; `tail` ends the last."""
    lines = [account_line(item) for item in accounts]
    chunks = [lines[start : start + CHUNK] for start in range(0, len(lines), CHUNK)] or [[]]
    chunks[0].insert(0, title)
    if tail:
        chunks[-1].append(tail)
    return [section(lines_within(chunk)) for chunk in chunks]


def _details(accounts: list[AccountSummary], block_id: str) -> Block:
    """One menu opening any listed account's card (a line per account needs no button)."""
    return actions(
        static_select(
            ScorecardAction.DETAILS,
            "Open an account's card",
            [option(item.name, str(item.account_id)) for item in accounts],
        ),
        block_id=block_id,
    )


def _totals(total: int, totals: StatusCounts) -> str:
    counts = [
        f"{DOT[Status.RED]} {totals.red} red",
        f"{DOT[Status.AMBER]} {totals.amber} amber",
        f"{DOT[Status.GREEN]} {totals.green} green",
    ]
    if totals.no_data:
        counts.append(f"{DOT[None]} {totals.no_data} no data")
    return f"*{total} account{'s' if total != 1 else ''}* · " + " · ".join(counts)


def _attention(message: Digest) -> list[Block]:
    if not message.attention:
        return [section("No account needs attention this week.")]
    more = message.attention_total - len(message.attention)
    return _sections(
        f"*Needs attention ({message.attention_total})* — ranked {RULE}",
        message.attention,
        f"…and {more} more in the thread, in the same order" if more else "",
    )


def _on_track(message: Digest) -> list[Block]:
    if message.on_track:
        return _sections(f"*On track ({message.on_track_total})*", message.on_track)
    if message.on_track_total:
        return [
            section(
                f"{DOT[Status.GREEN]} *{message.on_track_total} accounts on track* "
                "(green, no material fall, nothing overdue): one line each in the thread"
            )
        ]
    return []


def render_digest(message: Digest) -> Payload:
    """The first message: totals, the top of the attention ranking, the accounts on track,
    advocacy highlights, one menu for any account's card."""
    week = week_name(message.week_start)
    title = ("Preview: " if message.preview else "") + f"Sponsor digest — {week}"
    blocks: list[Block] = [
        header(title),
        section(_totals(message.total_accounts, message.totals)),
        *_attention(message),
        *_on_track(message),
    ]
    if message.no_data:
        names = ", ".join(escape(item.name) for item in message.no_data)
        blocks.append(section(f"{DOT[None]} *No data yet:* {names}"))
    elif message.no_data_total:
        blocks.append(
            section(
                f"{DOT[None]} *{message.no_data_total} accounts without data yet*: "
                "one line each in the thread"
            )
        )
    if message.highlights:
        lines = [
            f"{HIGHLIGHT} *{escape(item.account)}* — {mention(item.user_id, item.name)}: "
            f"{escape(item.text)}"
            for item in message.highlights
        ]
        blocks.append(section(lines_within(lines)))
    listed = [*message.attention, *message.on_track]
    if listed:
        blocks.append(_details(listed, ScorecardBlock.DIGEST_ACCOUNT))
    footer = ["▲ ▼ vs 4 weeks earlier"]
    if not message.preview:
        footer.append(":chart_with_upwards_trend: trend chart in the thread")
    if message.parts > 1:
        footer.append(
            f":thread: {message.parts - 1} more message{'s' if message.parts > 2 else ''} "
            "in the thread"
        )
    blocks.append(context(" · ".join(footer)))
    need = message.attention_total
    text = (
        f"Sponsor digest, {week}: {message.total_accounts} accounts, {need} need"
        f"{'s' if need == 1 else ''} attention"
    )
    return {"text": text, "blocks": blocks}


def render_continuation(message: DigestContinuation) -> Payload:
    """More of the ranking, then the accounts on track, one line each."""
    week = week_name(message.week_start)
    blocks: list[Block] = [
        context(f"Sponsor digest — {week}, part {message.part} of {message.parts}")
    ]
    if message.attention:
        blocks += _sections("*Needs attention (continued)*", message.attention)
    if message.on_track:
        blocks += _sections("*On track*", message.on_track)
    if message.no_data:
        blocks += _sections("*No data yet*", message.no_data)
    listed = [*message.attention, *message.on_track, *message.no_data]
    if listed:
        blocks.append(_details(listed, f"{ScorecardBlock.DIGEST_ACCOUNT}:{message.part}"))
    if message.part < message.parts:
        blocks.append(context(":arrow_down: Continued in the next message."))
    text = f"Sponsor digest, {week}, part {message.part} of {message.parts}"
    return {"text": text, "blocks": blocks}
