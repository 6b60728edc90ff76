"""Scorecards in Slack, by surface: `cards` (`/sponsor status`, Details, the `/sponsor kpi`
reply), `digest`, `alerts` and `home` (App Home's latest scores). Long content is cut
visibly ("…and 12 more"), never rejected.
"""

from bot.views.scorecard.common import ScorecardAction as ScorecardAction
