"""Indicator alerts: what changed, from what to what, why it matters and what to do, with
the account's card a click away."""

from __future__ import annotations

from bot.render import Payload
from bot.views.kit import Block, actions, clip, context, escape, fields, mention, section
from bot.views.scorecard.common import ScorecardBlock, details_button, week_label
from engagement.scoring.messages import (
    AlertBundle,
    CheckinsMissed,
    IndicatorAlert,
    IndicatorsFalling,
    KpiTurnedRed,
    PerceptionGap,
    RoleBalanceShift,
    StatusChanged,
)
from engagement.scoring.scorecard import format_value

ICON = {
    "kpi_red": ":red_circle:",
    "indicator_falling": ":chart_with_downwards_trend:",
    "missed_checkins": ":hourglass:",
    "perception_gap": ":left_right_arrow:",
    "status_changed": ":rotating_light:",
    "role_balance": ":scales:",
}
WHO = {"sponsor": "the sponsor", "sam": "the SAM"}
FIGURE = 1900
""""Was" and "Now" are cut to this."""


def rated(value: float | None) -> str:
    """A 1–5 figure as every alert writes it: 3.8/5."""
    return "no data" if value is None else f"{value:.1f}/5"


def _value(facts: KpiTurnedRed, value: float | None) -> str:
    return rated(value) if facts.rated else format_value(value, facts.unit)


def headline(message: IndicatorAlert) -> str:
    """What changed, in a few words (plain text: escape it for mrkdwn)."""
    facts = message.facts
    if isinstance(facts, KpiTurnedRed):
        return f"{facts.label} turned red"
    if isinstance(facts, IndicatorsFalling):
        more = len(facts.falling) - 1
        lead = facts.falling[0].label + (f" and {more} more" if more else "")
        return f"{lead} fell two weeks in a row"
    if isinstance(facts, CheckinsMissed):
        return f"{facts.name} missed {facts.count} check-ins in a row"
    if isinstance(facts, PerceptionGap):
        return f"Sponsor and SAM disagree on {facts.label.lower()}"
    if isinstance(facts, StatusChanged):
        return f"Overall status turned {facts.after}"
    if facts.direction == "took_over":
        return "The sponsor is climbing for the SAM"
    return "The sponsor is too hands-off"


def figures(message: IndicatorAlert) -> tuple[str, str]:
    """From what to what (plain text); for a disagreement, the sponsor's and the SAM's views."""
    facts = message.facts
    if isinstance(facts, KpiTurnedRed):
        return _value(facts, facts.before), _value(facts, facts.after)
    if isinstance(facts, IndicatorsFalling):
        means = facts.falling[0].means
        return rated(means[0]), rated(means[2])
    if isinstance(facts, CheckinsMissed):
        return "answering", f"{facts.count} missed"
    if isinstance(facts, PerceptionGap):
        return rated(facts.sponsor), rated(facts.sam)
    if isinstance(facts, StatusChanged):
        return (
            f"{facts.before} ({facts.score_before})",
            f"{facts.after} ({facts.score_after})",
        )
    return "balanced", "took over" if facts.direction == "took_over" else "stepped back"


def detail(message: IndicatorAlert) -> str:
    """What the figures are: mrkdwn, a name in it escaped."""
    facts = message.facts
    if isinstance(facts, KpiTurnedRed):
        threshold = (
            f"red above {_value(facts, facts.red_above)}"
            if facts.red_above is not None
            else f"red below {_value(facts, facts.red_below)}"
        )
        return f"Target {_value(facts, facts.target)}, {threshold}."
    if isinstance(facts, IndicatorsFalling):
        means = "; ".join(
            f"{item.label.lower()} " + " → ".join(f"{mean:.1f}" for mean in item.means)
            for item in facts.falling
        )
        return f"Weekly 4-week means (of 5): {means}."
    if isinstance(facts, CheckinsMissed):
        periods = ", ".join(period.isoformat() for period in facts.periods)
        return f"{mention(facts.user_id, facts.name)} left the check-ins of {periods} unanswered."
    if isinstance(facts, RoleBalanceShift):
        who = " and ".join(WHO.get(role, role) for role in facts.roles)
        way = "took over the SAM's work" if facts.direction == "took_over" else "stepped back"
        week = week_label(message.iso_week)
        subject = "they" if facts.roles == ["sponsor"] else "the sponsor"
        return f"In the check-ins of the {week}, {who} said {subject} {way}."
    if isinstance(facts, StatusChanged):
        return (
            f"The overall score of the {week_label(message.iso_week)} fell from "
            f"{facts.score_before} to {facts.score_after}."
        )
    return f"The views differ by {facts.points:.1f} points on a 1–5 scale (4-week means)."


