"""Scorecards in Slack: `/sponsor status`, `kpi`, `digest`, the Details button, App Home scores."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.handlers import ActionHandler
from bot.home import home_section
from bot.payloads import row_id
from bot.render import render
from bot.request import SlackRequest
from bot.slash import grammar
from bot.slash.dispatch import handles
from bot.views.kit import Block
from bot.views.scorecard.cards import recorded_line
from bot.views.scorecard.common import ScorecardAction
from bot.views.scorecard.home import home_scores_blocks
from engagement.access import Actor
from engagement.scoring.cards import details_card, home_scores, status_cards
from engagement.scoring.digest import preview_digest
from engagement.scoring.kpis import record_kpi


@handles(grammar.Status)
def status(request: SlackRequest, command: grammar.Status) -> None:
    with request.reading() as session:
        cards = status_cards(session, actor=request.actor(session), account_name=command.account,
                             now=request.now())  # fmt: skip
    request.reply(**render(cards))


@handles(grammar.Kpi)
def kpi(request: SlackRequest, command: grammar.Kpi) -> None:
    with request.session() as session:
        recorded = record_kpi(session, actor=request.actor(session), account_name=command.account,
                              key=command.key, value=command.value, now=request.now())  # fmt: skip
    request.reply(recorded_line(recorded))


@handles(grammar.Digest)
def digest(request: SlackRequest, command: grammar.Digest) -> None:
    with request.reading() as session:
        pages = preview_digest(session, actor=request.actor(session),
                               account_name=command.account, now=request.now())  # fmt: skip
    for message in pages.messages:
        request.reply(**render(message))


def details(request: SlackRequest, action: dict[str, Any]) -> None:
    account_id = row_id(action.get("value"))
    if account_id is None:
        request.reply("That button does not name an account.")
        return
    with request.reading() as session:
        cards = details_card(
            session, actor=request.actor(session), account_id=account_id, now=request.now(),
            from_channel=request.channel_id or None,
        )  # fmt: skip
    request.reply(**render(cards))


ACTIONS: dict[str, ActionHandler] = {ScorecardAction.DETAILS: details}


@home_section(30)
def scores_on_home(session: Session, actor: Actor, now: datetime) -> list[Block]:
    return home_scores_blocks(home_scores(session, actor=actor, now=now))
