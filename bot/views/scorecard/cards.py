"""An account's scorecard (`/sponsor status`, the Details button) and the `/sponsor kpi` reply."""

from __future__ import annotations

from bot.render import Payload
from bot.views.checkins.common import day as short_day
from bot.views.kit import Block, button, context, day, divider, escape, header, mention, section
from bot.views.phases import SPONSOR_PART, governance_name, phase_fact, phase_name
from bot.views.risks.lists import risk_brief
from bot.views.scorecard.common import (
    DOT,
    LEGEND,
    ScorecardAction,
    ScorecardBlock,
    concerns,
    lines_within,
    percent,
    role_balance_text,
    score_text,
    status_word,
    week_label,
)
from engagement.scoring.kpis import Recorded
from engagement.scoring.messages import (
    AccountSummary,
    KpiItem,
    PhaseAnswer,
    ScorecardCard,
    ScorecardCards,
    SponsorTerm,
)
from engagement.scoring.scorecard import format_value

CARDS_SHOWN = 5


def kpi_line(kpi: KpiItem) -> str:
    """A KPI with its figure against its target: ":red_circle: *Revenue*  3% (target 5%) ▼"."""
    target = format_value(kpi.target, kpi.unit)
    return (
        f"{DOT[kpi.status]} *{escape(kpi.label)}*  {format_value(kpi.actual, kpi.unit)} "
        f"(target {target}) {kpi.trend.value}".rstrip()
    )


def _sponsor_term(term: SponsorTerm) -> str:
    since = (
        f"since {day(term.started)}"
        if term.ended is None
        else (f"{day(term.started)} – {day(term.ended)}")
    )
    return f"{mention(term.user_id, term.name)} {since}"


def sponsors_block(card: ScorecardCard) -> Block | None:
    """The sponsors over time, latest first; *Rotate sponsor* beside them for an admin."""
    if not card.sponsors and not card.can_rotate:
        return None
    terms = [_sponsor_term(term) for term in reversed(card.sponsors)]
    rotate = (
        button("Rotate sponsor", ScorecardAction.ROTATE, str(card.summary.account_id))
        if card.can_rotate
        else None
    )
    return section(
        lines_within(["*Sponsors over time*", *terms], 2900, what="earlier"),
        accessory=rotate,
        block_id=f"{ScorecardBlock.SPONSORS}:{card.summary.account_id}",
    )


def stage_line(summary: AccountSummary) -> str:
    """Seed 002: "Phase: implementation · governance: joint steering committee, where the
    sponsor chairs the committee and sets its agenda" on a line of its own."""
    if not summary.phase:
        return ""
    line = f"\n*Phase:* {phase_name(summary.phase)}"
    if summary.governance:
        line += f" · *governance:* {governance_name(summary.governance)}"
        part = SPONSOR_PART.get(summary.governance)
        line += f", where {part}" if part else ""
    return line


def phase_answer_line(answer: PhaseAnswer | None) -> str:
    """The sponsor's latest answer to the phase's question, on a line of its own:
    "Sponsor's answer (Mon 16 Nov): governance charter and KPIs agreed: no"."""
    if answer is None:
        return ""
    fact = phase_fact(answer.phase, answer.check)
    return f"\n*Sponsor's answer* ({short_day(answer.period_start)}): {fact}"


def card_blocks(card: ScorecardCard) -> list[Block]:
    """One account's scorecard: at most 8 blocks."""
    summary = card.summary
    attention = ""
    if summary.attention:
        fell = [f"fell from {summary.score_before}"] if summary.falling else []
        attention = "\n:warning: Needs attention: " + " · ".join([*fell, *concerns(summary)])
    blocks: list[Block] = [
        header(f"{summary.name} — {summary.score if summary.score is not None else 'no data'}"),
        section(
            f"Overall {score_text(summary.score, summary.status, summary.trend)} "
            f"({status_word(summary.status)}) · {week_label(card.iso_week)}"
            + stage_line(summary)
            + phase_answer_line(card.phase_answer)
            + attention,
            block_id=f"{ScorecardBlock.CARD}:{summary.account_id}",
        ),
    ]
    if card.kpis:
        blocks.append(section(lines_within([kpi_line(kpi) for kpi in card.kpis], what="KPIs")))
    else:
        blocks.append(section("_No KPIs in the portfolio's scorecard yet._"))
    hours = card.hours_to_acknowledge
    blocks.append(
        context(
            f"Check-in response rate {percent(summary.response_rate)} · alignment meetings "
            f"{percent(card.checkin_regularity)} · open escalations {summary.open_escalations}"
            + (f" · median {hours:.0f} h to acknowledge" if hours is not None else "")
            + f" · advocacy actions {summary.advocacy_actions} (4 weeks)"
        )
    )
    rows = [
        f"{escape(item.label)}: sponsor {format_value(item.sponsor)} · "
        f"SAM {format_value(item.sam)} · together {format_value(item.combined)}"
        for item in card.indicators
    ]
    rows.append(f"*Role balance:* {role_balance_text(summary.role_balance)}")
    blocks.append(section("*Leading indicators (1–5, 4-week means)*\n" + "\n".join(rows)))
    if card.risks is not None:
        blocks.append(_risks_section(card))
    notes = [LEGEND]
    missing = [kpi.label for kpi in card.kpis if kpi.actual is None]
    if card.renormalised and missing:
        notes.insert(
            0,
            f"No data yet for {escape(', '.join(missing))}: left out of the overall, "
            "the other weights re-normalised to 100.",
        )
    blocks.append(context("\n".join(notes)))
    sponsors = sponsors_block(card)
    if sponsors is not None:
        blocks.insert(2, sponsors)
    return blocks


def _risks_section(card: ScorecardCard) -> Block:
    """The account's open risks, highest score first, for its members and admins."""
    if not card.risks:
        return section("*Open risks*\n_None. Log one with `/sponsor risk`._")
    lines = [risk_brief(line) for line in card.risks]
    more = card.risks_open - len(card.risks)
    if more > 0:
        lines.append(f"…and {more} more: `/sponsor risks {escape(card.summary.name)}`")
    heading = "*Open risks, highest score first* (score = probability × impact, of 25)"
    return section(f"{heading}\n{lines_within(lines, what='risks')}")


def render_cards(message: ScorecardCards) -> Payload:
    if not message.cards:
        text = message.empty_reason or "No scorecards to show."
        return {"text": text, "blocks": [section(escape(text))]}
    blocks: list[Block] = []
    shown = message.cards[:CARDS_SHOWN]
    for index, card in enumerate(shown):
        if index:
            blocks.append(divider())
        blocks.extend(card_blocks(card))
    hidden = message.cards[CARDS_SHOWN:]
    if hidden:
        names = ", ".join(card.summary.name for card in hidden)
        blocks.append(
            context(
                f"…and {len(hidden)} more: {escape(names)}. "
                "Use `/sponsor status <account>` for one of them."
            )
        )
    first = message.cards[0].summary
    score = first.score if first.score is not None else "no data"
    text = f"Scorecard: {escape(first.name)} {score}"
    if len(message.cards) > 1:
        text = f"Scorecards for {len(message.cards)} accounts"
    return {"text": text, "blocks": blocks}


def recorded_line(recorded: Recorded) -> str:
    """The `/sponsor kpi` reply: the label, account name and unit come from the portfolio."""
    value = format_value(recorded.value, recorded.unit)
    return escape(f"Recorded {recorded.label} for {recorded.account}: {value}.")
