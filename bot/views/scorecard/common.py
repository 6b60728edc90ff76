"""What every scorecard surface shares: the Details button, the status dots and legend,
how a score is written, and lines joined within a section's limit."""

from __future__ import annotations

import enum

from bot.views.kit import SECTION_TEXT, Block, button, clip
from engagement.scoring.scorecard import Status, Trend


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


def details_button(account_id: int) -> Block:
    return button("Details", ScorecardAction.DETAILS, str(account_id))


def status_word(status: Status | None) -> str:
    return f"{DOT[status]} {status.value if status else 'no data'}"


def score_text(score: int | None, status: Status | None, trend: Trend) -> str:
    value = "–" if score is None else str(score)
    return f"{DOT[status]} *{value}* {trend.value}".rstrip()


def percent(value: float | None) -> str:
    return "no data" if value is None else f"{value:.0f}%"


def lines_within(lines: list[str], limit: int = SECTION_TEXT, what: str = "more") -> str:
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
