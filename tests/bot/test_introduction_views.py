"""The introduction DM and the answer to a DM: Slack's limits, and what they tell people."""

from __future__ import annotations

import json
from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.root import wire
from engagement.checkins.messages import IntroducedAccount, Introduction
from engagement.models import Cadence, Role
from engagement.people import DirectMessageAnswer
from tests.bot.blockkit import check

render = wire().slack.renderers.render


def introduction(*accounts: IntroducedAccount, working_days: bool = True) -> Introduction:
    return Introduction(
        user_id="U1",
        accounts=accounts,
        first_checkin=datetime(2026, 11, 24, 9, tzinfo=ZoneInfo("Asia/Tokyo")),
        timezone="Asia/Tokyo",
        working_days=working_days,
    )


def account(name: str, role: Role, cadence: Cadence) -> IntroducedAccount:
    return IntroducedAccount(name=name, role=role, cadence=cadence, weekday=0, at=time(9))


def test_the_introduction_says_who_what_how_often_when_and_how_to_pause() -> None:
    payload = render(
        introduction(
            account("Hanami Logistics", Role.SAM, Cadence.WEEKLY),
            account("Acme & Co", Role.SPONSOR, Cadence.BIWEEKLY),
            account("Globex", Role.SPONSOR, Cadence.MONTHLY),
        )
    )
    text = json.dumps(check(payload), ensure_ascii=False)
    assert "Hello! I'm *Sherpa*" in text
    assert "*Hanami Logistics*: strategic account manager (SAM), check-in every Monday" in text
    assert "*Acme &amp; Co*: executive sponsor, check-in every other Monday at 09:00" in text
    assert "the first Monday of each month at 09:00" in text
    assert "Your admins added you" in text
    assert "*Tue 24 Nov at 09:00* your time (Asia/Tokyo)" in text
    assert "next working day" in text
    assert "with one question for the account's phase and an optional note" in text  # sponsor
    assert "/sponsor pause YYYY-MM-DD" in text and "/sponsor help" in text
    assert payload["text"] == "Hello from Sherpa: your first check-in comes Tue 24 Nov at 09:00"


def test_without_working_days_the_introduction_promises_no_move() -> None:
    payload = render(introduction(account("A", Role.SAM, Cadence.WEEKLY), working_days=False))
    assert "next working day" not in json.dumps(check(payload))
    assert "the account's phase" not in json.dumps(check(payload))  # a SAM is not asked it


def test_the_answer_to_a_dm_points_to_help_and_home() -> None:
    payload = render(DirectMessageAnswer(user_id="U1"))
    check(payload)
    assert "`/sponsor help`" in payload["text"] and "*Home* tab" in payload["text"]
