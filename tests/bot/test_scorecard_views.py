"""Block Kit of scorecards, digests, alerts and App Home scores: valid and within limits."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.root import wire
from bot.views.scorecard.alerts import detail, figures, headline, what_to_do
from bot.views.scorecard.cards import CARDS_SHOWN, recorded_line
from bot.views.scorecard.common import role_balance_text
from bot.views.scorecard.home import home_scores_blocks
from engagement.risks.lines import RiskLine
from engagement.scoring.kpis import Recorded
from engagement.scoring.messages import (
    AccountSummary,
    AlertBundle,
    AlertCondition,
    CheckinsMissed,
    Falling,
    HomeScore,
    Indicator,
    IndicatorAlert,
    IndicatorsFalling,
    KpiBrief,
    KpiItem,
    KpiTurnedRed,
    PerceptionGap,
    PhaseAnswer,
    RoleBalance,
    RoleBalanceShift,
    ScorecardCard,
    ScorecardCards,
    StatusChanged,
)
from engagement.scoring.scorecard import Status, Trend
from tests.bot.blockkit import check

render = wire().slack.renderers.render
"""How each message looks, by the renderers the features registered."""

LONG = "Very Long Account Name & <Partners> " * 6  # 216 characters, with mrkdwn specials


def summary(n: int, *, attention: bool = False, kpis: int = 7) -> AccountSummary:
    """An account at its longest: a long name, every KPI off target with a long label."""
    return AccountSummary(
        account_id=n,
        name=f"{LONG[:180]} {n}",
        score=40 + n % 60,
        status=Status.RED if attention else Status.GREEN,
        trend=Trend.DOWN if attention else Trend.UP,
        score_before=88 if attention else 30,
        kpis=[
            KpiBrief(
                key=f"k{k}",
                label=f"KPI number {k} with a long label & <b>",
                status=Status.RED if k % 2 else Status.AMBER,
                trend=Trend.UP,
            )
            for k in range(kpis)
        ],
        response_rate=75.0,
        open_escalations=n % 3,
        overdue_escalations=n % 3 if attention else 0,
        advocacy_actions=1,
        falling=attention,
        missed_checkins=attention,
    )


def kpi_item(k: int) -> KpiItem:
    missing = k == 0
    return KpiItem(
        key=f"k{k}", label=f"KPI {k} with a long, descriptive label", unit="%", target=95,
        red_below=90, red_above=None, actual=None if missing else 88.0, before=80.0,
        status=None if missing else Status.RED, trend=Trend.UP, weight=10,
        weighted=None if missing else 3.3,
    )  # fmt: skip


def card(n: int) -> ScorecardCard:
    return ScorecardCard(
        summary=summary(n, attention=True),
        iso_week="2026-W48",
        kpis=[kpi_item(k) for k in range(60)],
        indicators=[Indicator(label="Stakeholder engagement", sponsor=4.0, sam=2.5, combined=3.25)],
        renormalised=True,
        checkin_regularity=50.0,
        hours_to_acknowledge=26.0,
    )


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = [block["accessory"] for block in blocks if "accessory" in block]
    for block in blocks:
        found += [e for e in block.get("elements", []) if e.get("type") == "button"]
    return found


def test_card_is_valid_and_says_weights_were_renormalised() -> None:
    blocks = check(render(ScorecardCards(cards=[card(7)])))
    text = str(blocks)
    assert "left out of the overall, the other weights re-normalised to 100" in text
    assert "…and" in text  # 60 KPI lines do not fit one section: cut visibly
    assert blocks[0]["text"]["text"].startswith("Very Long Account Name & <Partners>")  # plain


def test_card_says_phase_governance_and_role_balance_in_words() -> None:
    """Seed 002's phase and governance model, and seed 000's role balance from the "took
    over" / "stepped back" answers; none of them adds a block."""
    plain = card(1)
    boss = plain.model_copy(
        update={
            "summary": plain.summary.model_copy(
                update={
                    "phase": "implementation",
                    "governance": "steering-committee",
                    "role_balance": RoleBalance(took_over=2, stepped_back=1, answered=4),
                }
            ),
            "phase_answer": PhaseAnswer(
                phase="implementation", check=False, period_start=date(2026, 11, 16)
            ),
        }
    )
    blocks = check(render(ScorecardCards(cards=[boss])))
    assert len(blocks) == len(check(render(ScorecardCards(cards=[plain]))))
    text = str(blocks)
    assert (
        "*Phase:* implementation · *governance:* joint steering committee, where the sponsor "
        "chairs the committee and sets its agenda"
    ) in text
    assert (
        "*Role balance:* sponsor took over (2 of last 4 weeks), sponsor stepped back "
        "(1 of last 4 weeks)"
    ) in text
    assert "*Sponsor's answer* (Mon 16 Nov): governance charter and KPIs agreed: no" in text
    summary = plain.summary
    assert role_balance_text(RoleBalance(answered=3)) == "balanced (last 4 weeks)"
    assert role_balance_text(summary.role_balance) == "no answers in the last 4 weeks"
    assert "*Phase:*" not in str(check(render(ScorecardCards(cards=[plain]))))  # none stored


