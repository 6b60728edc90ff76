"""Scorecards through the real endpoint: KPI actuals, status cards, the digest, Details, Home."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from bot.views.scorecard import ScorecardAction
from engagement.models import Account, KpiActual
from sherpa_demo.stack import Stack
from tests.factories import account_id, add_checkin

SAM, SPONSOR, OTHER_SAM = "U0SAM0001", "U0SPN0001", "U0SAM0002"


def next_friday_digest() -> datetime:
    """The first Friday 21:00 UTC (16:00 in New York, or later in summer) after now: a digest
    that sees what the test records now."""
    now = datetime.now(UTC)
    friday = (now + timedelta(days=(4 - now.weekday()) % 7)).replace(
        hour=21, minute=0, second=0, microsecond=0
    )
    return friday if friday > now else friday + timedelta(days=7)


def last_reply(stack: Stack, user: str) -> dict[str, object]:
    stack.settle()
    return stack.emulator.responses(user)[-1].body


def actuals(stack: Stack) -> int:
    with stack.runtime.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(KpiActual)) or 0)


def test_sam_records_a_kpi_and_others_are_refused(stack: Stack) -> None:
    stack.slack.slash(SAM, "kpi acme corp joint_revenue_growth 6.2%")
    assert last_reply(stack, SAM)["text"] == ("Recorded Joint revenue growth for Acme Corp: 6.2%.")
    stack.slack.slash(SPONSOR, "kpi Acme Corp joint_revenue_growth 7")
    assert "Only the SAM of Acme Corp (or an admin) can do that." in str(
        last_reply(stack, SPONSOR)["text"]
    )
    stack.slack.slash(SAM, "kpi Acme Corp joint_revenue_grwth 7")
    assert "Did you mean 'joint_revenue_growth'?" in str(last_reply(stack, SAM)["text"])
    stack.slack.slash(SAM, "kpi Acme Corp joint_revenue_growth lots")
    assert "lots" in str(last_reply(stack, SAM)["text"])
    assert actuals(stack) == 1


def test_status_card_shows_the_kpi_and_is_ephemeral(stack: Stack) -> None:
    stack.slack.slash(SAM, "kpi Acme Corp joint_revenue_growth 6.2")
    assert str(last_reply(stack, SAM)["text"]).startswith("Recorded")  # then asks for status
    stack.slack.slash(SAM, "status Acme Corp")
    reply = last_reply(stack, SAM)
    assert reply["response_type"] == "ephemeral"
    text = str(reply["blocks"])
    assert "Acme Corp" in text and "Joint revenue growth" in text and "6.2" in text
    stack.slack.slash(OTHER_SAM, "status Acme Corp")
    assert last_reply(stack, OTHER_SAM)["text"] == (
        "No account named 'Acme Corp'. Usage: `/sponsor status [account]`"
    )


def test_weekly_digest_is_posted_once_with_chart_and_details_work(stack: Stack) -> None:
    stack.slack.slash(SAM, "kpi Acme Corp joint_revenue_growth 3")
    stack.settle()
    friday = next_friday_digest()
    stack.tick(friday)
    stack.tick(friday)  # a second clock run changes nothing
    messages = stack.emulator.messages("#sponsor-digest")
    [head] = [m for m in messages if m.get("thread_ts") in (None, m["ts"])]
    assert "Acme Corp" in str(head["blocks"]) and "Globex" in str(head["blocks"])
    [chart] = stack.emulator.files()
    assert chart.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert any(share.thread_ts == head["ts"] for share in chart.shares)
    [shared] = [m for m in messages if m.get("files")]
    described = shared["files"][0]["alt_txt"]  # what a screen reader reads in Slack
    assert described.startswith("Sponsor scorecards, last 12 weeks — #sponsor-digest. Bars: the ")
    assert "Last week: " in described and chart.alt_txt == described
    # someone in the digest channel who is not on the account opens its card from there,
    # with the digest's one menu
    menu = next(
        element
        for block in head["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == ScorecardAction.DETAILS
    )
    acme = next(o["value"] for o in menu["options"] if o["text"]["text"] == "Acme Corp")
    stack.slack.block_action(OTHER_SAM, ScorecardAction.DETAILS, acme, message=head)
    assert "Acme Corp" in str(last_reply(stack, OTHER_SAM)["blocks"])


def test_a_late_figure_updates_the_digest_and_its_chart_to_agree(stack: Stack) -> None:
    stack.slack.slash(SAM, "kpi Acme Corp joint_revenue_growth 3")  # red
    stack.settle()
    friday = next_friday_digest()
    stack.tick(friday)
    [before] = stack.emulator.files()
    assert "Last week: 1 red, 2 without data." in str(before.alt_txt)
    stack.slack.slash(SAM, "kpi Acme Corp joint_revenue_growth 6")  # late: green after all
    stack.settle()
    stack.tick(friday + timedelta(minutes=2))
    messages = stack.emulator.messages("#sponsor-digest")
    [head] = [m for m in messages if m.get("thread_ts") in (None, m["ts"])]
    shown = " ".join(stack.emulator.shown(str(b.get("text", {}).get("text", ""))) for b in
                     head["blocks"])  # fmt: skip
    assert "0 red" in shown and "1 green" in shown and "2 no data" in shown
    assert "edited" in head  # the top message, updated in place
    [chart] = stack.emulator.files()  # the old chart deleted, the new one in the thread
    assert chart.id != before.id and "Last week: 1 green, 2 without data." in str(chart.alt_txt)
    thread = stack.emulator.messages("#sponsor-digest", thread_ts=head["ts"])
    assert [f["id"] for m in thread for f in m.get("files", ())] == [chart.id]
    assert head["reply_count"] == len(thread) - 1


def test_digest_preview_goes_only_to_the_caller(stack: Stack) -> None:
    stack.slack.slash(SAM, "digest")
    reply = last_reply(stack, SAM)
    assert reply["response_type"] == "ephemeral" and "Acme Corp" in str(reply["blocks"])
    assert stack.emulator.messages("#sponsor-digest") == []


def test_home_shows_the_latest_scores(stack: Stack) -> None:
    stack.slack.event({"type": "app_home_opened", "user": SAM, "tab": "home"})
    stack.settle()
    home = stack.emulator.home(SAM)
    assert home is not None and "Acme Corp" in str(home["blocks"])


def test_card_home_and_digest_show_phase_governance_and_role_balance(live: Stack) -> None:
    """Seed 002's phase and governance and seed 000's role balance, as people read them: on
    `/sponsor status`, in App Home's accounts and its account card, in the digest."""
    monday = datetime.now(UTC).date() - timedelta(days=datetime.now(UTC).weekday())
    with live.runtime.sessions() as session, session.begin():
        session.execute(
            update(Account)
            .where(Account.name == "Acme Corp")
            .values(phase="implementation", governance="steering-committee")
        )
        for weeks_ago, user, role in ((0, SPONSOR, "sponsor"), (2, SAM, "sam")):
            add_checkin(session, account="Acme Corp", user=user, role=role,
                        period=monday - timedelta(weeks=weeks_ago), answers=[(4, 4, 4, 4, 5)],
                        direction="took_over")  # fmt: skip
    phase = (
        "*Phase:* implementation · *governance:* joint steering committee, where the sponsor "
        "chairs the committee and sets its agenda"
    )
    balance = "*Role balance:* sponsor took over (2 of last 4 weeks)"
    live.slack.slash(SAM, "status Acme Corp")
    card = str(last_reply(live, SAM)["blocks"])
    assert phase in card and balance in card
    live.slack.event({"type": "app_home_opened", "user": SAM, "tab": "home"})
    live.settle()
    home = live.emulator.home(SAM)
    assert home is not None
    assert "*Acme Corp* (SAM) · implementation · joint steering committee" in str(home["blocks"])
    with live.runtime.sessions() as session:
        acme = str(account_id(session, "Acme Corp"))
    live.slack.block_action(SAM, ScorecardAction.DETAILS, acme, view=home)  # its card
    from_home = str(last_reply(live, SAM)["blocks"])
    assert phase in from_home and balance in from_home
    live.slack.slash(SAM, "digest")
    digest = str(last_reply(live, SAM)["blocks"])
    assert "*Acme Corp* · implementation · " in digest
    assert "sponsor took over (2 of 4 weeks)" in digest
