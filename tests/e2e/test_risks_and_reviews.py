"""`/sponsor risk`, `/sponsor risks` and `/sponsor review` through the signed endpoint
and the emulator."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from engagement.dates import months_after
from engagement.models import Review, Risk
from sherpa_demo.stack import Stack
from tests.e2e.test_scorecard import next_friday_digest

SAM = "U0SAM0001"  # SAM of Acme Corp
SPONSOR = "U0SPN0001"  # its sponsor
OUTSIDER = "U0SAM0002"  # Globex's SAM
CHANNEL = "#acme-alliance"


def slash(stack: Stack, user: str, text: str) -> list[dict[str, Any]]:
    """Run `/sponsor <text>`; every reply the person got from it, as posted."""
    before = len(stack.emulator.responses(user))
    assert stack.slack.slash(user, text).status == 200
    stack.settle()
    return [dict(post.body) for post in stack.emulator.responses(user)[before:]]


def risks(stack: Stack) -> int:
    with stack.runtime.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Risk)) or 0)


def test_a_sam_logs_risks_and_the_register_lists_them_by_score(live: Stack) -> None:
    [logged] = slash(live, SAM, "risk Acme Corp 4 4 Their CIO <leaves> & the CFO may follow")
    assert logged["text"] == (
        "Logged *SR-01* for Acme Corp: Their CIO &lt;leaves&gt; &amp; the CFO may follow — "
        "score *16* of 25 (probability 4 × impact 4) :warning: high. It is owned by "
        f"<@{SPONSOR}>. See the register with `/sponsor risks`."
    )
    slash(live, SPONSOR, 'risk "acme corp" 2 3 Budget freeze next quarter')
    [listed] = slash(live, SPONSOR, "risks acme corp")
    assert listed["text"] == "2 open risks for Acme Corp, highest score first"
    lines = [block["text"]["text"] for block in listed["blocks"][1:]]
    assert [line.split(" · ")[0] for line in lines] == ["*SR-01*", "*SR-02*"]
    assert "score *6* of 25 (probability 2 × impact 3)\nBudget freeze next quarter" in lines[1]
    assert risks(live) == 2


@pytest.mark.parametrize(
    ("user", "text", "line"),
    [
        (SAM, "risk Acme Corp 6 4 Outage",
         "The probability is '6': give a whole number from 1 to 5. Usage: `/sponsor risk"),
        (SAM, "risk Acme Corp 3", "Give the probability, the impact and what the risk is."),
        (SAM, "risk Acme Crop 3 3 Outage", "No account named 'Acme Crop'. Did you mean"),
        (OUTSIDER, "risk Acme Corp 3 3 Outage", "No account named 'Acme Corp'."),
        (OUTSIDER, "risks Acme Corp", "No account named 'Acme Corp'."),
    ],
)  # fmt: skip
def test_mistakes_and_outsiders_get_one_line_and_write_nothing(
    live: Stack, user: str, text: str, line: str
) -> None:
    [reply] = slash(live, user, text)
    assert str(reply["text"]).startswith(line) and "\n" not in str(reply["text"])
    assert risks(live) == 0


def test_an_empty_register_says_how_to_fill_it(live: Stack) -> None:
    [reply] = slash(live, OUTSIDER, "risks")
    assert reply["text"] == "No open risks for Globex."
    assert "`/sponsor risk`" in reply["blocks"][0]["text"]["text"]


def home_texts(stack: Stack, user: str) -> list[str]:
    stack.slack.event({"type": "app_home_opened", "user": user, "tab": "home"})
    stack.settle()
    home = stack.emulator.home(user)
    assert home is not None
    texts = []
    for block in home["blocks"]:
        text = (block.get("text") or {}).get("text") or block.get("elements", [{}])[0].get("text")
        texts.append(str(text["text"] if isinstance(text, dict) else text))  # a button's
    return texts


def test_app_home_shows_the_highest_risks_of_the_persons_accounts(live: Stack) -> None:
    for score in range(1, 8):
        slash(live, SAM, f"risk Acme Corp {min(score, 5)} 3 Risk number {score}")
    texts = home_texts(live, SPONSOR)
    start = texts.index("Risks")
    assert texts[start + 1] == "Log a risk"
    shown = [text.split("\n")[0] for text in texts[start + 2 : start + 7]]
    assert [line.split(" · ")[0] for line in shown] == [
        "*SR-05*", "*SR-06*", "*SR-07*", "*SR-04*", "*SR-03*"
    ]  # fmt: skip
    assert texts[start + 7] == "2 more with `/sponsor risks`."
    outsider = home_texts(live, OUTSIDER)  # Globex has none, and its SAM may log one
    assert outsider[outsider.index("Risks") + 2] == "No open risks in your accounts."


def test_a_risk_reaching_a_high_score_is_told_once_in_the_accounts_channel(live: Stack) -> None:
    slash(live, SAM, "risk Acme Corp 3 4 Budget freeze")  # 12: not high
    slash(live, SAM, "risk Acme Corp 5 3 Their CIO leaves")  # 15: high
    slash(live, SAM, "risk Acme Corp 4 4 Legal blocks the renewal")  # 16: high
    live.tick(datetime.now(UTC) + timedelta(minutes=1))
    live.tick(datetime.now(UTC) + timedelta(minutes=2))  # nothing twice
    alerts = [m for m in live.emulator.messages(CHANNEL) if "High risk" in str(m.get("text"))]
    assert [m["text"] for m in alerts] == [
        "High risk on Acme Corp: SR-02, score 15 of 25",
        "High risk on Acme Corp: SR-03, score 16 of 25",
    ]
    body = alerts[0]["blocks"][0]["text"]["text"]
    assert body.startswith(":warning: *High risk on Acme Corp: SR-02*\nTheir CIO leaves\n")
    assert "_No mitigation is written down yet._" in body
    assert alerts[0]["blocks"][1]["elements"][0]["text"].startswith(f"<@{SPONSOR}> owns it")


def test_a_review_recorded_from_slack_sets_the_next_one_and_app_home_shows_it(
    live: Stack,
) -> None:
    today = datetime.now(UTC).date()
    [reply] = slash(live, SPONSOR, "review acme corp Renewal roadmap agreed")
    due = months_after(today, 1)
    assert reply["text"] == (
        f"Recorded the monthly sponsor–SAM review of Acme Corp held on "
        f"{today:%a} {today.day} {today:%b %Y}. The next one is due by "
        f"{due:%a} {due.day} {due:%b %Y}."
    )
    texts = home_texts(live, SPONSOR)
    start = texts.index("Reviews")
    assert texts[start + 1].startswith("*Acme Corp* · monthly sponsor–SAM review due by ")
    assert "overdue" not in texts[start + 1]
    [refused] = slash(live, SPONSOR, f"review Acme Corp {today + timedelta(days=1)}")
    assert refused["text"].endswith("is still to come: record a review once it was held.")
    with live.runtime.sessions() as session:
        notes = session.scalars(select(Review.notes)).all()
    assert notes == ["Renewal roadmap agreed"]


def _due_review(live: Stack, text: str) -> tuple[datetime, dict[str, Any]]:
    """Log a risk from Slack, bring its review date to a day ahead, and run the clock on
    that day at 10:00 New York time: the owner's DM."""
    slash(live, SAM, text)
    day = datetime.now(UTC).date() + timedelta(days=10)
    with live.runtime.sessions() as session:
        session.execute(update(Risk).values(review_on=day))
        session.commit()
    at = datetime.combine(day, time(15), tzinfo=UTC)
    live.tick(at)
    [dm] = [m for m in live.emulator.messages(SPONSOR) if "Time to review" in str(m["text"])]
    return at, dm


