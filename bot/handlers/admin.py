"""The admin in Slack: App Home's switch to the Admin view, the first run, *Add account* and
*Edit*, *Scorecard* and its KPI form, *Admins*, *Audit log*.

Every handler asks the domain (`engagement.portfolio.editing`, `engagement.admins`), which
refuses anyone but an admin before reading a field: a forged click or submission from
someone else is told so in one line and writes nothing. A form's problems stay in the
modal beside their fields; a saved form turns into what was done, and the Admin view is
brought up to date after the ack.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.errors import user_message
from bot.payloads import row_id
from bot.request import SlackRequest
from bot.surfaces import Surfaces
from bot.views.admin.audit import audit_modal
from bot.views.admin.common import AdminAction, AdminCallback, AdminField, FormMetadata
from bot.views.admin.home import admin_view, top_blocks
from bot.views.admin.modals import (
    HIGHER,
    LOWER,
    account_modal,
    account_saved,
    admins_modal,
    admins_saved,
    errors,
    kpi_modal,
    scorecard_modal,
)
from bot.views.kit import Block, done_modal, submitted, submitted_users
from engagement import audit
from engagement.access import Actor
from engagement.admins import require_admin, set_admins
from engagement.errors import FormInvalid, Invalid, NotFound
from engagement.portfolio import editing

log = logging.getLogger(__name__)


def register(surfaces: Surfaces) -> None:
    """App Home's top (the switch, the first run), the Admin view's buttons, the modals."""
    surfaces.home_section(admin_top)
    for action in (AdminAction.VIEW, AdminAction.PREVIOUS, AdminAction.NEXT):
        surfaces.action(action, show_admin_view)
    surfaces.action(AdminAction.MY_HOME, show_my_home)
    surfaces.action(AdminAction.ADD_ACCOUNT, open_add_account)
    surfaces.action(AdminAction.EDIT_ACCOUNT, open_edit_account)
    surfaces.view(AdminCallback.ACCOUNT, submit_account)
    surfaces.action(AdminAction.SCORECARD, open_scorecard)
    surfaces.action(AdminAction.ADD_KPI, show_kpi_form)
    surfaces.action(AdminAction.EDIT_KPI, show_kpi_form)
    surfaces.view(AdminCallback.KPI, submit_kpi)
    surfaces.action(AdminAction.ADMINS, open_admins)
    surfaces.view(AdminCallback.ADMINS, submit_admins)
    for action in (AdminAction.AUDIT, AdminAction.AUDIT_OLDER, AdminAction.AUDIT_NEWER):
        surfaces.action(action, show_audit_log)


def admin_top(session: Session, actor: Actor, now: datetime) -> list[Block]:
    first_run = actor.is_admin and editing.first_run(session)
    return top_blocks(is_admin=actor.is_admin, first_run=first_run,
                      known=actor.person_id is not None, admins=actor.admins)  # fmt: skip


def _page(action: dict[str, Any]) -> int:
    return row_id(action.get("value")) or 1


def _publish_admin_view(request: SlackRequest, page: int) -> None:
    with request.reading() as session:
        actor = request.actor(session)
        data = editing.account_page(
            session, actor=actor.user_id, admins=actor.admins, page=page, now=request.now()
        )
    request.runtime.notifier.call("views.publish", user_id=request.user_id, view=admin_view(data))


def show_admin_view(request: SlackRequest, action: dict[str, Any]) -> None:
    _publish_admin_view(request, _page(action))


def show_my_home(request: SlackRequest, _action: dict[str, Any]) -> None:
    request.runtime.publish_home(request.user_id)


def _refresh_admin_view(request: SlackRequest, page: int) -> None:
    """After a saved form's ack: the Admin view shows the change (the change is saved)."""
    try:
        _publish_admin_view(request, page)
    except Exception as error:  # after the ack nobody else would hear of it
        user_message(error)  # logs it, with a reference for anything unexpected
        log.warning("admin.view_not_refreshed user=%s", request.user_id)


def _metadata(request: SlackRequest, view: dict[str, Any]) -> FormMetadata:
    found = FormMetadata.load(view.get("private_metadata"))
    if found is None:
        log.warning("admin.bad_form_metadata user=%s", request.user_id)
        raise Invalid("That form is out of date; open it again from App Home.")
    return found


# --- accounts -----------------------------------------------------------------------------


def open_add_account(request: SlackRequest, action: dict[str, Any]) -> None:
    with request.reading() as session:
        actor = request.actor(session)
        require_admin(actor.user_id, actor.admins, what="account")
        first_run = editing.first_run(session)
    metadata = FormMetadata(page=_page(action))
    request.open_view(account_modal(None, metadata, first_run=first_run))


def open_edit_account(request: SlackRequest, action: dict[str, Any]) -> None:
    account_id = row_id(action.get("value"))
    if account_id is None:
        raise NotFound("That account no longer exists.")
    with request.reading() as session:
        actor = request.actor(session)
        form = editing.account_form(
            session, actor=actor.user_id, admins=actor.admins, account_id=account_id
        )
    shown = row_id((request.body.get("view") or {}).get("private_metadata"))  # its page
    metadata = FormMetadata(account_id=account_id, page=shown or 1)
    request.open_view(account_modal(form, metadata, first_run=False))


