"""Scorecards for people: `/sponsor status`, a digest's Details button, App Home scores."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement.access import NOT_YOURS_BY_ID, Actor, account_for, roles_on, visible_accounts
from engagement.errors import NotFound
from engagement.indicators import RATED
from engagement.models import Account, DigestRun
from engagement.scoring import weeks
from engagement.scoring.evaluate import AccountScores, score_accounts
from engagement.scoring.messages import (
    AccountSummary,
    HomeScore,
    Indicator,
    KpiBrief,
    KpiItem,
    ScorecardCard,
    ScorecardCards,
)
from engagement.scoring.scorecard import Status, Trend

CARDS_PER_REPLY = 5
"""A card takes up to ~9 blocks; more accounts than this are listed by name instead."""


def red_kpis(scores: AccountScores) -> list[str]:
    """The labels of the KPIs red this week, in scorecard order."""
    return [
        kpi.label
        for kpi, status in zip(scores.kpis, scores.current.statuses, strict=True)
        if status is Status.RED
    ]


def attention(scores: AccountScores) -> list[str]:
    """Why an account needs attention this week; empty when it does not."""
    reasons = []
    current = scores.current
    if current.score.status is Status.RED:
        reasons.append("overall red")
    red = red_kpis(scores)
    if red:
        named = ", ".join(red[:3]) + (f" and {len(red) - 3} more" if len(red) > 3 else "")
        reasons.append(f"red: {named}")
    if scores.score_trend is Trend.DOWN:
        before = scores.earlier
        was = before.score.score if before else None
        reasons.append(f"score falling ({was} → {current.score.score})")
    if scores.timeline.missed:
        reasons.append("sponsor missed check-ins")
    elif scores.timeline.unanswered:
        reasons.append("check-ins unanswered")
    return reasons


def summary(scores: AccountScores) -> AccountSummary:
    """The account's digest line (built without re-validation: every field comes from here)."""
    values = scores.timeline.now.values
    return AccountSummary.model_construct(
        account_id=scores.account.id,
        name=scores.account.name,
        score=scores.current.score.score,
        status=scores.current.score.status,
        trend=scores.score_trend,
        kpis=[
            KpiBrief.model_construct(label=line.kpi.label, status=line.status, trend=line.trend)
            for line in scores.lines()
        ],
        response_rate=values.get("response_rate"),
        open_escalations=int(values.get("escalations_open", 0)),
        advocacy_actions=int(values.get("advocacy_actions", 0)),
        attention=attention(scores),
    )


def card(scores: AccountScores) -> ScorecardCard:
    """The full scorecard of one account this week."""
    now = scores.timeline.now
    return ScorecardCard(
        summary=summary(scores),
        iso_week=weeks.label(scores.timeline.current),
        kpis=[
            KpiItem(
                key=line.kpi.key,
                label=line.kpi.label,
                unit=line.kpi.unit,
                target=line.kpi.target,
                red_below=line.kpi.thresholds.red_below,
                red_above=line.kpi.thresholds.red_above,
                actual=line.actual,
                before=line.before,
                status=line.status,
                trend=line.trend,
                weight=line.kpi.weight,
                weighted=line.weighted,
            )
            for line in scores.lines()
        ],
        indicators=[
            Indicator(
                label=label,
                sponsor=now.sponsor.get(key),
                sam=now.sam.get(key),
                combined=now.values.get(key),
            )
            for key, label in RATED.items()
        ],
        renormalised=scores.current.score.renormalised,
        checkin_regularity=now.values.get("checkin_regularity"),
        hours_to_acknowledge=now.values.get("hours_to_acknowledge"),
    )


def status_cards(
    session: Session, *, actor: Actor, account_name: str | None = None, now: datetime
) -> ScorecardCards:
    """`/sponsor status [account]`: one account's card, or the caller's accounts (ephemeral).

    Members of the account and admins only (`access.account_for`: anyone else hears what
    they would of an account that does not exist).
    """
    if account_name and account_name.strip():
        ids = [account_for(session, actor, account_name).id]
    else:
        ids = [account.id for account in visible_accounts(session, actor)]
        if not ids:
            return ScorecardCards(
                cards=[],
                empty_reason="You are not the SAM or a sponsor of any account yet.",
            )
    return ScorecardCards(
        cards=[card(scores) for scores in score_accounts(session, Account.id.in_(ids), now=now)]
    )


def details_card(
    session: Session,
    *,
    actor: Actor,
    account_id: int,
    now: datetime,
    from_channel: str | None = None,
) -> ScorecardCards:
    """The card behind a digest's Details button (its value is the account ID).

    Members of the account and admins may open it anywhere; anyone else only from the
    channel the account's digest was posted to (`from_channel`, the Slack channel ID of
    the clicked message), since they can read that channel anyway.
    """
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound(NOT_YOURS_BY_ID)
    if not actor.is_admin and not roles_on(session, actor, account.id):
        posted_there = from_channel is not None and session.scalar(
            select(DigestRun.id)
            .where(
                DigestRun.channel == account.digest_channel,
                DigestRun.message_channel == from_channel,
            )
            .limit(1)
        )
        if not posted_there:  # told as if there were no such account
            raise NotFound(NOT_YOURS_BY_ID)
    cards = [card(s) for s in score_accounts(session, Account.id == account_id, now=now)]
    return ScorecardCards(cards=cards)


def home_scores(session: Session, *, actor: Actor, now: datetime) -> list[HomeScore]:
    """Each of the person's accounts' latest score, for App Home (by account name)."""
    ids = [account.id for account in visible_accounts(session, actor)]
    if not ids:
        return []
    return [
        HomeScore(
            account_id=scores.account.id,
            name=scores.account.name,
            score=scores.current.score.score,
            status=scores.current.score.status,
            trend=scores.score_trend,
            red_kpis=red_kpis(scores),
        )
        for scores in score_accounts(session, Account.id.in_(ids), now=now)
    ]
