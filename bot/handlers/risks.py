"""Risks in Slack: `/sponsor risk` logs one, `/sponsor risks` lists the register by score."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.request import SlackRequest
from bot.slash.commands import LogRisk, Risks
from bot.surfaces import Surfaces
from bot.views.kit import Block
from bot.views.risks.lists import home_section, logged_text, risks_list
from bot.views.risks.messages import high_risk_message
from engagement.access import Actor
from engagement.risks import service
from engagement.risks.alerts import HighRiskAlert


def register(surfaces: Surfaces) -> None:
    """Every Slack surface of the risk register."""
    surfaces.command(LogRisk, log_risk)
    surfaces.command(Risks, list_risks)
    surfaces.home_section(risks_on_home)
    surfaces.renders(HighRiskAlert, high_risk_message)


def log_risk(request: SlackRequest, command: LogRisk) -> None:
    with request.session() as session:
        line = service.log_risk(
            session,
            actor=request.actor(session),
            account=command.account,
            fields=command.fields,
            now=request.now(),
        )
    request.reply(logged_text(line))


def list_risks(request: SlackRequest, command: Risks) -> None:
    with request.reading() as session:
        accounts, lines = service.list_risks(
            session, actor=request.actor(session), account=command.account
        )
    payload = risks_list(accounts, lines)
    request.reply(payload["text"], payload["blocks"])


def risks_on_home(session: Session, actor: Actor, now: datetime) -> list[Block]:
    """The open risks of the viewer's accounts (an admin sees every account's)."""
    return home_section(service.list_risks(session, actor=actor)[1])
