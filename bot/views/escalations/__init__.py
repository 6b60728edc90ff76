"""Escalations in Slack, by surface: `messages` (the channel alert, the sponsors' DMs, the
escalation path), `modals`, `lists` (`/sponsor escalations`, App Home) and `replies`.
"""

from bot.views.escalations.common import EscalationAction as EscalationAction
from bot.views.escalations.common import EscalationCallback as EscalationCallback
from bot.views.escalations.common import EscalationField as EscalationField