def test_many_cards_are_cut_visibly() -> None:
    blocks = check(render(ScorecardCards(cards=[card(n) for n in range(12)])))
    assert sum(1 for b in blocks if b["type"] == "header") == CARDS_SHOWN
    assert "…and 7 more" in str(blocks[-1])


def risk(number: int, score: int = 25) -> RiskLine:
    return RiskLine(
        account=f"{LONG[:180]} 7", code=f"SR-{number:02d}", description="<!channel> & " * 300,
        category="other", probability=5, impact=score // 5, score=score, state="mitigating",
        mitigation="", owner="U0SPN0001", review_on=date(2027, 3, 31),
    )  # fmt: skip


def test_the_card_lists_open_risks_by_score_for_those_who_may_see_them() -> None:
    shown = [risk(n) for n in range(1, 6)]
    with_risks = card(7).model_copy(update={"risks": shown, "risks_open": 9})
    blocks = check(render(ScorecardCards(cards=[with_risks])))
    [listed] = [b for b in blocks if "*Open risks" in b.get("text", {}).get("text", "")]
    lines = listed["text"]["text"].split("\n")
    assert lines[1].startswith("*SR-01* · *25* :warning: high · &lt;!channel&gt; &amp; ")
    assert lines[1].endswith("… · mitigating · next review Wed 31 Mar 2027")  # cut visibly
    assert lines[-1].startswith("…and 4 more: `/sponsor risks Very Long Account Name &amp;")
    none = card(7).model_copy(update={"risks": []})
    assert "_None. Log one with `/sponsor risk`._" in str(render(ScorecardCards(cards=[none])))
    assert "Open risks" not in str(render(ScorecardCards(cards=[card(7)])))  # not theirs
    many = [card(n).model_copy(update={"risks": shown, "risks_open": 5}) for n in range(12)]
    check(render(ScorecardCards(cards=many)))  # five cards with their risks fit a message


def test_no_cards_say_why() -> None:
    payload = render(ScorecardCards(cards=[], empty_reason="You are not on any account yet."))
    assert check(payload) and payload["text"] == "You are not on any account yet."


REVENUE = KpiTurnedRed(key="joint_revenue_growth", label="Joint revenue growth", manual=True,
                       unit="%", rated=False, target=5, red_above=None, red_below=4,
                       before=4.5, after=1)  # fmt: skip


def kpi_red(account_name: str = "Globex", *, manual: bool = True) -> IndicatorAlert:
    return IndicatorAlert(
        account_id=3, account_name=account_name, condition=AlertCondition.KPI_RED,
        iso_week="2026-W48", sam_user_id="U0SAM0002",
        facts=REVENUE.model_copy(update={"manual": manual}),
    )  # fmt: skip


def bundle(*alerts: IndicatorAlert, direct: bool = False) -> AlertBundle:
    first = alerts[0]
    return AlertBundle(account_id=first.account_id, account_name=first.account_name,
                       iso_week=first.iso_week, sam_user_id=first.sam_user_id,
                       alerts=list(alerts), direct=direct)  # fmt: skip


def test_alert_says_what_changed_and_what_to_do() -> None:
    alert = kpi_red()
    blocks = check(render(bundle(alert)))
    text = str(blocks)
    assert "4.5%" in text and "1%" in text and "Target 5%, red below 4%." in text
    assert "Agree a recovery plan with the sponsor this week" in text
    assert "SAM: <@U0SAM0002>" in text
    assert buttons(blocks)[0]["value"] == "3"
    direct = check(render(bundle(alert, direct=True)))
    assert "You get this as the SAM of Globex" in str(direct)


def test_conditions_of_one_week_are_one_message_worst_first() -> None:
    gap = kpi_red().model_copy(
        update={"condition": AlertCondition.PERCEPTION_GAP,
                "facts": PerceptionGap(label="Role balance", sponsor=5, sam=2.5)}
    )  # fmt: skip
    payload = render(bundle(kpi_red(), gap))
    blocks = check(payload)
    text = str(blocks)
    assert "*Globex: 2 changes*" in text
    assert "*Joint revenue growth turned red*: 4.5% → 1%" in text
    assert "sponsor's view 5.0/5 · SAM's view 2.5/5" in text and "*Was*" not in text
    assert text.count("*What to do:*") == 1 and "Agree a recovery plan" in text  # the worst's
    assert payload["text"].endswith("and 1 more")


