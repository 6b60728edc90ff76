"""The data model. Constraints live in the schema; every time is stored in UTC.

One module per part of the product, all on one `Base`:
- `base`: the declarative base, constraint naming and UTC datetimes;
- `admins`: Sherpa's admins, as added and removed in Slack;
- `portfolio`: portfolio settings, accounts, people and their sponsorships;
- `checkins`: check-ins, answer revisions and advocacy actions;
- `escalations`: escalations, their events and the notices posted about them;
- `scoring`: KPI definitions and actuals, alerts and digest runs, kept weeks;
- `risks`: each account's strategic risk register and the history of each risk;
- `reviews`: when each account's strategic review was held;
- `rotations`: sponsor rotations, their handover briefs and notes;
- `audit`: every change to the portfolio, who made it and when;
- `infrastructure`: the due-work queue, requests already handled, scheduler beats.

Everything is re-exported here (`from engagement.models import Person`), and importing
this package registers every table in `Base.metadata`, which migrations compare against.
"""

from engagement.models.admins import Admin
from engagement.models.audit import AuditEntry
from engagement.models.base import NAMING, Base, UTCDateTime
from engagement.models.checkins import (
    RATING,
    AdvocacyAction,
    Answer,
    CheckIn,
    CheckInState,
    RoleDirection,
)
from engagement.models.escalations import (
    Escalation,
    EscalationEvent,
    EscalationNotice,
    EscalationState,
    NoticeKind,
    Severity,
)
from engagement.models.infrastructure import (
    PENDING_WORK,
    ChannelNotice,
    DueWork,
    ProcessedRequest,
    SchedulerBeat,
    SendingStop,
    WorkState,
)
from engagement.models.portfolio import (
    FORGOTTEN_DOMAIN,
    Account,
    Cadence,
    Governance,
    Person,
    Phase,
    PortfolioSettings,
    Role,
    Sponsorship,
    forgotten_people,
)
from engagement.models.reviews import Review
from engagement.models.risks import Risk, RiskCategory, RiskEvent, RiskState
from engagement.models.rotations import SponsorRotation
from engagement.models.scoring import (
    Alert,
    DigestRun,
    DigestState,
    KeptWeek,
    KpiActual,
    KpiDefinition,
    KpiSource,
    ScoreChange,
)

__all__ = [
    "FORGOTTEN_DOMAIN",
    "NAMING",
    "PENDING_WORK",
    "RATING",
    "Account",
    "Admin",
    "AdvocacyAction",
    "Alert",
    "Answer",
    "AuditEntry",
    "Base",
    "Cadence",
    "ChannelNotice",
    "CheckIn",
    "CheckInState",
    "DigestRun",
    "DigestState",
    "DueWork",
    "Escalation",
    "EscalationEvent",
    "EscalationNotice",
    "EscalationState",
    "Governance",
    "KeptWeek",
    "KpiActual",
    "KpiDefinition",
    "KpiSource",
    "NoticeKind",
    "Person",
    "Phase",
    "PortfolioSettings",
    "ProcessedRequest",
    "Review",
    "Risk",
    "RiskCategory",
    "RiskEvent",
    "RiskState",
    "Role",
    "RoleDirection",
    "SchedulerBeat",
    "ScoreChange",
    "SendingStop",
    "Severity",
    "SponsorRotation",
    "Sponsorship",
    "UTCDateTime",
    "WorkState",
    "forgotten_people",
]