def test_the_owner_reviews_a_risk_from_the_dm_and_the_dm_stays_true(live: Stack) -> None:
    at, dm = _due_review(live, "risk Acme Corp 3 3 Budget freeze")
    assert dm["text"] == "Time to review SR-01 of Acme Corp: is it still right?"
    live.tick(at + timedelta(hours=1))  # asked once
    assert sum("Time to review" in str(m["text"]) for m in live.emulator.messages(SPONSOR)) == 1
    live.slack.block_action(OUTSIDER, "risk_still_right", message=dm)  # a forged click
    live.settle()
    live.slack.block_action(SPONSOR, "risk_update", message=dm)
    live.settle()
    [modal] = live.emulator.open_views(SPONSOR)
    bad = live.slack.submit_view(SPONSOR, modal, {"risk_probability": {"risk_probability": "9"}})
    assert bad.json["errors"] == {
        "risk_probability": "The probability is '9': give a whole number from 1 to 5."
    }
    done = live.slack.submit_view(
        SPONSOR, modal,
        {"risk_probability": {"risk_probability": "5"}, "risk_state": {"risk_state": "mitigating"},
         "risk_mitigation": {"risk_mitigation": "CFO to CFO call"}},
    )  # fmt: skip
    live.settle()
    assert done.status == 200 and not done.json
    [settled] = [m for m in live.emulator.messages(SPONSOR) if "SR-01" in str(m["text"])]
    assert settled["text"] == "SR-01 of Acme Corp: Updated"
    assert not [b for b in settled["blocks"] if b["type"] == "actions"]  # nothing left to click
    with live.runtime.sessions() as session:
        risk = session.scalars(select(Risk)).one()
        history = [(e.note, e.probability, e.state, e.person_id is not None) for e in risk.events]
    assert (risk.score, risk.mitigation, risk.state) == (15, "CFO to CFO call", "mitigating")
    assert history == [("logged", 3, "open", True), ("re-assessed", 5, "mitigating", True)]


