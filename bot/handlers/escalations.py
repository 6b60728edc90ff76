"""Escalations in Slack: `/sponsor escalate|escalations|ack|resolve|cancel`, the sponsor's
buttons, the two modals, the *Escalate to sponsor* message shortcut and the App Home section.

Each handler reads the request, calls one function of `engagement.escalations`, and
answers. Authorization, validation, idempotence (a button pressed twice, a submission
retried) and the Slack side effects (alerts, DMs, updating them in place) are the
domain's: they are queued in the same transaction and delivered by the due-work engine.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.request import SlackRequest
from bot.slash.grammar import Ack, Cancel, Escalate, EscalateModal, Escalations, Resolve
from bot.surfaces import Surfaces
from bot.views.escalations import lists, modals
from bot.views.escalations.common import EscalationAction, EscalationCallback
from bot.views.escalations.messages import (
    alert_message,
    path_alert_message,
    reminder_message,
    sponsor_request_message,
)
from bot.views.escalations.modals import ModalMetadata, Prefill
from bot.views.escalations.replies import changed_line, raised_line
from bot.views.kit import done_modal
from engagement.access import Actor
from engagement.errors import Invalid
from engagement.escalations import listing, service
from engagement.escalations.codes import code_of, parse_code
from engagement.escalations.messages import (
    EscalationAlert,
    EscalationPathAlert,
    EscalationReminder,
    EscalationSponsorRequest,
)
from engagement.escalations.rules import EscalationInput, InvalidFields, ack_hours, read_note
from engagement.notify import DeliveryError

log = logging.getLogger(__name__)


def register(surfaces: Surfaces) -> None:
    """`/sponsor escalate`, `escalations`, `ack`, `resolve` and `cancel`; the sponsor's
    buttons and App Home's; the escalation and resolve modals; the *Escalate to sponsor*
    shortcut; App Home's escalations; how alerts, sponsor DMs and reminders look."""
    surfaces.command(EscalateModal, escalate_modal)
    surfaces.command(Escalate, escalate)
    surfaces.command(Escalations, list_open)
    surfaces.command(Ack, ack)
    surfaces.command(Resolve, resolve)
    surfaces.command(Cancel, cancel)
    surfaces.action(EscalationAction.ACKNOWLEDGE, acknowledge_button)
    surfaces.action(EscalationAction.RESOLVE, resolve_button)
    surfaces.action(EscalationAction.CANCEL, cancel_button)
    surfaces.action(EscalationAction.NEW, new_from_home)
    surfaces.view(EscalationCallback.RAISE, submit_escalation)
    surfaces.view(EscalationCallback.RESOLVE, submit_resolution)
    surfaces.shortcut(EscalationCallback.SHORTCUT, escalate_message)
    surfaces.home_section(home)
    surfaces.renders(EscalationAlert, alert_message)
    surfaces.renders(EscalationSponsorRequest, sponsor_request_message)
    surfaces.renders(EscalationReminder, reminder_message)
    surfaces.renders(EscalationPathAlert, path_alert_message)


# --- the escalation modal ---------------------------------------------------------------


def _modal(
    session: Session, actor: Actor, metadata: ModalMetadata, prefill: Prefill | None = None
) -> dict[str, Any]:
    """The modal offering only the accounts this person may escalate for."""
    return modals.escalation_modal(
        listing.raisable_accounts(session, actor=actor),
        metadata=metadata,
        prefill=prefill,
        ack_hours=ack_hours(session),
    )


def _open_modal(request: SlackRequest, metadata: ModalMetadata) -> None:
    with request.reading() as session:
        view = _modal(session, request.actor(session), metadata)
    request.open_view(view)


def escalate_modal(request: SlackRequest, _command: EscalateModal) -> None:
    _open_modal(request, ModalMetadata(source="command", channel_id=request.channel_id or None))


def new_from_home(request: SlackRequest, _action: dict[str, Any]) -> None:
    _open_modal(request, ModalMetadata(source="home"))


def escalate_message(request: SlackRequest, body: dict[str, Any]) -> None:
    """The message shortcut: open the modal pre-filled from the message at once (the trigger
    lasts 3 s), then look up the message's permalink and put it into the open modal."""
    message = body.get("message") or {}
    channel = request.channel_id
    prefill = modals.prefill_from_message(str(message.get("text") or ""))
    with request.reading() as session:
        accounts = listing.raisable_accounts(session, actor=request.actor(session))
        hours = ack_hours(session)

    def modal(permalink: str | None) -> dict[str, Any]:
        metadata = ModalMetadata(source="shortcut", channel_id=channel or None, permalink=permalink)
        return modals.escalation_modal(
            accounts, metadata=metadata, prefill=prefill, ack_hours=hours
        )

    opened = request.open_view(modal(None)).get("view") or {}
    if not accounts or not channel or not message.get("ts") or not opened.get("id"):
        return
    try:
        link = request.runtime.notifier.call(
            "chat.getPermalink", channel=channel, message_ts=str(message["ts"])
        )
        request.runtime.notifier.call(
            "views.update",
            view_id=opened["id"],
            hash=opened.get("hash"),
            view=modal(str(link.get("permalink") or "")),
        )
    except (DeliveryError, ValueError) as error:
        # The escalation can still be logged from the open modal, only without the link.
        log.warning("escalation.permalink_missing channel=%s error=%s", channel, error)


