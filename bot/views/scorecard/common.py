"""What every scorecard surface shares: the Details button, the status dots and legend,
how a score is written, and lines joined within a section's limit."""

from __future__ import annotations

import enum
import re
from datetime import date

from bot.views.kit import SECTION_TEXT, Block, button, clip, escape
from engagement.scoring.messages import AccountSummary, KpiBrief, RoleBalance
from engagement.scoring.scorecard import Status, Trend


class ScorecardAction(enum.StrEnum):
    """Actions the Slack listeners handle; the value of each is the account ID."""

    DETAILS = "scorecard_details"
    ROTATE = "rotation_open"
    """*Rotate sponsor*, for admins (handled in `bot/handlers/rotation.py`)."""


class ScorecardBlock(enum.StrEnum):
    """Block ID prefixes; blocks about one account end in `:<account id>`."""

    DIGEST_ACCOUNT = "digest_account"
    CARD = "scorecard_card"
    ALERT = "indicator_alert"
    HOME_SCORE = "home_score"
    SPONSORS = "scorecard_sponsors"


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


WORD = {Status.GREEN: "Green", Status.AMBER: "Amber", Status.RED: "Red", None: "No data"}
"""The status as a word, for whoever does not tell the dots apart."""

SHORT = {
    "stakeholder_engagement": "engagement",
    "strategic_alignment": "alignment",
    "internal_advocacy": "advocacy",
    "regular_checkins": "check-ins",
    "role_balance": "role balance",
    "response_rate": "response rate",
    "checkin_regularity": "meetings held",
    "perception_gap": "perception gap",
    "hours_to_acknowledge": "time to acknowledge",
    "escalations_open": "open escalations",
    "acknowledged_late": "late acknowledgements",
    "advocacy_actions": "advocacy actions",
}
"""Sherpa's own indicators as a line names them; a KPI of the portfolio's own is named by
its label, without the unit in brackets."""
SHORT_CHARS = 28
NAMED = 3
"""KPIs named per status on a line; more are counted ("+2 more")."""


def week_name(monday: date) -> str:
    """A week as people say it: "week of 30 Nov"."""
    return f"week of {monday.day} {monday:%b}"


def week_label(iso_week: str) -> str:
    """An ISO week ("2026-W48") as people say it: "week of 23 Nov"."""
    year, number = iso_week.split("-W")
    return week_name(date.fromisocalendar(int(year), int(number), 1))


def short_label(kpi: KpiBrief) -> str:
    """A KPI's brief name (plain text: escape it for mrkdwn)."""
    if kpi.key in SHORT:
        return SHORT[kpi.key]
    label = re.sub(r"\s*\([^)]*\)", "", kpi.label).strip() or kpi.label
    if len(label) > 1 and not label[:2].isupper():
        label = label[0].lower() + label[1:]
    return clip(label, SHORT_CHARS)


def off_target(summary: AccountSummary) -> list[str]:
    """The KPIs off target, red first, briefly named: ["red: engagement, advocacy +1 more"]."""
    parts = []
    for status in (Status.RED, Status.AMBER):
        names = [short_label(kpi) for kpi in summary.kpis if kpi.status is status]
        if names:
            more = f" +{len(names) - NAMED} more" if len(names) > NAMED else ""
            parts.append(f"{status.value}: {', '.join(names[:NAMED])}{more}")
    return parts


def concerns(summary: AccountSummary) -> list[str]:
    """What is off on an account, briefly (mrkdwn): the KPIs off target, overdue
    escalations, missed check-ins, high risks, an overdue strategic review and a sponsor
    who took over or stepped back."""
    parts = [escape(part) for part in off_target(summary)]
    if summary.overdue_escalations:
        count = summary.overdue_escalations
        parts.append(f"{count} escalation{'s' if count != 1 else ''} overdue")
    if summary.missed_checkins:
        parts.append("check-ins missed")
    if summary.high_risks:
        count = summary.high_risks
        parts.append(f"{count} high risk{'s' if count != 1 else ''}")
    if summary.review_overdue:
        parts.append("review overdue")
    if summary.role_balance.off:
        parts.append(role_balance_text(summary.role_balance, brief=True))
    return parts


def role_balance_text(balance: RoleBalance, *, brief: bool = False) -> str:
    """Seed 000's role balance in words: "sponsor took over (2 of last 4 weeks)"; `brief`
    says only what is off, for a digest line ("sponsor took over (2 of 4 weeks)")."""
    last = ("" if brief else "last ") + str(balance.weeks)
    counts = (("took over", balance.took_over), ("stepped back", balance.stepped_back))
    said = [f"sponsor {what} ({weeks} of {last} weeks)" for what, weeks in counts if weeks]
    if said:
        return ", ".join(said)
    if balance.answered:
        return f"balanced ({last} weeks)"
    return f"no answers in the {last} weeks"


def trend_text(summary: AccountSummary) -> str:
    """▼ from 55, ▲ from 93, ▬ (steady), or nothing without an earlier score."""
    if summary.trend is Trend.NEW or summary.score_before is None:
        return ""
    if summary.trend is Trend.FLAT:
        return Trend.FLAT.value
    return f"{summary.trend.value} from {summary.score_before}"


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
