"""The identifiers the admin surfaces share with their handlers."""

from __future__ import annotations

import enum

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.payloads import RowId


class AdminAction(enum.StrEnum):
    """`action_id`s of the admin's buttons."""

    VIEW = "admin_view"  # value: the page; App Home's switch to the Admin view
    PREVIOUS = "admin_previous"  # value: the page
    NEXT = "admin_next"  # value: the page
    MY_HOME = "admin_my_home"  # back to the person's own App Home
    ADD_ACCOUNT = "admin_add_account"
    EDIT_ACCOUNT = "admin_edit_account"  # value: the account's row ID
    SCORECARD = "admin_scorecard"
    ADD_KPI = "admin_add_kpi"  # in the Scorecard modal
    EDIT_KPI = "admin_edit_kpi"  # value: the KPI's key
    ADMINS = "admin_admins"
    AUDIT = "admin_audit"  # opens the Audit log
    AUDIT_OLDER = "admin_audit_older"  # value: the cursor (`AuditPage.older`)
    AUDIT_NEWER = "admin_audit_newer"  # value: the cursor (`AuditPage.newer`)


class AdminCallback(enum.StrEnum):
    ACCOUNT = "admin_account_form"
    KPI = "admin_kpi_form"
    ADMINS = "admin_admins_form"


class AdminField(enum.StrEnum):
    """Modal inputs: each is both the `block_id` and the `action_id` of its element."""

    NAME = "name"
    SAM = "sam"
    SPONSORS = "sponsors"
    CHANNEL = "channel"
    PHASE = "phase"
    GOVERNANCE = "governance"
    CADENCE = "cadence"
    DIGEST_CHANNEL = "digest_channel"
    KEY = "key"
    LABEL = "label"
    UNIT = "unit"
    TARGET = "target"
    RED = "red"
    WEIGHT = "weight"
    LOWER_IS_BETTER = "lower_is_better"
    ADMINS = "admins"


class FormMetadata(BaseModel):
    """What a modal is about: the account being edited (None: a new one) or the KPI's key,
    and the Admin view's page to bring up to date afterwards."""

    model_config = ConfigDict(frozen=True)

    account_id: RowId | None = None
    kpi: str | None = None
    page: int = 1

    @classmethod
    def load(cls, raw: object) -> FormMetadata | None:
        """None when garbled (a forged payload): the submission is refused."""
        try:
            return cls.model_validate_json(str(raw or ""))
        except ValidationError:
            return None
