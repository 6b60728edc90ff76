"""The admin's modals: *Add account* / *Edit*, *Scorecard* with its KPI form, *Admins*."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from bot.views.admin.common import AdminAction, AdminCallback, AdminField, FormMetadata
from bot.views.channels import CHANNEL_ID
from bot.views.kit import (
    VIEW_BLOCKS,
    VIEW_TITLE,
    Block,
    actions,
    button,
    clip,
    context,
    escape,
    fit,
    input_block,
    option,
    plain,
    section,
    static_select,
    text_input,
)
from engagement.models import Cadence, Governance, Phase
from engagement.portfolio.editing import AccountForm, Scorecard
from engagement.refs import USER_ID
from engagement.scoring.kpis import Kpi
from engagement.scoring.scorecard import format_value

LOWER, HIGHER = "lower", "higher"


def admin_modal(
    callback: AdminCallback | None,
    title: str,
    blocks: list[Block],
    *,
    submit: str | None = None,
    metadata: FormMetadata | None = None,
) -> Block:
    view: Block = {
        "type": "modal",
        "title": plain(title, VIEW_TITLE),
        "close": plain("Cancel" if submit else "Done", VIEW_TITLE),
        "blocks": blocks,
    }
    if callback is not None:
        view["callback_id"] = callback.value
    if submit:
        view["submit"] = plain(submit, VIEW_TITLE)
    if metadata is not None:
        view["private_metadata"] = metadata.model_dump_json(exclude_none=True)
    return view


def _choices(field: AdminField, label: str, values: list[str], chosen: str) -> Block:
    options = [option(value.replace("-", " ").capitalize(), value) for value in values]
    return input_block(
        field.value, label, static_select(field.value, label, options, chosen=chosen)
    )


def _users(field: AdminField, label: str, chosen: Collection[str], *, many: bool,
           hint: str | None = None) -> Block:  # fmt: skip
    ids = [ref for ref in chosen if USER_ID.match(ref)]
    element: Block = {
        "type": "multi_users_select" if many else "users_select",
        "action_id": field.value,
        "placeholder": plain("Choose people" if many else "Choose someone", 150),
    }
    if ids and many:
        element["initial_users"] = ids
    elif ids:
        element["initial_user"] = ids[0]
    return input_block(field.value, label, element, hint=hint)


def _by_email(form: AccountForm | None) -> str:
    waiting = [ref for ref in form.sponsors if "@" in ref] if form else []
    return f" Also {', '.join(waiting)}, kept until Slack finds them." if waiting else ""


def _channel(field: AdminField, label: str, current: str | None, *, optional: bool,
             hint: str | None = None) -> Block:  # fmt: skip
    element: Block = {
        "type": "conversations_select",
        "action_id": field.value,
        "placeholder": plain("Choose a channel", 150),
    }
    if current and CHANNEL_ID.match(current):
        element["initial_conversation"] = current
    return input_block(field.value, label, element, optional=optional, hint=hint)


def account_modal(form: AccountForm | None, metadata: FormMetadata, *, first_run: bool) -> Block:
    """*Add account* (`form` None) or *Edit*; the first account also sets the digest channel."""
    kept = form.channel if form and form.channel and not CHANNEL_ID.match(form.channel) else None
    blocks: list[Block] = []
    if first_run:
        blocks.append(_channel(AdminField.DIGEST_CHANNEL, "Weekly digest channel", None,
                               optional=False, hint="Where the weekly digest of every "
                               "account goes (an account may have its own later)."))  # fmt: skip
    blocks += [
        input_block(AdminField.NAME.value, "Account name",
                    text_input(AdminField.NAME.value, multiline=False, max_length=200,
                               initial=form.name if form else "")),
        _users(AdminField.SAM, "SAM", [form.sam] if form else [], many=False,
               hint="The strategic account manager who owns the relationship day to day."),
        _users(AdminField.SPONSORS, "Sponsors", form.sponsors if form else [], many=True,
               hint="The executive sponsors; not the SAM." + _by_email(form)),
        _channel(AdminField.CHANNEL, "Account channel", form.channel if form else None,
                 optional=True, hint=f"Now {kept}; leave empty to keep it." if kept else
                 "Where the account's alerts and escalations are posted."),
        _choices(AdminField.PHASE, "Phase", [item.value for item in Phase],
                 form.phase if form else Phase.STEADY_STATE.value),
        _choices(AdminField.GOVERNANCE, "Governance", [item.value for item in Governance],
                 form.governance if form else Governance.DIRECT.value),
        _choices(AdminField.CADENCE, "Check-in cadence", [item.value for item in Cadence],
                 form.cadence if form else Cadence.WEEKLY.value),
    ]  # fmt: skip
    title = f"Edit {form.name}" if form else "Add account"
    return admin_modal(AdminCallback.ACCOUNT, clip(title, VIEW_TITLE), blocks, submit="Save",
                  metadata=metadata)  # fmt: skip


def _kpi_line(kpi: Kpi) -> Block:
    threshold = kpi.thresholds.red_above if kpi.lower_is_better else kpi.thresholds.red_below
    side = "above" if kpi.lower_is_better else "below"
    return section(
        f"*{escape(kpi.label)}* (`{kpi.key}`) · target {escape(format_value(kpi.target, kpi.unit))}"
        f" · red {side} {escape(format_value(threshold, kpi.unit))} · weight {kpi.weight:g}",
        block_id=f"admin_kpi:{kpi.key}",
        accessory=button("Edit", AdminAction.EDIT_KPI, kpi.key),
    )


def scorecard_modal(card: Scorecard, *, saved: str | None = None) -> Block:
    """Every KPI with its *Edit*, *Add KPI*, and a note when the weights are not 100."""
    head: list[Block] = []
    if saved:
        head.append(context(f":white_check_mark: {saved}"))
    summary = (
        f"{len(card.kpis)} KPIs; the weights add up to 100."
        if card.kpis
        else ("The scorecard is empty: add its first KPI.")
    )
    head.append(context(card.weight_note or summary))
    tail = actions(button("Add KPI", AdminAction.ADD_KPI, style="primary"), block_id="admin_kpis")
    lines = [[_kpi_line(kpi)] for kpi in card.kpis]
    blocks = fit(head, lines, VIEW_BLOCKS - 1, "…and {n} more KPIs (edit them in the file).")
    return admin_modal(None, "Scorecard", [*blocks, tail])


def kpi_modal(kpi: Kpi | None) -> Block:
    """A scorecard line: a new one (`kpi` None) or the one being edited (its key stays)."""
    threshold = None
    if kpi is not None:
        threshold = kpi.thresholds.red_above if kpi.lower_is_better else kpi.thresholds.red_below
    direction = [option("Higher is better (red below the threshold)", HIGHER),
                 option("Lower is better (red above the threshold)", LOWER)]  # fmt: skip
    chosen = LOWER if kpi is not None and kpi.lower_is_better else HIGHER
    blocks: list[Block] = [
        section(f"*{escape(kpi.label)}* (`{kpi.key}`)") if kpi else
        input_block(AdminField.KEY.value, "Key", text_input(
            AdminField.KEY.value, multiline=False, max_length=64,
            placeholder="lower_snake_case, like joint_revenue_growth")),
        input_block(AdminField.LABEL.value, "Label", text_input(
            AdminField.LABEL.value, multiline=False, max_length=120,
            initial=kpi.label if kpi else ""), optional=True),
        input_block(AdminField.UNIT.value, "Unit", text_input(
            AdminField.UNIT.value, multiline=False, max_length=16,
            initial=kpi.unit if kpi else "", placeholder="%, hours, 1-5 scale…"), optional=True),
        _number(AdminField.TARGET, "Target", kpi.target if kpi else None),
        _number(AdminField.RED, "Red threshold", threshold),
        input_block(AdminField.LOWER_IS_BETTER.value, "Direction", {
            "type": "radio_buttons", "action_id": AdminField.LOWER_IS_BETTER.value,
            "options": direction,
            "initial_option": direction[1] if chosen == LOWER else direction[0]}),
        _number(AdminField.WEIGHT, "Weight", kpi.weight if kpi else None,
                hint="Weights should add up to 100; otherwise each counts for its share."),
    ]  # fmt: skip
    metadata = FormMetadata(kpi=kpi.key if kpi else None)
    return admin_modal(AdminCallback.KPI, "Edit KPI" if kpi else "Add KPI", blocks, submit="Save",
                  metadata=metadata)  # fmt: skip


def _number(field: AdminField, label: str, initial: float | None, *,
            hint: str | None = None) -> Block:  # fmt: skip
    element: Block = {"type": "number_input", "action_id": field.value,
                      "is_decimal_allowed": True}  # fmt: skip
    if initial is not None:
        element["initial_value"] = f"{initial:g}"
    return input_block(field.value, label, element, hint=hint)


def admins_modal(admins: Collection[str], metadata: FormMetadata) -> Block:
    blocks = [
        _users(AdminField.ADMINS, "Admins", sorted(admins), many=True,
               hint="Everyone here may change the portfolio, the scorecard and the admins. "
               "Someone taken off loses that at once; keep at least one."),
    ]  # fmt: skip
    return admin_modal(AdminCallback.ADMINS, "Admins", blocks, submit="Save", metadata=metadata)


def admins_saved(added: list[str], removed: list[str]) -> str:
    def people(users: list[str]) -> str:
        return ", ".join(f"<@{user}>" for user in users)

    said = [
        f"added {people(added)}" if added else "",
        f"removed {people(removed)}" if removed else "",
    ]
    return "Admins " + (" and ".join(part for part in said if part) or "unchanged") + "."


def errors(problems: dict[str, str]) -> dict[str, Any]:
    """A view-submission ack that shows each problem beside its field."""
    return {"response_action": "errors", "errors": problems}


def account_saved(name: str, status: str) -> str:
    if status == "added":
        return (
            f"Added *{escape(name)}*. Sherpa introduces itself to its SAM and sponsors "
            "before their first check-in."
        )
    return f"Saved *{escape(name)}*." if status == "changed" else f"*{escape(name)}* is unchanged."
