"""Check-ins in Slack, by surface: `messages` (the DM and the nudge), `modal` (the answer
modal), `home` (App Home's section) and `replies`. Every button's `value` is the check-in
ID; the domain refuses anyone but the recipient.
"""

from bot.views.checkins.common import ActionId as ActionId
from bot.views.checkins.modal import FIELD_ACTION as FIELD_ACTION
