"""App Home's "Latest scores": each account's score with its Details button."""

from __future__ import annotations

from bot.views.kit import Block, context, escape, header, section
from bot.views.scorecard.common import DOT, LEGEND, ScorecardBlock, details_button, score_text
from engagement.scoring.messages import HomeScore
from engagement.scoring.scorecard import Status

HOME_ACCOUNTS = 20


def home_scores_blocks(scores: list[HomeScore]) -> list[Block]:
    """The "Latest scores" section of App Home: at most HOME_ACCOUNTS + 3 blocks."""
    blocks: list[Block] = [header("Latest scores")]
    if not scores:
        blocks.append(section("_No accounts yet._"))
        return blocks
    for item in scores[:HOME_ACCOUNTS]:
        line = f"*{escape(item.name)}*  {score_text(item.score, item.status, item.trend)}"
        if item.red_kpis:
            line += f"\n{DOT[Status.RED]} {escape(', '.join(item.red_kpis))}"
        blocks.append(
            section(
                line,
                block_id=f"{ScorecardBlock.HOME_SCORE}:{item.account_id}",
                accessory=details_button(item.account_id),
            )
        )
    if len(scores) > HOME_ACCOUNTS:
        blocks.append(
            context(
                f"…and {len(scores) - HOME_ACCOUNTS} more. "
                "Use `/sponsor status <account>` for any of them."
            )
        )
    blocks.append(context(LEGEND))
    return blocks