def test_closing_a_risk_needs_a_reason_and_takes_it_off_the_register(live: Stack) -> None:
    _, dm = _due_review(live, "risk Acme Corp 2 2 Office move")
    live.slack.block_action(SPONSOR, "risk_close", message=dm)
    live.settle()
    [modal] = live.emulator.open_views(SPONSOR)
    blank = live.slack.submit_view(SPONSOR, modal, {"risk_close_note": {"risk_close_note": " "}})
    assert blank.json["errors"] == {"risk_close_note": "Say why the risk is closed."}
    live.slack.submit_view(SPONSOR, modal, {"risk_close_note": {"risk_close_note": "Moved."}})
    live.settle()
    [reply] = slash(live, SPONSOR, "risks Acme Corp")
    assert reply["text"] == "No open risks for Acme Corp."
    [settled] = [m for m in live.emulator.messages(SPONSOR) if "SR-01" in str(m["text"])]
    assert settled["text"] == "SR-01 of Acme Corp: Closed"


def test_still_right_moves_the_next_review_a_quarter_on(live: Stack) -> None:
    _, dm = _due_review(live, "risk Acme Corp 2 2 Office move")
    live.slack.block_action(SPONSOR, "risk_still_right", message=dm)
    live.settle()
    today = datetime.now(UTC).date()
    with live.runtime.sessions() as session:
        risk = session.scalars(select(Risk)).one()
    assert risk.review_on == months_after(today, 3)
    [settled] = [m for m in live.emulator.messages(SPONSOR) if "SR-01" in str(m["text"])]
    assert settled["blocks"][-1]["elements"][0]["text"].startswith(
        ":white_check_mark: Still right. Next review on "
    )


def test_the_modal_logs_a_risk_with_its_problems_shown_beside_their_fields(live: Stack) -> None:
    assert slash(live, SAM, "risk") == []  # the modal opens instead of a reply
    [modal] = live.emulator.open_views(SAM)
    assert modal["callback_id"] == "risk_new_form"
    bad = live.slack.submit_view(SAM, modal, {
        "risk_account": {"risk_account": "1"},
        "risk_description": {"risk_description": "Key people leave"},
        "risk_probability": {"risk_probability": "4"}, "risk_impact": {"risk_impact": "0"},
    })  # fmt: skip
    assert bad.json["errors"] == {
        "risk_impact": "The impact is '0': give a whole number from 1 to 5."
    }
    done = live.slack.submit_view(SAM, modal, {
        "risk_account": {"risk_account": "1"},
        "risk_description": {"risk_description": "Key people leave"},
        "risk_category": {"risk_category": "relationship collapse"},
        "risk_probability": {"risk_probability": "4"}, "risk_impact": {"risk_impact": "3"},
    })  # fmt: skip
    assert done.json["response_action"] == "update"
    assert done.json["view"]["blocks"][0]["text"]["text"].startswith(
        ":white_check_mark: Logged *SR-01* for Acme Corp: Key people leave — score *12*"
    )
    with live.runtime.sessions() as session:
        risk = session.scalars(select(Risk)).one()
    assert (risk.category, risk.score) == ("relationship collapse", 12)