def what_to_do(message: IndicatorAlert) -> str:
    """The advice: mrkdwn, the account's name in it escaped."""
    facts = message.facts
    if isinstance(facts, KpiTurnedRed):
        if facts.manual:
            return (
                "Agree a recovery plan with the sponsor this week; record the next actual with "
                f"`/sponsor kpi {escape(message.account_name)} {facts.key} <value>`."
            )
        return (
            "Put it on the agenda of the next sponsor/SAM alignment meeting and agree "
            "one action to bring it back."
        )
    if isinstance(facts, IndicatorsFalling):
        return "Ask the sponsor what changed at your next alignment meeting, before it turns red."
    if isinstance(facts, CheckinsMissed):
        return (
            "Reach out to the sponsor directly and confirm the check-in "
            "still fits their week (`/sponsor pause <date>` if they are away)."
        )
    if isinstance(facts, RoleBalanceShift):
        if facts.direction == "took_over":
            return (
                "Agree with the sponsor who leads what: the SAM runs the account, "
                "the sponsor opens doors and removes blockers."
            )
        return "Ask the sponsor for one concrete action this month that only they can take."
    if isinstance(facts, StatusChanged):
        return (
            "Call the sponsor this week, agree the one KPI to bring back first, "
            "and put it on the next alignment meeting's agenda."
        )
    assert isinstance(facts, PerceptionGap)
    return (
        "Compare notes with the sponsor at the next alignment meeting "
        "and agree what good looks like."
    )


def change(message: IndicatorAlert) -> str:
    """From what to what, in one line (mrkdwn); a disagreement is two views, not a change."""
    before, after = (escape(clip(figure, FIGURE)) for figure in figures(message))
    if isinstance(message.facts, PerceptionGap):
        return f"sponsor's view {before} · SAM's view {after}"
    return f"{before} → {after}"


def _one(message: IndicatorAlert) -> list[Block]:
    was, now = "*Was*", "*Now*"
    if isinstance(message.facts, PerceptionGap):  # two views of the same week, not a change
        was, now = "*Sponsor's view*", "*SAM's view*"
    before, after = (escape(clip(figure, FIGURE)) for figure in figures(message))
    return [
        fields(f"{was}\n{before}", f"{now}\n{after}"),
        section(detail(message)),
    ]


def render_alerts(bundle: AlertBundle) -> Payload:
    """An account's alert message of the week: what changed, from what to what, and the
    one thing to do (for the worst of them), with the account's card a click away."""
    first, more = bundle.alerts[0], len(bundle.alerts) - 1
    account = escape(bundle.account_name)
    later = " (later this week)" if bundle.in_thread else ""
    blocks: list[Block] = []
    if more:
        blocks.append(section(f":warning: *{account}: {more + 1} changes*{later}"))
        for alert in bundle.alerts:
            icon = ICON.get(str(alert.condition), ":warning:")
            line = f"{icon} *{escape(headline(alert))}*: {change(alert)}\n{detail(alert)}"
            blocks.append(section(line))
    else:
        icon = ICON.get(str(first.condition), ":warning:")
        blocks.append(section(f"{icon} *{escape(headline(first))}* — {account}{later}"))
        blocks += _one(first)
    blocks += [
        section(f"*What to do:* {what_to_do(first)}"),
        actions(
            details_button(bundle.account_id),
            block_id=f"{ScorecardBlock.ALERT}:{bundle.account_id}",
        ),
    ]
    week = week_label(bundle.iso_week)
    note = f"{week[0].upper()}{week[1:]} · one alert message per account a week"
    if bundle.direct:
        note = f"You get this as the SAM of {account}: its status changed. " + note
    elif bundle.sam_user_id:
        note = f"SAM: {mention(bundle.sam_user_id, 'the SAM')} · " + note
    blocks.append(context(note))
    before, after = figures(first)
    text = f"{bundle.account_name}: {headline(first)} ({before} → {after})"
    if more:
        text += f" and {more} more"
    return {"text": escape(clip(text, 3000)), "blocks": blocks}