def submit_escalation(request: SlackRequest, view: dict[str, Any]) -> dict[str, Any] | None:
    """Log it; field problems stay in the modal, which otherwise turns into the outcome.

    The view's ID is the request key: the same submission twice logs one escalation.
    """
    form = modals.read_submission(view)
    try:
        with request.session() as session:
            raised = service.raise_escalation(
                session,
                actor=request.actor(session),
                account_id=form.account_id,
                fields=EscalationInput.read(
                    {
                        "severity": form.severity,
                        "summary": form.summary,
                        "details": form.details,
                        "ask": form.ask,
                        "due_by": form.due_by,
                        "permalink": form.metadata.permalink,
                    },
                    today=request.now().date(),
                ),
                request_key=f"view:{view['id']}",
                now=request.now(),
            )
    except InvalidFields as problems:
        return modals.errors_response(problems)
    if form.metadata.source == "home":
        _refresh_home_after_ack(request)
    return {
        "response_action": "update",
        "view": done_modal(f"Escalated {raised.escalation.code}", raised_line(raised)),
    }


def _refresh_home_after_ack(request: SlackRequest) -> None:
    """Republish the person's App Home once the modal's ack is on its way (a submission
    must be answered within 3 s; the change is already committed)."""

    def publish() -> None:
        try:
            request.runtime.publish_home(request.user_id)
        except DeliveryError as error:  # Home is rebuilt whenever they open it again
            log.warning("escalation.home_refresh_failed user=%s error=%s", request.user_id, error)

    request.runtime.followups.submit(publish)


# --- slash commands -----------------------------------------------------------------------


def escalate(request: SlackRequest, command: Escalate) -> None:
    with request.session() as session:
        raised = service.raise_escalation(
            session,
            actor=request.actor(session),
            account_name=command.account,
            fields=command.fields,
            now=request.now(),
        )
    request.reply(raised_line(raised))


def list_open(request: SlackRequest, command: Escalations) -> None:
    with request.reading() as session:
        found = listing.list_open(
            session, actor=request.actor(session), account=command.account, now=request.now()
        )
    payload = lists.escalations_list(found)
    request.reply(payload["text"], payload["blocks"])


def ack(request: SlackRequest, command: Ack) -> None:
    request.reply(_change(request, service.acknowledge, command.escalation_id))


def resolve(request: SlackRequest, command: Resolve) -> None:
    request.reply(_change(request, service.resolve, command.escalation_id, note=command.note))


def cancel(request: SlackRequest, command: Cancel) -> None:
    request.reply(_change(request, service.cancel, command.escalation_id))


def _change(
    request: SlackRequest, change: Callable[..., service.Changed], escalation_id: int, **more: str
) -> str:
    """One state change (acknowledge, resolve, cancel) in its transaction; its answer."""
    with request.session() as session:
        changed = change(
            session, actor=request.actor(session), escalation_id=escalation_id,
            now=request.now(), **more,
        )  # fmt: skip
    return changed_line(changed)


# --- buttons ------------------------------------------------------------------------------


def _button_id(request: SlackRequest, action: dict[str, Any]) -> int:
    """The escalation a button is for; a garbled value (a forged payload) is refused, logged."""
    try:
        return parse_code(str(action.get("value") or ""))
    except Invalid:
        log.warning(
            "escalation.bad_button user=%s action=%s", request.user_id, action.get("action_id")
        )
        raise Invalid("That button is out of date; use the latest message about it.") from None


def _answer(request: SlackRequest, line: str) -> None:
    """From App Home the refreshed Home is the answer; elsewhere one line only they see."""
    if request.from_home:
        request.runtime.publish_home(request.user_id)
    else:
        request.reply(line)


def acknowledge_button(request: SlackRequest, action: dict[str, Any]) -> None:
    _answer(request, _change(request, service.acknowledge, _button_id(request, action)))


def resolve_button(request: SlackRequest, action: dict[str, Any]) -> None:
    """Ask for the resolution note; the submission is checked like the command."""
    escalation_id = _button_id(request, action)
    request.open_view(modals.resolve_modal(escalation_id, channel_id=request.channel_id or None))


def cancel_button(request: SlackRequest, action: dict[str, Any]) -> None:
    _answer(request, _change(request, service.cancel, _button_id(request, action)))


def submit_resolution(request: SlackRequest, view: dict[str, Any]) -> dict[str, Any] | None:
    form = modals.read_resolve_submission(view)
    if form.escalation_id is None:
        log.warning("escalation.bad_resolve_metadata user=%s", request.user_id)
        raise Invalid("That form is out of date; press Resolve on the latest message again.")
    try:
        with request.session() as session:
            changed = service.resolve(
                session, actor=request.actor(session), escalation_id=form.escalation_id,
                note=read_note(form.note, required=True), now=request.now(),
            )  # fmt: skip
    except InvalidFields as problems:
        return modals.errors_response(problems, resolve=True)
    _refresh_home_after_ack(request)  # the Resolve button may have been pressed on App Home
    return {
        "response_action": "update",
        "view": done_modal(f"Resolve {code_of(form.escalation_id)}", changed_line(changed)),
    }


# --- App Home -----------------------------------------------------------------------------


def home(session: Session, actor: Actor, now: datetime) -> list[dict[str, Any]]:
    """The open escalations the person raised or sponsors, with their buttons (nothing for
    someone Sherpa does not know: Home says so once for every feature)."""
    if actor.person_id is None and not actor.is_admin:
        return []
    return lists.home_section(listing.for_home(session, actor=actor, now=now), viewer=actor.user_id)