def test_a_forged_account_in_the_modal_is_refused_and_writes_nothing(live: Stack) -> None:
    slash(live, OUTSIDER, "risk")
    [modal] = live.emulator.open_views(OUTSIDER)
    forged = dict(modal)  # Globex's SAM names Acme Corp's row ID
    forged["blocks"] = [dict(block) for block in modal["blocks"]]
    account = forged["blocks"][0]
    account["element"] = {**account["element"], "options": [
        {"text": {"type": "plain_text", "text": "Acme Corp"}, "value": "1"}]}  # fmt: skip
    refused = live.slack.submit_view(OUTSIDER, forged, {
        "risk_account": {"risk_account": "1"},
        "risk_description": {"risk_description": "x"},
        "risk_probability": {"risk_probability": "1"}, "risk_impact": {"risk_impact": "1"},
    })  # fmt: skip
    assert refused.json["errors"] == {
        "risk_account": "That account no longer exists, or is not one of yours."
    }
    assert risks(live) == 0


def test_the_digest_thread_carries_the_risk_heat_map_with_its_alt_text(live: Stack) -> None:
    slash(live, SAM, "kpi Acme Corp joint_revenue_growth 3")
    slash(live, SAM, "risk Acme Corp 4 4 Their CIO leaves")  # 16: high
    slash(live, OUTSIDER, "risk Globex 2 3 Budget freeze")  # 6: medium
    live.tick(next_friday_digest())
    messages = live.emulator.messages("#sponsor-digest")
    [head] = [m for m in messages if m.get("thread_ts") in (None, m["ts"])]
    chart, heat_map = live.emulator.files()  # the trend chart first, then the heat map
    assert chart.name.startswith("sponsor-digest-") and heat_map.name.startswith("sponsor-risks-")
    assert heat_map.content is not None and heat_map.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert [share.thread_ts for share in heat_map.shares] == [head["ts"]]
    assert heat_map.alt_txt is not None and len(heat_map.alt_txt) <= 1000
    assert "2 open risks: 1 high: Acme Corp SR-01 scores 16; 1 medium (5–9)." in heat_map.alt_txt
    [shared] = [m for m in messages if m.get("files") and m["files"][0]["id"] == heat_map.id]
    assert shared["thread_ts"] == head["ts"]
    assert shared["files"][0]["alt_txt"] == heat_map.alt_txt


def test_the_status_card_lists_the_accounts_open_risks_for_its_members_only(
    live: Stack,
) -> None:
    slash(live, SAM, "risk Acme Corp 2 3 Budget freeze next quarter")
    slash(live, SAM, "risk Acme Corp 4 4 Their CIO <leaves>")
    [card] = slash(live, SPONSOR, "status Acme Corp")
    [listed] = [b for b in card["blocks"] if "*Open risks" in str(b.get("text"))]
    lines = listed["text"]["text"].split("\n")[1:]
    assert [line.split(" · ")[:2] for line in lines] == [
        ["*SR-02*", "*16* :warning: high"], ["*SR-01*", "*6*"]
    ]  # fmt: skip
    assert "Their CIO &lt;leaves&gt; · open · next review " in lines[0]
    [refused] = slash(live, OUTSIDER, "status Acme Corp")
    assert refused["text"].startswith("No account named 'Acme Corp'.")
    # App Home's Details opens the same card, risks included, for a member
    live.slack.event({"type": "app_home_opened", "user": SPONSOR, "tab": "home"})
    live.settle()
    home = live.emulator.home(SPONSOR)
    assert home is not None
    live.slack.block_action(SPONSOR, "scorecard_details", view=home)
    live.settle()
    opened = live.emulator.messages(SPONSOR)[-1]  # from App Home: in the DM with Sherpa
    assert opened["text"].startswith("Scorecard: Acme Corp")
    assert "Their CIO &lt;leaves&gt; · open · next review " in str(opened["blocks"])