def submit_account(request: SlackRequest, view: dict[str, Any]) -> dict[str, Any] | None:
    metadata = _metadata(request, view)
    form = editing.AccountForm(
        name=submitted(view, AdminField.NAME) or "",
        sam=submitted(view, AdminField.SAM) or "",
        sponsors=tuple(submitted_users(view, AdminField.SPONSORS)),
        channel=submitted(view, AdminField.CHANNEL),
        phase=submitted(view, AdminField.PHASE) or "",
        governance=submitted(view, AdminField.GOVERNANCE) or "",
        cadence=submitted(view, AdminField.CADENCE) or "",
        digest_channel=submitted(view, AdminField.DIGEST_CHANNEL),
    )
    try:
        with request.session() as session:
            actor = request.actor(session)
            plan = editing.save_account(
                session, actor=actor.user_id, admins=actor.admins,
                account_id=metadata.account_id, form=form, now=request.now(),
            )  # fmt: skip
    except FormInvalid as problem:
        return errors(problem.field_errors)
    log.info("admin.account_saved user=%s status=%s", request.user_id, plan.status)
    request.runtime.followups.submit(_refresh_admin_view, request, metadata.page)
    title = "Account added" if plan.status == "added" else "Account saved"
    return {
        "response_action": "update",
        "view": done_modal(title, account_saved(plan.name, plan.status)),
    }


# --- the scorecard ------------------------------------------------------------------------


def open_scorecard(request: SlackRequest, _action: dict[str, Any]) -> None:
    with request.reading() as session:
        actor = request.actor(session)
        card = editing.scorecard(session, actor=actor.user_id, admins=actor.admins)
    request.open_view(scorecard_modal(card))


def show_kpi_form(request: SlackRequest, action: dict[str, Any]) -> None:
    """*Add KPI* or a KPI's *Edit*, in place of the Scorecard modal (its submission brings
    the scorecard back)."""
    view_id = (request.body.get("view") or {}).get("id")
    with request.reading() as session:
        actor = request.actor(session)
        card = editing.scorecard(session, actor=actor.user_id, admins=actor.admins)
    key = action.get("value") if action.get("action_id") == AdminAction.EDIT_KPI else None
    kpi = next((kpi for kpi in card.kpis if kpi.key == key), None)
    if key is not None and kpi is None:
        raise NotFound("That KPI is no longer on the scorecard.")
    request.runtime.notifier.call("views.update", view_id=view_id, view=kpi_modal(kpi))


def submit_kpi(request: SlackRequest, view: dict[str, Any]) -> dict[str, Any] | None:
    metadata = _metadata(request, view)
    direction = submitted(view, AdminField.LOWER_IS_BETTER)
    if direction not in (LOWER, HIGHER):
        return errors({AdminField.LOWER_IS_BETTER: "Choose whether lower or higher is better."})
    form = editing.KpiForm(
        key=submitted(view, AdminField.KEY) or "",
        label=submitted(view, AdminField.LABEL) or "",
        unit=submitted(view, AdminField.UNIT) or "",
        target=submitted(view, AdminField.TARGET) or "",
        red=submitted(view, AdminField.RED) or "",
        weight=submitted(view, AdminField.WEIGHT) or "",
        lower_is_better=direction == LOWER,
    )
    try:
        with request.session() as session:
            actor = request.actor(session)
            card = editing.save_kpi(
                session, actor=actor.user_id, admins=actor.admins, editing=metadata.kpi,
                form=form, now=request.now(),
            )  # fmt: skip
    except FormInvalid as problem:
        return errors(problem.field_errors)
    key = metadata.kpi or form.key.strip()
    log.info("admin.kpi_saved user=%s kpi=%s", request.user_id, key)
    return {"response_action": "update", "view": scorecard_modal(card, saved=f"Saved {key}.")}


# --- admins -------------------------------------------------------------------------------


def open_admins(request: SlackRequest, action: dict[str, Any]) -> None:
    with request.reading() as session:
        actor = request.actor(session)
    require_admin(actor.user_id, actor.admins, what="admins")
    request.open_view(admins_modal(actor.admins, FormMetadata(page=_page(action))))


def submit_admins(request: SlackRequest, view: dict[str, Any]) -> dict[str, Any] | None:
    metadata = _metadata(request, view)
    try:
        with request.session() as session:
            added, removed = set_admins(
                session, actor=request.user_id, wanted=submitted_users(view, AdminField.ADMINS),
                seed=request.runtime.settings.sherpa_admins, now=request.now(),
            )  # fmt: skip
    except Invalid as problem:
        return errors({AdminField.ADMINS: str(problem)})
    if request.user_id in removed:  # no Admin view for them any more
        request.runtime.followups.submit(request.runtime.publish_home, request.user_id)
    else:
        request.runtime.followups.submit(_refresh_admin_view, request, metadata.page)
    return {
        "response_action": "update",
        "view": done_modal("Admins saved", admins_saved(added, removed)),
    }


# --- the audit log ------------------------------------------------------------------------

AUDIT_PAGE = 20
"""Entries on a page of the Audit log."""


def show_audit_log(request: SlackRequest, action: dict[str, Any]) -> None:
    """*Audit log* opens the newest page; *Older* and *Newer* turn it in place."""
    kind, cursor = action.get("action_id"), row_id(action.get("value"))
    with request.reading() as session:
        actor = request.actor(session)
        require_admin(actor.user_id, actor.admins, what="audit")
        page = audit.recent(
            session,
            before_id=cursor if kind == AdminAction.AUDIT_OLDER else None,
            after_id=cursor if kind == AdminAction.AUDIT_NEWER else None,
            limit=AUDIT_PAGE,
        )
    log.info("admin.audit_shown user=%s entries=%d", request.user_id, len(page.entries))
    if kind == AdminAction.AUDIT:
        request.open_view(audit_modal(page))
        return
    view_id = (request.body.get("view") or {}).get("id")
    request.runtime.notifier.call("views.update", view_id=view_id, view=audit_modal(page))
