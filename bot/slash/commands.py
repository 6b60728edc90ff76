"""The `/sponsor` subcommands as typed values, their usage lines and the help text.

`bot.slash.grammar` turns the text after `/sponsor` into one of these; the features'
handlers take them (`bot/handlers/<feature>.py`).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict

from engagement.checkins.advocacy import AdvocacyNote
from engagement.escalations.rules import EscalationInput, Note
from engagement.risks.rules import RiskInput


class Command(BaseModel):
    model_config = ConfigDict(frozen=True)


class Help(Command):
    kind: Literal["help"] = "help"


class EscalateModal(Command):
    kind: Literal["escalate-modal"] = "escalate-modal"


class Escalate(Command):
    kind: Literal["escalate"] = "escalate"
    account: str
    fields: EscalationInput
    """The severity and summary, checked as the modal's are."""


class Escalations(Command):
    kind: Literal["escalations"] = "escalations"
    account: str | None = None


class Ack(Command):
    kind: Literal["ack"] = "ack"
    escalation_id: int


class Resolve(Command):
    kind: Literal["resolve"] = "resolve"
    escalation_id: int
    note: Note


class Cancel(Command):
    kind: Literal["cancel"] = "cancel"
    escalation_id: int


class Status(Command):
    kind: Literal["status"] = "status"
    account: str | None = None


class Kpi(Command):
    kind: Literal["kpi"] = "kpi"
    account: str
    key: str
    value: str
    """As typed ("6.2%", "+55"): the KPI's unit decides what is valid."""


class Log(Command):
    kind: Literal["log"] = "log"
    account: str
    text: AdvocacyNote


class RiskModal(Command):
    kind: Literal["risk-modal"] = "risk-modal"


class LogRisk(Command):
    kind: Literal["risk"] = "risk"
    account: str
    fields: RiskInput
    """The probability, impact and description, checked as the portfolio file's are."""


class Risks(Command):
    kind: Literal["risks"] = "risks"
    account: str | None = None


class RecordReview(Command):
    kind: Literal["review"] = "review"
    account: str
    held_on: date | None = None
    """None: today."""
    notes: str = ""


class Checkin(Command):
    kind: Literal["checkin"] = "checkin"
    account: str | None = None


class Pause(Command):
    kind: Literal["pause"] = "pause"
    until: date


class Resume(Command):
    kind: Literal["resume"] = "resume"


class Digest(Command):
    kind: Literal["digest"] = "digest"
    account: str | None = None


USAGE: dict[str, str] = {
    "help": "/sponsor help",
    "escalate": "/sponsor escalate [<account> <low|medium|high|critical> <summary…>]",
    "escalations": "/sponsor escalations [account]",
    "ack": "/sponsor ack <ESC-id>",
    "resolve": "/sponsor resolve <ESC-id> <note…>",
    "cancel": "/sponsor cancel <ESC-id>",
    "status": "/sponsor status [account]",
    "kpi": "/sponsor kpi <account> <kpi-key> <value>",
    "log": "/sponsor log <account> <advocacy note…>",
    "risk": "/sponsor risk [<account> <probability 1-5> <impact 1-5> <description…>]",
    "risks": "/sponsor risks [account]",
    "review": "/sponsor review <account> [YYYY-MM-DD] [notes…]",
    "checkin": "/sponsor checkin [account]",
    "pause": "/sponsor pause <YYYY-MM-DD>",
    "resume": "/sponsor resume",
    "digest": "/sponsor digest [account]",
}


HELP_TEXT = "\n".join(
    [
        "*Sherpa* keeps executive sponsorship of strategic accounts honest. Commands:",
        *(f"• `{usage}`" for usage in USAGE.values()),
        "Account names are matched ignoring case; quotes are optional.",
    ]
)
