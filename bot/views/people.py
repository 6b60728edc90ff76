"""The answer to a DM written to Sherpa."""

from __future__ import annotations

from bot.render import Payload
from bot.views.kit import section
from engagement.people import DirectMessageAnswer

DM_ANSWER = (
    "I'm Sherpa, a bot: I don't read messages here. Type `/sponsor help` to see what you "
    "can do (answer a check-in, pause, escalate, see a scorecard), or open my *Home* tab "
    "for your check-ins and accounts."
)


def dm_answer_message(_message: DirectMessageAnswer) -> Payload:
    return {"text": DM_ANSWER, "blocks": [section(DM_ANSWER, block_id="dm_answer")]}
