"""Check-ins in Slack: the DM's buttons, the answer modal, four `/sponsor` commands, App Home.

Each handler parses, calls one domain function (which refuses anyone but the check-in's
recipient) and renders. Buttons are acked before they get here; an Answer or Edit opens
its modal straight after one read, while the trigger is fresh. A submission is
committed before the modal closes; the DM (and App Home, if the modal came from there)
is updated after the ack, so a slow Slack cannot make a recorded answer look failed.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from bot.errors import user_message
from bot.payloads import row_id
from bot.request import SlackRequest
from bot.slash.grammar import Checkin, Log, Pause, Resume
from bot.surfaces import Surfaces
from bot.views.checkins.common import ActionId
from bot.views.checkins.home import home_blocks
from bot.views.checkins.introduction import introduction_message
from bot.views.checkins.messages import nudge_message, prompt_message
from bot.views.checkins.modal import CALLBACK_ID, Metadata, answer_modal, form_input, modal_errors
from bot.views.checkins.replies import RESUMED_TEXT, logged_text, paused_text, recorded_text
from bot.views.kit import Block
from engagement.access import Actor
from engagement.checkins import pausing
from engagement.checkins.advocacy import log_advocacy
from engagement.checkins.answers import (
    Recorded,
    checkin_form,
    open_or_create_adhoc,
    record_answer,
    refuse_unless_own,
)
from engagement.checkins.home import home
from engagement.checkins.items import DmUpdate
from engagement.checkins.messages import CheckinNudge, CheckinPrompt, Introduction
from engagement.checkins.responses import remind_tomorrow, skip
from engagement.errors import FormInvalid, Invalid

log = logging.getLogger(__name__)

HOME_SECTION_BLOCKS = 50
"""The check-in share of App Home's 100 blocks, leaving room for the other sections."""


def register(surfaces: Surfaces) -> None:
    """`/sponsor checkin`, `log`, `pause` and `resume`; the DM's buttons and App Home's;
    the answer modal; App Home's check-ins; how the DM, its nudge and the introduction look."""
    surfaces.command(Checkin, checkin_now)
    surfaces.command(Log, log_action)
    surfaces.command(Pause, pause_checkins)
    surfaces.command(Resume, resume_checkins)
    surfaces.action(ActionId.ANSWER, open_answer)
    surfaces.action(ActionId.EDIT, open_answer)
    surfaces.action(ActionId.SKIP, skip_one)
    surfaces.action(ActionId.REMIND, remind_me)
    surfaces.action(ActionId.RESUME, resume_from_home)
    surfaces.action(ActionId.PAUSE, pause_from_home)
    surfaces.view(CALLBACK_ID, submit_answer)
    surfaces.home_section(checkins_section)
    surfaces.renders(CheckinPrompt, prompt_message)
    surfaces.renders(CheckinNudge, nudge_message)
    surfaces.renders(Introduction, introduction_message)


def _checkin_id(action: dict[str, Any]) -> int:
    found = row_id(action.get("value"))
    if found is None:
        raise Invalid("That button no longer points at a check-in.")
    return found


def _show(request: SlackRequest, dm: DmUpdate | None, *, from_home: bool) -> None:
    """Bring the DM (and App Home when the change came from there) up to date."""
    if dm is not None:
        request.runtime.notifier.update(dm.where, dm.message)
    if from_home:
        request.runtime.publish_home(request.user_id)


# --- buttons --------------------------------------------------------------------------


def _own(request: SlackRequest, checkin_id: int) -> None:
    """Refuse a click on a check-in that is gone or someone else's with a read, before
    taking the write lock: a stale or forged button never waits for, or holds up, the
    people whose clicks change something. (The change re-checks under the lock.)"""
    runtime = request.runtime
    with runtime.reader.connect() as connection:
        refuse_unless_own(connection, request.user_id, runtime.settings.sherpa_admins, checkin_id)


def open_answer(request: SlackRequest, action: dict[str, Any]) -> None:
    """Answer and Edit: the modal, prefilled from the latest revision for an Edit."""
    with request.reading() as session:
        form = checkin_form(session, actor=request.actor(session), checkin_id=_checkin_id(action))
    request.open_view(answer_modal(form, from_home=request.from_home))


