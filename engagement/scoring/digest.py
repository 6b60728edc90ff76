"""The weekly digest, composed per digest channel: the top of the attention ranking and
the accounts on track on the first message, the rest in its thread, and the trend chart.
Posted by `digest_posts`, kept true by `digest_refresh`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from engagement.access import Actor, account_for, visible_accounts
from engagement.models import (
    Account,
    AdvocacyAction,
    Person,
    PortfolioSettings,
)
from engagement.scoring import weeks
from engagement.scoring.cards import score_fall, summary
from engagement.scoring.chart import TrendChart
from engagement.scoring.evaluate import AccountScores, History, score_accounts
from engagement.scoring.indicators import HISTORY
from engagement.scoring.messages import (
    AccountSummary,
    Digest,
    DigestContinuation,
    Highlight,
    StatusCounts,
)
from engagement.scoring.role_balance import boss_mode_action
from engagement.scoring.scorecard import Status
from engagement.scoring.strategic import with_strategic

HEAD_ATTENTION = 10
"""The top of the attention ranking on the first message; the rest continue in the thread."""
ON_TRACK_LINES = 8
"""Up to this many accounts on track are listed one a line; more are summed up in one line
on the first message and listed in the thread."""
NO_DATA_NAMES = 20
"""Up to this many accounts without data are named in one line; more go to the thread."""
PART_ACCOUNTS = 90
"""Accounts per continuation in the thread (one Details menu holds at most 100)."""
HIGHLIGHTS = 3
HIGHLIGHT_CHARS = 280


@dataclass(frozen=True)
class DigestPages:
    """A whole digest: the first message, the continuations for its thread, the chart."""

    head: Digest
    rest: list[DigestContinuation]
    chart: TrendChart

    @property
    def messages(self) -> list[Digest | DigestContinuation]:
        return [self.head, *self.rest]


def attention_rank(item: AccountSummary) -> tuple[int, int, int, int, int, str]:
    """The one ranking rule: red, then amber (lowest score first), then the steepest
    material fall, then overdue escalations and missed check-ins (most overdue first),
    then high risks and overdue reviews; ties by name."""
    if item.status is Status.RED or item.status is Status.AMBER:
        group, key = (0 if item.status is Status.RED else 1), item.score or 0
    elif item.falling:
        group, key = 2, (item.score or 0) - (item.score_before or 0)
    else:
        group, key = 3, -item.overdue_escalations
    missed, review = (0 if flag else 1 for flag in (item.missed_checkins, item.review_overdue))
    return (group, key, missed, -item.high_risks, review, item.name.lower())


def compose(
    session: Session,
    *,
    channel: str,
    scope: ColumnElement[bool],
    iso_week: str,
    now: datetime,
    preview: bool = False,
    pinned: bool = False,
    history: History = History.KEPT,
) -> DigestPages:
    """The digest of the accounts matching `scope`: the top of the attention ranking and
    the accounts on track on the first message, everything else in its thread.

    `pinned`: the figures of `iso_week` with everything known by `now`, a later week.
    `history`: the weeks of its trends and chart come from kept weeks that hold (and those
    computed are kept, for the digest being posted)."""
    week = _week_number(iso_week) if pinned else None
    scored = score_accounts(session, scope, now=now, week=week, history=history)
    fall = score_fall(session)
    summaries = with_strategic(session, [summary(scores, fall) for scores in scored], now.date())
    attention = sorted((s for s in summaries if s.attention), key=attention_rank)
    calm = [s for s in summaries if not s.attention]
    on_track = [s for s in calm if s.status is not None]
    no_data = [s for s in calm if s.status is None]
    listed = len(on_track) <= ON_TRACK_LINES
    named = len(no_data) <= NO_DATA_NAMES
    later = [("attention", s) for s in attention[HEAD_ATTENTION:]]
    later += [] if listed else [("on_track", s) for s in on_track]
    later += [] if named else [("no_data", s) for s in no_data]
    chunks = [later[start : start + PART_ACCOUNTS] for start in range(0, len(later), PART_ACCOUNTS)]
    week_start = _monday(iso_week)
    head = Digest(
        channel=channel,
        iso_week=iso_week,
        week_start=week_start,
        preview=preview,
        total_accounts=len(summaries),
        totals=_totals(summaries),
        attention_total=len(attention),
        attention=attention[:HEAD_ATTENTION],
        on_track_total=len(on_track),
        on_track=on_track if listed else [],
        no_data_total=len(no_data),
        no_data=no_data if named else [],
        highlights=_highlights(session, [s.account_id for s in summaries], now),
        parts=1 + len(chunks),
    )
    rest = [
        DigestContinuation(
            channel=channel,
            iso_week=iso_week,
            week_start=week_start,
            part=number,
            parts=head.parts,
            **{
                kind: [s for tag, s in chunk if tag == kind]
                for kind in ("attention", "on_track", "no_data")
            },
        )
        for number, chunk in enumerate(chunks, start=2)
    ]
    return DigestPages(head, rest, _chart(scored, channel, iso_week))


def _totals(summaries: list[AccountSummary]) -> StatusCounts:
    counts = {status: 0 for status in Status}
    missing = 0
    for item in summaries:
        if item.status is None:
            missing += 1
        else:
            counts[item.status] += 1
    return StatusCounts(
        green=counts[Status.GREEN], amber=counts[Status.AMBER], red=counts[Status.RED],
        no_data=missing,
    )  # fmt: skip


def _highlights(session: Session, account_ids: list[int], now: datetime) -> list[Highlight]:
    """The latest advocacy actions of the past week (one query); a forgotten person's, whose
    text was removed, and one that signals boss mode are not shown."""
    if not account_ids:
        return []
    scope = Account.id.in_(account_ids) if len(account_ids) <= 900 else Account.id.is_not(None)
    rows = session.execute(
        select(Account.name, Person.display_name, Person.slack_user_id, AdvocacyAction.text)
        .join(Account, Account.id == AdvocacyAction.account_id)
        .join(Person, Person.id == AdvocacyAction.person_id)
        .where(
            scope,
            AdvocacyAction.text != "",
            AdvocacyAction.logged_at > now - timedelta(days=7),
            AdvocacyAction.logged_at <= now,
            ~boss_mode_action(now),
        )
        .order_by(AdvocacyAction.logged_at.desc(), AdvocacyAction.id.desc())
        .limit(HIGHLIGHTS * 4)
    )
    found: dict[tuple[str, str], Highlight] = {}
    for account, name, user_id, text in rows:
        if (account, text) in found or len(found) == HIGHLIGHTS:
            continue  # the same action logged twice is one highlight
        found[account, text] = Highlight(
            account=account,
            user_id=user_id,
            name=name,
            text=text if len(text) <= HIGHLIGHT_CHARS else text[: HIGHLIGHT_CHARS - 1] + "…",
        )
    return list(found.values())


def _chart(scored: list[AccountScores], channel: str, iso_week: str) -> TrendChart:
    """Counts by status and the mean score for each of the last HISTORY weeks."""
    counts = {key: [0] * HISTORY for key in ("green", "amber", "red", "no_data")}
    totals = [0] * HISTORY
    scored_accounts = [0] * HISTORY
    for scores in scored:
        first = scores.timeline.current - HISTORY + 1
        for offset in range(HISTORY):
            week = scores.at(first + offset)
            result = week.score if week else None
            if result is None or result.status is None or result.score is None:
                counts["no_data"][offset] += 1
                continue
            counts[str(result.status)][offset] += 1
            totals[offset] += result.score
            scored_accounts[offset] += 1
    last = _week_number(iso_week)
    labels = [weeks.label(last - HISTORY + 1 + offset) for offset in range(HISTORY)]
    return TrendChart(
        title=f"Sponsor scorecards, last {HISTORY} weeks — {channel}",
        weeks=labels,
        green=counts["green"],
        amber=counts["amber"],
        red=counts["red"],
        no_data=counts["no_data"],
        mean_score=[
            round(total / n, 1) if n else None
            for total, n in zip(totals, scored_accounts, strict=True)
        ],
    )


def _monday(iso_week: str) -> date:
    year, number = iso_week.split("-W")
    return date.fromisocalendar(int(year), int(number), 1)


def _week_number(iso_week: str) -> int:
    return weeks.week_of(_monday(iso_week))


def compose_channel(
    session: Session,
    *,
    channel: str,
    iso_week: str,
    now: datetime,
    pinned: bool = False,
    history: History = History.KEPT,
) -> DigestPages:
    return compose(
        session,
        channel=channel,
        scope=Account.digest_channel == channel,
        iso_week=iso_week,
        now=now,
        pinned=pinned,
        history=history,
    )


def preview_digest(
    session: Session, *, actor: Actor, account_name: str | None = None, now: datetime
) -> DigestPages:
    """`/sponsor digest [account]`: this week's digest of the caller's accounts, only to them.

    Send `pages.messages` as ephemeral replies, in order (the chart is not uploaded).
    """
    if account_name and account_name.strip():
        account = account_for(session, actor, account_name)
        ids = [account.id]
        zone = account.timezone
    else:
        ids = [account.id for account in visible_accounts(session, actor)]
        settings = session.get(PortfolioSettings, 1)
        zone = settings.timezone if settings else "UTC"
    scope = Account.id.in_(ids) if ids else Account.id.is_(None)
    return compose(
        session,
        channel="your accounts",
        scope=scope,
        iso_week=weeks.label(weeks.local_week(now, zone)),
        now=now,
        preview=True,
    )
