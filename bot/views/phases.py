"""An account's phase and governance model as people read them (seed 002), and the
question each phase asks its sponsor in the check-in."""

from __future__ import annotations

from engagement.models import Governance, Phase

PHASES: dict[str, str] = {
    Phase.PRE_RFP: "pre-RFP",
    Phase.SELECTION: "selection",
    Phase.IMPLEMENTATION: "implementation",
    Phase.STEADY_STATE: "steady state",
}
"""The phase, briefly: the digest labels an account's line with it."""

GOVERNANCE: dict[str, str] = {
    Governance.DIRECT: "direct sponsorship",
    Governance.STEERING_COMMITTEE: "joint steering committee",
    Governance.THREE_TIER: "three-tier governance",
}

SPONSOR_PART: dict[str, str] = {
    Governance.DIRECT: "the sponsor decides hands-on and is the sole point of escalation",
    Governance.STEERING_COMMITTEE: "the sponsor chairs the committee and sets its agenda",
    Governance.THREE_TIER: "the sponsor leads the executive steering committee",
}
"""What the governance model asks of the sponsor (seed 002, its comparison of models)."""

QUESTIONS: dict[str, str] = {
    Phase.PRE_RFP: "Is the business case still sound?",
    Phase.SELECTION: "Have the shortlist and cultural fit been reviewed?",
    Phase.IMPLEMENTATION: "Are the governance charter and KPIs agreed?",
    Phase.STEADY_STATE: "Was the steering committee held, and was new value found?",
}
"""The phase's question to the sponsor, asked in their check-in."""

ANSWERED: dict[str, str] = {
    Phase.PRE_RFP: "business case sound",
    Phase.SELECTION: "shortlist and cultural fit reviewed",
    Phase.IMPLEMENTATION: "governance charter and KPIs agreed",
    Phase.STEADY_STATE: "steering committee held, new value found",
}
"""The question's subject in a line of facts: "business case sound: yes"."""


def phase_name(phase: str) -> str:
    """A stored phase (a `Phase` value) as people say it."""
    return PHASES.get(phase, phase)


def governance_name(governance: str) -> str:
    return GOVERNANCE.get(governance, governance)


def phase_fact(phase: str | None, check: bool | None) -> str:
    """The sponsor's answer to the phase's question, as a fact ("" when not asked)."""
    if phase is None or check is None:
        return ""
    subject = ANSWERED.get(phase, "phase question")
    return f"{subject}: {'yes' if check else 'no'}"
