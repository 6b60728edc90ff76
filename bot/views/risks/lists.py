"""Risks as lines: what `/sponsor risk` answers and what `/sponsor risks` lists."""

from __future__ import annotations

from collections.abc import Sequence

from bot.render import Payload
from bot.views.kit import (
    Block,
    actions,
    button,
    clip,
    clip_escaped,
    context,
    day,
    escape,
    header,
    section,
)
from bot.views.risks.common import RiskAction
from engagement.risks.lines import RiskLine
from engagement.risks.rules import HIGH_SCORE

LIST_MAX = 40
"""Risks shown in one `/sponsor risks` reply (the frame takes the other blocks)."""
HOME_MAX = 5
"""Risks on App Home: the highest; the rest are a command away."""


def score_text(line: RiskLine) -> str:
    """The score as a sentence part ("*12* of 25 (probability 3 × impact 4)"), flagged when high."""
    flag = " :warning: high" if line.score >= HIGH_SCORE else ""
    return (
        f"score *{line.score}* of 25 (probability {line.probability} × impact {line.impact}){flag}"
    )


def risk_brief(line: RiskLine) -> str:
    """One risk on one line, as an account's card lists it: ID, score, the start of its
    description, its state and next review."""
    flag = " :warning: high" if line.score >= HIGH_SCORE else ""
    review = f" · next review {day(line.review_on)}" if line.review_on else ""
    return (
        f"*{line.code}* · *{line.score}*{flag} · {clip_escaped(line.description, 100)} · "
        f"{line.state}{review}"
    )


def logged_text(line: RiskLine) -> str:
    """The reply to `/sponsor risk …`: the risk's ID, its score, who owns it."""
    owner = f" It is owned by <@{line.owner}>." if line.owner else ""
    return (
        f"Logged *{line.code}* for {escape(line.account)}: "
        f"{clip_escaped(line.description, 300)} — {score_text(line)}.{owner} "
        "See the register with `/sponsor risks`."
    )


def _risk_block(line: RiskLine, *, with_account: bool) -> Block:
    return section(risk_text(line, with_account=with_account))


def risk_text(line: RiskLine, *, with_account: bool) -> str:
    """One risk as mrkdwn: its ID, score, description, mitigation and facts."""
    where = f"{escape(clip(line.account, 100))} · " if with_account else ""
    mitigation = f"\n_Mitigation:_ {clip_escaped(line.mitigation, 500)}" if line.mitigation else ""
    facts = [line.category, line.state]
    if line.owner:
        facts.append(f"owner <@{line.owner}>")
    if line.review_on:
        facts.append(f"review on {day(line.review_on)}")
    return (
        f"*{line.code}* · {where}{score_text(line)}\n"
        f"{clip_escaped(line.description, 1000)}{mitigation}\n"
        f"_{' · '.join(facts)}_"
    )


def risks_list(accounts: Sequence[str], lines: Sequence[RiskLine]) -> Payload:
    """The `/sponsor risks [account]` reply (ephemeral): open risks, highest score first."""
    scope = f" for {escape(accounts[0])}" if len(accounts) == 1 else " in your accounts"
    if not lines:
        text = f"No open risks{scope}."
        return {"text": text, "blocks": [section(f"{text} Log one with `/sponsor risk`.")]}
    count = f"{len(lines)} open risk{'s' if len(lines) != 1 else ''}{scope}, highest score first"
    blocks: list[Block] = [section(f"*{count}*")]
    blocks += [_risk_block(line, with_account=len(accounts) != 1) for line in lines[:LIST_MAX]]
    if len(lines) > LIST_MAX:
        blocks.append(
            context(
                f"…and {len(lines) - LIST_MAX} more. Name an account to narrow the list: "
                "`/sponsor risks <account>`."
            )
        )
    return {"text": count, "blocks": blocks}


def home_section(lines: Sequence[RiskLine], *, can_log: bool) -> list[Block]:
    """App Home: the open risks of the person's accounts, highest score first, and *Log a
    risk* for those who may."""
    if not lines and not can_log:
        return []
    blocks: list[Block] = [header("Risks")]
    if can_log:
        blocks.append(
            actions(button("Log a risk", RiskAction.NEW, "new"), block_id="risk_home_new")
        )
    blocks += [_risk_block(line, with_account=True) for line in lines[:HOME_MAX]]
    more = len(lines) - HOME_MAX
    if more > 0:
        blocks.append(context(f"{more} more with `/sponsor risks`."))
    elif not lines:
        blocks.append(context("No open risks in your accounts."))
    return blocks
