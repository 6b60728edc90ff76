"""The names of Sherpa's leading indicators, shared by the portfolio file, check-ins and scoring."""

from __future__ import annotations

RATED: dict[str, str] = {
    "stakeholder_engagement": "Stakeholder engagement",
    "strategic_alignment": "Strategic alignment",
    "internal_advocacy": "Internal advocacy",
    "regular_checkins": "Regular check-ins",
    "role_balance": "Role balance",
}
"""The five indicators rated 1-5 in every check-in answer."""

COMPUTED: dict[str, str] = {
    "response_rate": "Check-in response rate (%)",
    "checkin_regularity": "Alignment meetings held against cadence (%)",
    "perception_gap": "Sponsor/SAM perception gap",
    "hours_to_acknowledge": "Median hours to acknowledge an escalation",
    "escalations_open": "Open escalations",
    "acknowledged_late": "Escalations acknowledged late",
    "advocacy_actions": "Advocacy actions logged",
}
"""Indicators Sherpa derives from answers, escalations and advocacy logs."""

ALL: dict[str, str] = {**RATED, **COMPUTED}
