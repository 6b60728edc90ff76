"""The risk register's messages at their longest stay within Slack's limits, cut visibly."""

from __future__ import annotations

from datetime import date

from bot.views.risks.lists import home_section, logged_text, risks_list
from bot.views.risks.messages import high_risk_message
from engagement.risks.alerts import HighRiskAlert
from engagement.risks.lines import RiskLine
from tests.bot.blockkit import check


def line(number: int = 1, **overrides: object) -> RiskLine:
    values: dict[str, object] = {
        "account": "A" * 200, "code": f"SR-{number:02d}", "description": "<!channel> &" * 300,
        "category": "relationship collapse", "probability": 5, "impact": 5, "score": 25,
        "state": "open", "mitigation": "m&" * 1500, "owner": "U0SPN0001",
        "review_on": date(2027, 3, 31),
    }  # fmt: skip
    values.update(overrides)
    return RiskLine(**values)  # type: ignore[arg-type]


def test_the_longest_risks_pass_the_block_kit_checks_as_a_list_on_home_and_as_an_alert() -> None:
    lines = [line(number) for number in range(1, 61)]
    listed = risks_list(["Acme Corp", "Globex"], lines)
    check(listed)
    assert listed["blocks"][-1]["elements"][0]["text"].startswith("…and 20 more.")
    check({"type": "home", "blocks": home_section(lines)}, "home")
    alert = high_risk_message(HighRiskAlert(risk=line()))
    check(alert)
    text = alert["blocks"][0]["text"]["text"]
    assert "&lt;!channel&gt; &amp;" in text and "<!channel>" not in text  # shown, never run
    assert text.count("…") == 2  # description and mitigation cut visibly


def test_the_reply_escapes_what_was_typed_and_flags_a_high_score() -> None:
    reply = logged_text(line(description="<@U0SAM0001> & co", account="Acme <Corp>"))
    assert reply.startswith("Logged *SR-01* for Acme &lt;Corp&gt;: &lt;@U0SAM0001&gt; &amp; co")
    assert ":warning: high" in reply
    low = logged_text(line(probability=2, impact=2, score=4, owner=None))
    assert ":warning:" not in low and "owned by" not in low
