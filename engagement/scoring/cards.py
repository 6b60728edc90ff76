"""Scorecards for people: `/sponsor status`, a digest's Details button, App Home scores."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement.access import NOT_YOURS_BY_ID, Actor, account_for, roles_on, visible_accounts
from engagement.errors import NotFound
from engagement.indicators import RATED
from engagement.models import Account, DigestRun, PortfolioSettings
from engagement.scoring import weeks
from engagement.scoring.evaluate import AccountScores, WeekScore, score_accounts
from engagement.scoring.messages import (
    AccountSummary,
    HomeScore,
    Indicator,
    KpiBrief,
    KpiItem,
    ScorecardCard,
    ScorecardCards,
)
from engagement.scoring.scorecard import Status
from engagement.scoring.sponsors import cards_with_sponsors
from engagement.scoring.strategic import cards_with_risks, cards_with_strategic

CARDS_PER_REPLY = 5
"""A card takes up to ~9 blocks; more accounts than this are listed by name instead."""


def red_kpis(scores: AccountScores) -> list[str]:
    """The labels of the KPIs red this week, in scorecard order."""
    return [
        kpi.label
        for kpi, status in zip(scores.kpis, scores.current.statuses, strict=True)
        if status is Status.RED
    ]


MATERIAL_FALL = 10
"""A fall of the overall score over four weeks is material beyond this many points (or
when it loses a status): smaller moves inside one status are weekly jitter. The
portfolio's `alerts.score_fall` says otherwise (`score_fall`)."""

RANK = {Status.GREEN: 0, Status.AMBER: 1, Status.RED: 2}
OFF_TARGET = (Status.RED, Status.AMBER)


def score_fall(session: Session) -> int:
    """The portfolio's material fall of a score, in points."""
    settings = session.get(PortfolioSettings, 1)
    return settings.score_fall if settings is not None else MATERIAL_FALL


def falling(
    now: int | None,
    now_status: Status | None,
    before: WeekScore | None,
    points: int = MATERIAL_FALL,
) -> bool:
    """Whether the score fell materially since `before`: a status lost, or more than
    `points`."""
    if before is None or now is None or now_status is None:
        return False
    was, was_status = before.score.score, before.score.status
    if was is None or was_status is None:
        return False
    return RANK[now_status] > RANK[was_status] or was - now > points


def summary(scores: AccountScores, fall: int = MATERIAL_FALL) -> AccountSummary:
    """The account's digest line (built without re-validation: every field comes from here)."""
    values = scores.timeline.now.values
    current, before = scores.current.score, scores.earlier
    return AccountSummary.model_construct(
        account_id=scores.account.id,
        name=scores.account.name,
        score=current.score,
        status=current.status,
        trend=scores.score_trend,
        score_before=before.score.score if before else None,
        kpis=[
            KpiBrief.model_construct(
                key=line.kpi.key, label=line.kpi.label, status=line.status, trend=line.trend
            )
            for line in scores.lines(only=OFF_TARGET)
        ],
        response_rate=values.get("response_rate"),
        open_escalations=int(values.get("escalations_open", 0)),
        overdue_escalations=int(values.get("escalations_overdue", 0)),
        advocacy_actions=int(values.get("advocacy_actions", 0)),
        falling=falling(current.score, current.status, before, fall),
        missed_checkins=bool(scores.timeline.missed),
    )


def card(scores: AccountScores, fall: int = MATERIAL_FALL) -> ScorecardCard:
    """The full scorecard of one account this week."""
    now = scores.timeline.now
    return ScorecardCard(
        summary=summary(scores, fall),
        iso_week=weeks.label(scores.timeline.current),
        kpis=[KpiItem.of(line) for line in scores.lines()],
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
    fall = score_fall(session)
    cards = [card(s, fall) for s in score_accounts(session, Account.id.in_(ids), now=now)]
    cards = cards_with_sponsors(session, cards, can_rotate=actor.is_admin)
    return ScorecardCards(
        cards=cards_with_risks(session, cards_with_strategic(session, cards, now.date()))
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
    the clicked message), since they can read that channel anyway, and without the
    account's risks, which are for its members.
    """
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound(NOT_YOURS_BY_ID)
    member = actor.is_admin or bool(roles_on(session, actor, account.id))
    if not member:
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
    fall = score_fall(session)
    cards = [card(s, fall) for s in score_accounts(session, Account.id == account_id, now=now)]
    cards = cards_with_sponsors(session, cards, can_rotate=actor.is_admin)
    cards = cards_with_strategic(session, cards, now.date())
    return ScorecardCards(cards=cards_with_risks(session, cards) if member else cards)


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