def test_home_scores_are_capped() -> None:
    scores = [
        HomeScore(account_id=n, name=f"Account {n}", score=80, status=Status.AMBER,
                  trend=Trend.FLAT, red_kpis=["Milestones"] if n % 2 else [])
        for n in range(30)
    ]  # fmt: skip
    blocks = home_scores_blocks(scores)
    check({"type": "home", "blocks": blocks}, "home")
    assert len(blocks) <= 23
    assert "…and 10 more" in str(blocks)
    assert home_scores_blocks([])[1]["text"]["text"] == "_No accounts yet._"


def test_alert_explanations_and_advice_follow_the_condition() -> None:
    manual = kpi_red("Globex & <Partners>")
    assert detail(manual) == "Target 5%, red below 4%."
    assert what_to_do(manual) == (
        "Agree a recovery plan with the sponsor this week; record the next actual with "
        "`/sponsor kpi Globex &amp; &lt;Partners&gt; joint_revenue_growth <value>`."
    )
    computed = kpi_red(manual=False)
    assert what_to_do(computed).startswith("Put it on the agenda of the next sponsor/SAM")
    lower = computed.model_copy(
        update={"facts": computed.facts.model_copy(
            update={"red_above": 9, "red_below": None, "unit": "h"})}
    )  # fmt: skip
    assert detail(lower) == "Target 5 h, red above 9 h."
    falling = kpi_red().model_copy(
        update={"condition": AlertCondition.INDICATOR_FALLING, "facts": IndicatorsFalling(
            falling=[Falling(label="Stakeholder engagement", means=(4.0, 3.25, 2.5))])}
    )  # fmt: skip
    assert detail(falling) == "Weekly 4-week means (of 5): stakeholder engagement 4.0 → 3.2 → 2.5."
    assert what_to_do(falling).startswith("Ask the sponsor what changed")
    missed = kpi_red().model_copy(
        update={"condition": AlertCondition.MISSED_CHECKINS, "facts": CheckinsMissed(
            user_id=None, name="Dana <CFO>", count=2,
            periods=[date(2026, 11, 16), date(2026, 11, 23)])}
    )  # fmt: skip
    assert (
        detail(missed)
        == "Dana &lt;CFO&gt; left the check-ins of 2026-11-16, 2026-11-23 unanswered."
    )
    with_id = missed.model_copy(
        update={"facts": CheckinsMissed(user_id="U0SPN0001", name="Dana", count=2, periods=[])}
    )
    assert detail(with_id).startswith("<@U0SPN0001> left")
    assert "`/sponsor pause <date>`" in what_to_do(missed)
    gap = kpi_red().model_copy(
        update={
            "condition": AlertCondition.PERCEPTION_GAP,
            "facts": PerceptionGap(label="Role balance", sponsor=4.5, sam=2),
        }
    )
    assert detail(gap) == "The views differ by 2.5 points on a 1–5 scale (4-week means)."
    assert what_to_do(gap).startswith("Compare notes with the sponsor")
    assert (headline(gap), figures(gap)) == (
        "Sponsor and SAM disagree on role balance",
        ("4.5/5", "2.0/5"),
    )
    assert (headline(manual), figures(manual)) == (
        "Joint revenue growth turned red",
        ("4.5%", "1%"),
    )
    assert headline(falling) == "Stakeholder engagement fell two weeks in a row"
    assert (headline(missed), figures(missed)) == (
        "Dana <CFO> missed 2 check-ins in a row",
        ("answering", "2 missed"),
    )
    for alert in (manual, falling, missed, gap):
        check(render(bundle(alert)))


def test_alerts_survive_a_round_trip_through_due_work() -> None:
    for facts in (
        REVENUE,
        IndicatorsFalling(falling=[Falling(label="Role balance", means=(3.0, 2.5, 2.0))]),
        CheckinsMissed(user_id=None, name="Dana", count=2, periods=[date(2026, 11, 23)]),
        PerceptionGap(label="Role balance", sponsor=4, sam=2),
        StatusChanged(before=Status.GREEN, after=Status.AMBER, score_before=90, score_after=80),
        RoleBalanceShift(direction="took_over", roles=["sam", "sponsor"]),
    ):
        alert = kpi_red().model_copy(update={"facts": facts})
        assert IndicatorAlert.model_validate(alert.model_dump(mode="json")) == alert


def test_the_kpi_reply_escapes_what_the_portfolio_says() -> None:
    done = Recorded("Acme Corp", "milestone_delivery", "Joint milestone delivery", 88.0, "%")
    assert recorded_line(done) == "Recorded Joint milestone delivery for Acme Corp: 88%."
    done = Recorded(account="Acme & Co", key="k", label="<Growth>", value=88.0, unit="%")
    assert recorded_line(done) == "Recorded &lt;Growth&gt; for Acme &amp; Co: 88%."