def skip_one(request: SlackRequest, action: dict[str, Any]) -> None:
    checkin_id = _checkin_id(action)
    _own(request, checkin_id)
    with request.session() as session:
        dm = skip(session, actor=request.actor(session), checkin_id=checkin_id, now=request.now())
    _show(request, dm, from_home=request.from_home)


def remind_me(request: SlackRequest, action: dict[str, Any]) -> None:
    checkin_id = _checkin_id(action)
    _own(request, checkin_id)
    with request.session() as session:
        postponed = remind_tomorrow(
            session, actor=request.actor(session), checkin_id=checkin_id, now=request.now()
        )
    _show(request, postponed.dm, from_home=request.from_home)


def resume_from_home(request: SlackRequest, _action: dict[str, Any]) -> None:
    with request.session() as session:
        pausing.resume(session, actor=request.actor(session), now=request.now())
    request.runtime.publish_home(request.user_id)


def pause_from_home(request: SlackRequest, action: dict[str, Any]) -> None:
    """The date picked beside *Resume now*: paused until then, as `/sponsor pause`."""
    try:
        until = date.fromisoformat(str(action.get("selected_date") or ""))
    except ValueError:
        raise Invalid("Pick the date check-ins should come back.") from None
    _pause(request, until)
    request.runtime.publish_home(request.user_id)


# --- the answer modal -----------------------------------------------------------------


def submit_answer(request: SlackRequest, view: dict[str, Any]) -> dict[str, Any] | None:
    """Record (once per opened modal) and close; bad fields stay in the modal."""
    try:
        meta = Metadata.load(str(view.get("private_metadata") or ""))
    except ValidationError:
        raise Invalid("This check-in form is out of date: open it again from the DM.") from None
    values = form_input((view.get("state") or {}).get("values") or {})
    try:
        with request.session() as session:
            recorded = record_answer(
                session,
                actor=request.actor(session),
                checkin_id=meta.checkin_id,
                form=values,
                now=request.now(),
                request_key=str(view["id"]),
            )
    except FormInvalid as error:
        return {"response_action": "errors", "errors": modal_errors(error.field_errors)}
    request.runtime.followups.submit(_after_recording, request, recorded, meta.from_home)
    return None


def _after_recording(request: SlackRequest, recorded: Recorded, from_home: bool) -> None:
    """After the ack: the DM says "Recorded"; an ad-hoc answer gets a line instead."""
    try:
        if recorded.dm is None and not recorded.duplicate:
            request.reply(recorded_text(recorded.account_name, recorded.revision))
        _show(request, recorded.dm, from_home=from_home)
    except Exception as error:  # after the ack nobody else would hear of it; it is recorded
        user_message(error)  # logs it, with a reference for anything unexpected
        log.warning("checkins.dm_not_updated checkin=%d", recorded.checkin_id)


# --- /sponsor checkin | log | pause | resume ------------------------------------------


def checkin_now(request: SlackRequest, command: Checkin) -> None:
    """The pending check-in (or a new one for today), in a modal at once."""
    with request.session() as session:
        form = open_or_create_adhoc(
            session, actor=request.actor(session), account=command.account, now=request.now()
        )
    request.open_view(answer_modal(form))


def log_action(request: SlackRequest, command: Log) -> None:
    with request.session() as session:
        logged = log_advocacy(
            session,
            actor=request.actor(session),
            account=command.account,
            text=command.text,
            now=request.now(),
        )
    request.reply(logged_text(logged.account_name, logged.text))


def _pause(request: SlackRequest, until: date) -> None:
    with request.session() as session:
        state = pausing.pause(session, actor=request.actor(session), until=until, now=request.now())
    for dm in state.dms:  # postponed check-ins the pause covers now say "skipped"
        request.runtime.notifier.update(dm.where, dm.message)


def pause_checkins(request: SlackRequest, command: Pause) -> None:
    _pause(request, command.until)
    request.reply(paused_text(command.until))


def resume_checkins(request: SlackRequest, _command: Resume) -> None:
    with request.session() as session:
        pausing.resume(session, actor=request.actor(session), now=request.now())
    request.reply(RESUMED_TEXT)


# --- App Home -------------------------------------------------------------------------


def checkins_section(session: Session, actor: Actor, now: datetime) -> list[Block]:
    """Pending check-ins with their buttons, the pause with Resume, my accounts."""
    data = home(session, actor=actor, now=now)
    if not data.known:
        return []  # App Home says once that the person has no accounts
    return home_blocks(data, HOME_SECTION_BLOCKS)
