"""Risks in Slack: `/sponsor risk` logs one, `/sponsor risks` lists the register by score."""

from __future__ import annotations

from bot.request import SlackRequest
from bot.slash.commands import LogRisk, Risks
from bot.surfaces import Surfaces
from bot.views.risks.lists import logged_text, risks_list
from engagement.risks import register as register_of_risks


def register(surfaces: Surfaces) -> None:
    """Every Slack surface of the risk register."""
    surfaces.command(LogRisk, log_risk)
    surfaces.command(Risks, list_risks)


def log_risk(request: SlackRequest, command: LogRisk) -> None:
    with request.session() as session:
        line = register_of_risks.log_risk(
            session,
            actor=request.actor(session),
            account=command.account,
            fields=command.fields,
            now=request.now(),
        )
    request.reply(logged_text(line))


def list_risks(request: SlackRequest, command: Risks) -> None:
    with request.reading() as session:
        accounts, lines = register_of_risks.list_risks(
            session, actor=request.actor(session), account=command.account
        )
    payload = risks_list(accounts, lines)
    request.reply(payload["text"], payload["blocks"])
