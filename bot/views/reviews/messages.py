"""What Sherpa says about reviews."""

from __future__ import annotations

from datetime import date

from bot.render import Payload
from bot.views.kit import Block, clip_escaped, context, day, escape, header, section
from bot.views.risks.lists import score_text as risk_score_text
from bot.views.scorecard.cards import kpi_line
from bot.views.scorecard.common import WORD, lines_within, score_text, week_label
from engagement.reviews.cadence import ReviewDue
from engagement.reviews.reminders import Health, Performance, ReviewReminder
from engagement.reviews.service import ReviewRecorded

HOME_MAX = 5


def recorded_text(recorded: ReviewRecorded) -> str:
    due = recorded.due
    return (
        f"Recorded the {due.name} of {escape(due.account)} held on {day(recorded.held_on)}. "
        f"The next one is due by {day(due.next_due)}."
    )


def _health_line(health: Health) -> str:
    if not health.answers:
        return "No check-in answers since the last review."
    figures = [
        (label, value)
        for label, value in (
            ("stakeholder engagement", health.stakeholder_engagement),
            ("strategic alignment", health.strategic_alignment),
            ("internal advocacy", health.internal_advocacy),
        )
        if value is not None
    ]
    shown = ", ".join(f"{label} {value:.1f}/5" for label, value in figures)
    plural = "s" if health.answers != 1 else ""
    return f"{health.answers} check-in answer{plural} since the last review: {shown}."


def _performance_text(performance: Performance) -> str:
    """The scorecard's figures: the overall score, then each KPI off target against its
    target, red first (then what has no figure)."""
    when = week_label(performance.iso_week)
    if performance.score is None:
        lines = [f"No overall score for the {when}: the scorecard has no figures yet."]
    else:
        overall = score_text(performance.score, performance.status, performance.trend)
        lines = [f"Overall {overall} ({WORD[performance.status]}), {when}."]
    off = performance.off_target
    measured = performance.kpis - len(performance.no_data)
    if off:
        lines.append(f"{len(off)} of {performance.kpis} KPIs off target:")
        lines += [kpi_line(kpi) for kpi in off]
    elif measured:
        lines.append(f"All {measured} KPIs with a figure are on target.")
    if performance.no_data:
        lines.append(f"No figure yet for {escape(', '.join(performance.no_data))}.")
    return lines_within(lines, limit=2800, what="KPIs")


def reminder_message(message: ReviewReminder) -> Payload:
    """The sponsor's DM two weeks ahead: when, and an agenda drafted from Sherpa's records."""
    due = message.due
    since = f"since {day(due.last_held)}" if due.last_held else "so far"
    risks = (
        "\n".join(
            f"• *{risk.code}* {clip_escaped(risk.description, 200)} — {risk_score_text(risk)}"
            for risk in message.risks
        )
        or "• No open risks."
    )
    escalations = "\n".join(
        f"• *{code}* {clip_escaped(summary, 200)}" for code, summary in message.open_escalations
    )
    raised = message.escalations_raised
    blocks: list[Block] = [
        section(
            f":calendar: The {due.name} of *{escape(due.account)}* is due by "
            f"*{day(due.next_due)}*. A drafted agenda:"
        ),
        section(f"*1. Strategic performance*\n{_performance_text(message.performance)}"),
        section(f"*2. Open risks, highest first*\n{risks}"),
        section(
            f"*3. Escalations {since}*\n{raised} raised"
            + (f"; still open:\n{escalations}" if escalations else "; none still open.")
        ),
        section(f"*4. Relationship health*\n{_health_line(message.health)}"),
        context(
            "Once it is held, record it: "
            f"`/sponsor review {escape(due.account)} [YYYY-MM-DD] [notes…]`."
        ),
    ]  # fmt: skip
    return {
        "text": f"The {due.name} of {due.account} is due by {day(due.next_due)}",
        "blocks": blocks,
    }


def home_section(dues: list[ReviewDue], today: date) -> list[Block]:
    """App Home: the reviews coming due soonest, overdue ones flagged."""
    if not dues:
        return []
    lines = []
    for due in dues[:HOME_MAX]:
        flag = " · :red_circle: *overdue*" if due.overdue(today) else ""
        held = f"last held {day(due.last_held)}" if due.last_held else "none recorded yet"
        lines.append(
            f"*{escape(due.account)}* · {due.name} due by {day(due.next_due)}{flag} · {held}"
        )
    blocks: list[Block] = [header("Reviews"), section("\n".join(lines))]
    overdue = sum(due.overdue(today) for due in dues)
    if len(dues) > HOME_MAX or overdue:
        blocks.append(
            context(f"{len(dues)} accounts, {overdue} overdue. Record one held with "
                    "`/sponsor review <account> [YYYY-MM-DD] [notes…]`.")
        )  # fmt: skip
    return blocks
