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


def detail(message: IndicatorAlert) -> str:
    """What the figures are: mrkdwn, a name in it escaped."""
    facts = message.facts
    if isinstance(facts, KpiTurnedRed):
        threshold = (
            f"red above {facts.red_above}"
            if facts.red_above is not None
            else f"red below {facts.red_below}"
        )
        return f"Target {facts.target}, {threshold}."
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
            f"{escape(message.before)} to {escape(message.after)}."
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
    before, after = escape(clip(message.before, FIGURE)), escape(clip(message.after, FIGURE))
    if isinstance(message.facts, PerceptionGap):
        return f"sponsor's view {before} · SAM's view {after}"
    return f"{before} → {after}"


def _one(message: IndicatorAlert) -> list[Block]:
    was, now = "*Was*", "*Now*"
    if isinstance(message.facts, PerceptionGap):  # two views of the same week, not a change
        was, now = "*Sponsor's view*", "*SAM's view*"
    return [
        fields(
            f"{was}\n{escape(clip(message.before, FIGURE))}",
            f"{now}\n{escape(clip(message.after, FIGURE))}",
        ),
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
            line = f"{icon} *{escape(alert.title)}*: {change(alert)}\n{detail(alert)}"
            blocks.append(section(line))
    else:
        icon = ICON.get(str(first.condition), ":warning:")
        blocks.append(section(f"{icon} *{escape(first.title)}* — {account}{later}"))
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
    text = f"{bundle.account_name}: {first.title} ({first.before} → {first.after})"
    if more:
        text += f" and {more} more"
    return {"text": escape(clip(text, 3000)), "blocks": blocks}
