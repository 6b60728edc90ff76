"""Risks in Slack: `/sponsor risk` logs one, `/sponsor risks` lists the register by score,
App Home shows the highest, and the owner's review DM (*Still right*, *Update…*,
*Close…*) keeps each one current."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.payloads import row_id
from bot.request import SlackRequest
from bot.slash.commands import LogRisk, RiskModal, Risks
from bot.surfaces import Surfaces
from bot.views.kit import Block, done_modal, submitted
from bot.views.risks import forms
from bot.views.risks.common import RiskAction, RiskCallback, RiskField
from bot.views.risks.forms import ReviewMetadata
from bot.views.risks.lists import home_section, logged_text, risks_list
from bot.views.risks.messages import high_risk_message
from engagement.access import Actor
from engagement.errors import FormInvalid, Invalid, NotAllowed, NotFound
from engagement.models import RiskState
from engagement.notify import Posted
from engagement.risks import service
from engagement.risks.alerts import HighRiskAlert
from engagement.risks.review_dates import RiskReviewed, RiskReviewRequest
from engagement.risks.rules import RiskInput, read_closing_note

log = logging.getLogger(__name__)


def register(surfaces: Surfaces) -> None:
    """Every Slack surface of the risk register."""
    surfaces.command(LogRisk, log_risk)
    surfaces.command(Risks, list_risks)
    surfaces.command(RiskModal, open_new)
    surfaces.action(RiskAction.NEW, open_new_from_home)
    surfaces.view(RiskCallback.NEW, submit_new)
    surfaces.home_section(risks_on_home)
    surfaces.renders(HighRiskAlert, high_risk_message)
    surfaces.renders(RiskReviewRequest, forms.review_request_message)
    surfaces.renders(RiskReviewed, forms.reviewed_message)
    surfaces.action(RiskAction.STILL_RIGHT, still_right)
    surfaces.action(RiskAction.UPDATE, open_update)
    surfaces.action(RiskAction.CLOSE, open_close)
    surfaces.view(RiskCallback.UPDATE, submit_update)
    surfaces.view(RiskCallback.CLOSE, submit_close)


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


def open_new(request: SlackRequest, _command: RiskModal | None = None) -> None:
    with request.reading() as session:
        accounts = service.loggable_accounts(session, request.actor(session))
    if not accounts:
        request.reply("Only the sponsors and SAMs of an account (or an admin) log its risks.")
        return
    request.open_view(forms.new_risk_modal(accounts))


def open_new_from_home(request: SlackRequest, _action: dict[str, Any]) -> None:
    open_new(request)


def submit_new(request: SlackRequest, view: dict[str, Any]) -> dict[str, Any] | None:
    """Log it; a problem stays in the modal beside its field, else the modal says what was
    logged."""
    try:
        fields = RiskInput.read(
            probability=submitted(view, RiskField.PROBABILITY),
            impact=submitted(view, RiskField.IMPACT),
            description=submitted(view, RiskField.DESCRIPTION),
            category=submitted(view, RiskField.CATEGORY),
            mitigation=submitted(view, RiskField.MITIGATION) or "",
            review_on=submitted(view, RiskField.REVIEW_ON),
        )
        with request.session() as session:
            line = service.log_risk(
                session, actor=request.actor(session), fields=fields, now=request.now(),
                account_id=row_id(submitted(view, RiskField.ACCOUNT)) or -1,
            )  # fmt: skip
    except FormInvalid as problem:
        [(field, message)] = problem.field_errors.items()
        return forms.errors(_FIELDS.get(field, RiskField.DESCRIPTION), message)
    except (NotFound, NotAllowed) as refused:
        return forms.errors(RiskField.ACCOUNT, str(refused))
    return {
        "response_action": "update",
        "view": done_modal(f"Logged {line.code}", logged_text(line)),
    }


def list_risks(request: SlackRequest, command: Risks) -> None:
    with request.reading() as session:
        accounts, lines = service.list_risks(
            session, actor=request.actor(session), account=command.account
        )
    payload = risks_list(accounts, lines)
    request.reply(payload["text"], payload["blocks"])


def risks_on_home(session: Session, actor: Actor, now: datetime) -> list[Block]:
    """The open risks of the viewer's accounts (an admin sees every account's)."""
    lines = service.list_risks(session, actor=actor)[1]
    return home_section(lines, can_log=bool(service.loggable_accounts(session, actor)))


# --- the owner's review DM ----------------------------------------------------------------


def _clicked(request: SlackRequest, action: dict[str, Any]) -> ReviewMetadata:
    """The risk a button is for, and the DM it sits in; a garbled value is refused, logged."""
    risk_id = row_id(action.get("value"))
    if risk_id is None:
        log.warning("risk.bad_button user=%s action=%s", request.user_id, action.get("action_id"))
        raise Invalid("That button is out of date; use the latest message about it.")
    container = request.body.get("container") or {}
    return ReviewMetadata(
        risk_id=risk_id,
        channel=str(container.get("channel_id") or request.channel_id or "") or None,
        ts=str(container.get("message_ts") or "") or None,
    )


def _settle_dm(request: SlackRequest, where: ReviewMetadata, message: RiskReviewed) -> None:
    """The DM says what was decided and loses its buttons."""
    if where.channel and where.ts:
        request.runtime.notifier.update(Posted(where.channel, where.ts), message)


def still_right(request: SlackRequest, action: dict[str, Any]) -> None:
    where = _clicked(request, action)
    with request.session() as session:
        line = service.still_right(
            session, actor=request.actor(session), risk_id=where.risk_id, now=request.now()
        )
    _settle_dm(request, where, RiskReviewed(risk=line, outcome="still right"))


def _open(request: SlackRequest, action: dict[str, Any], modal: Any) -> None:
    where = _clicked(request, action)
    with request.reading() as session:
        risk = service.editable_risk(session, request.actor(session), where.risk_id)
        line = service.line_of(session, risk)
    request.open_view(modal(line, where))


def open_update(request: SlackRequest, action: dict[str, Any]) -> None:
    _open(request, action, forms.update_modal)


def open_close(request: SlackRequest, action: dict[str, Any]) -> None:
    _open(request, action, forms.close_modal)


def _metadata(request: SlackRequest, view: dict[str, Any]) -> ReviewMetadata:
    where = ReviewMetadata.load(view.get("private_metadata"))
    if where is None:
        log.warning("risk.bad_form_metadata user=%s", request.user_id)
        raise Invalid("That form is out of date; use the buttons on the latest message.")
    return where


def submit_update(request: SlackRequest, view: dict[str, Any]) -> dict[str, Any] | None:
    where = _metadata(request, view)
    state = submitted(view, RiskField.STATE)
    if state not in {item.value for item in RiskState}:
        return forms.errors(RiskField.STATE, "Choose a state.")
    try:
        with request.session() as session:
            actor = request.actor(session)
            risk = service.editable_risk(session, actor, where.risk_id)
            fields = RiskInput.read(
                probability=submitted(view, RiskField.PROBABILITY),
                impact=submitted(view, RiskField.IMPACT),
                description=risk.description,
                mitigation=submitted(view, RiskField.MITIGATION) or "",
                review_on=submitted(view, RiskField.REVIEW_ON),
            )
            line = service.reassess(
                session, actor=actor, risk_id=where.risk_id, fields=fields,
                state=RiskState(state), now=request.now(),
            )  # fmt: skip
    except FormInvalid as problem:
        [(field, message)] = problem.field_errors.items()
        return forms.errors(_FIELDS.get(field, RiskField.PROBABILITY), message)
    _settle_dm(request, where, RiskReviewed(risk=line, outcome="updated"))
    return None


_FIELDS = {
    "description": RiskField.DESCRIPTION,
    "category": RiskField.CATEGORY,
    "probability": RiskField.PROBABILITY,
    "impact": RiskField.IMPACT,
    "mitigation": RiskField.MITIGATION,
    "review_on": RiskField.REVIEW_ON,
}


def submit_close(request: SlackRequest, view: dict[str, Any]) -> dict[str, Any] | None:
    where = _metadata(request, view)
    try:
        note = read_closing_note(submitted(view, RiskField.NOTE) or "")
    except Invalid as problem:
        return forms.errors(RiskField.NOTE, str(problem))
    with request.session() as session:
        line = service.close(
            session, actor=request.actor(session), risk_id=where.risk_id, note=note,
            now=request.now(),
        )  # fmt: skip
    _settle_dm(request, where, RiskReviewed(risk=line, outcome="closed"))
    return None
