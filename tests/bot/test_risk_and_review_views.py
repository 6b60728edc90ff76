"""The risk register's and the reviews' messages at their longest stay within Slack's
limits, cut visibly."""

from __future__ import annotations

from datetime import date

from bot.views.reviews.messages import home_section as reviews_home
from bot.views.reviews.messages import reminder_message
from bot.views.risks.forms import new_risk_modal
from bot.views.risks.lists import home_section, logged_text, risks_list
from bot.views.risks.messages import high_risk_message
from engagement.reviews.cadence import ReviewDue
from engagement.reviews.reminders import Health, Performance, ReviewReminder
from engagement.risks.alerts import HighRiskAlert
from engagement.risks.lines import RiskLine
from engagement.scoring.messages import KpiItem
from engagement.scoring.scorecard import Status, Trend
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
    check({"type": "home", "blocks": home_section(lines, can_log=True)}, "home")
    assert home_section([], can_log=False) == []
    modal = new_risk_modal([(n, "Account " * 20) for n in range(1, 150)])
    check(modal, "modal")
    assert modal["blocks"][-1]["elements"][0]["text"].startswith("Showing 100 of 149 accounts.")
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


DUE = ReviewDue(account_id=1, account="A&B <Corp>" * 20, name="quarterly steering committee",
                months=3, last_held=date(2026, 9, 1), next_due=date(2026, 12, 1))  # fmt: skip


def kpi(n: int, status: Status | None, actual: float | None) -> KpiItem:
    return KpiItem(
        key=f"k{n}", label=f"KPI {n} <with> a long label & more " * 3, status=status,
        trend=Trend.DOWN, unit="%", target=5, red_below=4, red_above=None, actual=actual,
        before=None, weight=10, weighted=None,
    )  # fmt: skip


PERFORMANCE = Performance(
    iso_week="2026-W48", score=48, status=Status.RED, trend=Trend.DOWN, kpis=60,
    off_target=[kpi(n, Status.RED if n < 30 else Status.AMBER, 3.5) for n in range(59)],
    no_data=["Joint revenue & <growth>"],
)  # fmt: skip


def _performance_text(performance: Performance) -> str:
    """The agenda's first item as the DM shows it, without its heading."""
    reminder = ReviewReminder(
        due=DUE, performance=performance, risks=[], escalations_raised=0, open_escalations=[],
        health=Health(answers=0, stakeholder_engagement=None, strategic_alignment=None,
                      internal_advocacy=None),
    )  # fmt: skip
    blocks = check(reminder_message(reminder))
    heading, text = blocks[1]["text"]["text"].split("\n", 1)
    assert heading == "*1. Strategic performance*"
    return str(text)


def test_the_agendas_strategic_performance_is_the_scorecards_figures() -> None:
    text = _performance_text(PERFORMANCE)
    lines = text.split("\n")
    assert lines[0] == "Overall :red_circle: *48* ▼ (Red), week of 23 Nov."
    assert lines[1] == "59 of 60 KPIs off target:"
    assert lines[2].startswith(":red_circle: *KPI 0 &lt;with&gt; a long label &amp; more")
    assert lines[2].endswith("3.5% (target 5%) ▼")
    assert lines[-1].startswith("…and ") and len(text) <= 2800  # cut visibly
    calm = PERFORMANCE.model_copy(update={"off_target": [], "kpis": 3, "no_data": []})
    assert _performance_text(calm).split("\n")[1] == "All 3 KPIs with a figure are on target."
    empty = PERFORMANCE.model_copy(
        update={"score": None, "status": None, "off_target": [], "kpis": 2,
                "no_data": ["Joint revenue & <growth>", "Margin"]}
    )  # fmt: skip
    assert _performance_text(empty) == (
        "No overall score for the week of 23 Nov: the scorecard has no figures yet.\n"
        "No figure yet for Joint revenue &amp; &lt;growth&gt;, Margin."
    )


def test_the_reminder_drafts_the_agenda_within_the_limits() -> None:
    reminder = ReviewReminder(
        due=DUE, performance=PERFORMANCE, risks=[line(number) for number in range(1, 6)],
        escalations_raised=7,
        open_escalations=[(f"ESC-{n}", "<!here> " * 100) for n in range(5)],
        health=Health(answers=6, stakeholder_engagement=3.5, strategic_alignment=4.0,
                      internal_advocacy=None),
    )  # fmt: skip
    blocks = check(reminder_message(reminder))
    texts = [block["text"]["text"] for block in blocks if block["type"] == "section"]
    assert texts[0].startswith(":calendar: The quarterly steering committee of *A&amp;B &lt;Corp")
    assert texts[0].endswith("is due by *Tue 1 Dec 2026*. A drafted agenda:")
    assert [text.split("\n")[0] for text in texts[1:]] == [
        "*1. Strategic performance*", "*2. Open risks, highest first*",
        "*3. Escalations since Tue 1 Sep 2026*", "*4. Relationship health*",
    ]  # fmt: skip
    assert texts[3].split("\n")[1] == "7 raised; still open:"
    assert "<!here>" not in texts[3]
    assert texts[4].endswith(
        "6 check-in answers since the last review: stakeholder engagement 3.5/5, "
        "strategic alignment 4.0/5."
    )


def test_app_home_flags_overdue_reviews() -> None:
    blocks = reviews_home([DUE] * 7, today=date(2026, 12, 2))
    check({"type": "home", "blocks": blocks}, "home")
    assert blocks[1]["text"]["text"].count(":red_circle: *overdue*") == 5
    assert blocks[2]["elements"][0]["text"].startswith("7 accounts, 7 overdue.")
