"""The one alert when a risk first scores high, in the account's channel."""

from __future__ import annotations

from bot.render import Payload
from bot.views.kit import clip_escaped, context, escape, section
from bot.views.risks.lists import score_text
from engagement.risks.alerts import HighRiskAlert


def high_risk_message(message: HighRiskAlert) -> Payload:
    risk = message.risk
    owner = f"<@{risk.owner}>" if risk.owner else "The sponsor"
    text = f"High risk on {risk.account}: {risk.code}, score {risk.score} of 25"
    mitigation = (
        f"\n_Mitigation:_ {clip_escaped(risk.mitigation, 1000)}"
        if risk.mitigation
        else "\n_No mitigation is written down yet._"
    )
    return {
        "text": text,
        "blocks": [
            section(
                f":warning: *High risk on {escape(risk.account)}: {risk.code}*\n"
                f"{clip_escaped(risk.description, 1000)}\n{score_text(risk)} · {risk.category}"
                f"{mitigation}"
            ),
            context(
                f"{owner} owns it: agree the mitigation and who acts. "
                f"`/sponsor risks {escape(risk.account)}` shows the register."
            ),
        ],
    }
