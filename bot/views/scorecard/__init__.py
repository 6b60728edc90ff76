"""Scorecards in Slack, by surface: `cards` (`/sponsor status`, Details, the `/sponsor kpi`
reply), `digest`, `alerts` and `home` (App Home's latest scores). Long content is cut
visibly ("…and 12 more"), never rejected.

Importing the package registers the message renderers.
"""

from bot.views.scorecard import alerts as alerts
from bot.views.scorecard import cards as cards
from bot.views.scorecard import digest as digest
from bot.views.scorecard.common import ScorecardAction as ScorecardAction
