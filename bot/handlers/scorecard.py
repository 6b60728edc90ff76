"""Scorecards in Slack: `/sponsor status`, `kpi`, `digest`, the Details button, App Home scores."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.payloads import row_id
from bot.request import SlackRequest
from bot.slash import grammar
from bot.surfaces import Surfaces
from bot.views.kit import Block
from bot.views.scorecard.alerts import render_alerts
from bot.views.scorecard.cards import recorded_line, render_cards
from bot.views.scorecard.common import ScorecardAction
from bot.views.scorecard.digest import render_continuation, render_digest
from bot.views.scorecard.home import home_scores_blocks
from engagement.access import Actor
from engagement.scoring.cards import details_card, home_scores, status_cards
from engagement.scoring.digest import preview_digest
from engagement.scoring.kpis import record_kpi
from engagement.scoring.messages import AlertBundle, Digest, DigestContinuation, ScorecardCards


def register(surfaces: Surfaces) -> None:
    """`/sponsor status`, `kpi` and `digest`; the Details button; App Home's scores; how
    scorecards, digests and alerts look."""
    surfaces.command(grammar.Status, status)
    surfaces.command(grammar.Kpi, kpi)
    surfaces.command(grammar.Digest, digest)
    surfaces.action(ScorecardAction.DETAILS, details)
    surfaces.home_section(scores_on_home)
    surfaces.renders(ScorecardCards, render_cards)
    surfaces.renders(Digest, render_digest)
    surfaces.renders(DigestContinuation, render_continuation)
    surfaces.renders(AlertBundle, render_alerts)


def status(request: SlackRequest, command: grammar.Status) -> None:
    with request.reading() as session:
        cards = status_cards(session, actor=request.actor(session), account_name=command.account,
                             now=request.now())  # fmt: skip
    request.reply(**request.runtime.renderers.render(cards))


def kpi(request: SlackRequest, command: grammar.Kpi) -> None:
    with request.session() as session:
        recorded = record_kpi(session, actor=request.actor(session), account_name=command.account,
                              key=command.key, value=command.value, now=request.now())  # fmt: skip
    request.reply(recorded_line(recorded))


def digest(request: SlackRequest, command: grammar.Digest) -> None:
    with request.reading() as session:
        pages = preview_digest(session, actor=request.actor(session),
                               account_name=command.account, now=request.now())  # fmt: skip
    for message in pages.messages:
        request.reply(**request.runtime.renderers.render(message))


def details(request: SlackRequest, action: dict[str, Any]) -> None:
    """A Details button (its value) or a digest's menu (the chosen option's value)."""
    chosen = action.get("selected_option") or {}
    account_id = row_id(action.get("value") or chosen.get("value"))
    if account_id is None:
        request.reply("That choice does not name an account.")
        return
    with request.reading() as session:
        cards = details_card(
            session, actor=request.actor(session), account_id=account_id, now=request.now(),
            from_channel=request.channel_id or None,
        )  # fmt: skip
    request.reply(**request.runtime.renderers.render(cards))


def scores_on_home(session: Session, actor: Actor, now: datetime) -> list[Block]:
    return home_scores_blocks(home_scores(session, actor=actor, now=now))
