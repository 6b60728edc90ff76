"""Escalations end to end: signed requests to Sherpa's endpoint, Slack's side in the emulator.

`stack.tick(at)` plays the scheduler (what `sherpa tick --at` does): alerts, DMs and
in-place updates are due work, delivered by its next run.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from engagement.clock import MovableClock
from engagement.models import Escalation, EscalationEvent, EscalationState
from sherpa_demo.stack import Stack, running_stack
from tests import pg
from tests.conftest import fresh_postgres_url, loaded_workspace
from tests.factories import ADMIN, NOW

SAM = "U0SAM0001"  # SAM of Acme Corp
SPONSOR = "U0SPN0001"  # sponsor of Acme Corp
GLOBEX_SAM = "U0SAM0002"
GLOBEX_SPONSOR = "U0SPN0002"
CHANNEL = "#acme-alliance"
PATH = "#exec-steering"


# --- reading what happened ----------------------------------------------------------------


def replies(stack: Stack, user: str) -> list[str]:
    """The one-line answers only `user` saw (slash commands and buttons answer there)."""
    return [str(post.body.get("text", "")) for post in stack.emulator.responses(user)]


def last_reply(stack: Stack, user: str) -> str:
    said = replies(stack, user)
    assert said, f"nothing was said to {user}"
    return said[-1]


def about(stack: Stack, where: str, code: str = "ESC-1") -> list[dict[str, Any]]:
    """Messages in a channel or DM about one escalation (check-in DMs left out)."""
    return [m for m in stack.emulator.messages(where) if code in str(m.get("text", ""))]


def text_of(message: dict[str, Any]) -> str:
    """Everything a message shows, as one string."""
    parts: list[str] = [str(message.get("text", ""))]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                parts.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(message.get("blocks", []))
    return "\n".join(parts)


def buttons(message: dict[str, Any]) -> dict[str, str]:
    """action_id -> value of every button of a message."""
    found: dict[str, str] = {}
    for block in message.get("blocks", []):
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("type") == "button":
                found[element["action_id"]] = element.get("value", "")
    return found


def escalations(stack: Stack) -> list[Escalation]:
    with stack.runtime.sessions() as session:
        rows = list(session.scalars(select(Escalation).order_by(Escalation.id)))
        session.expunge_all()
        return rows


def events(stack: Stack, escalation_id: int = 1) -> list[tuple[str, int | None]]:
    with stack.runtime.sessions() as session:
        rows = session.scalars(
            select(EscalationEvent)
            .where(EscalationEvent.escalation_id == escalation_id)
            .order_by(EscalationEvent.id)
        )
        return [(row.kind, row.person_id) for row in rows]


def updates_of(stack: Stack, message: dict[str, Any]) -> int:
    return sum(
        1
        for call in stack.emulator.calls("chat.update")
        if call.ok and call.args.get("ts") == message["ts"]
    )


def slash(stack: Stack, user: str, text: str) -> str:
    stack.slack.slash(user, text)
    stack.settle()
    return last_reply(stack, user)


def log_escalation(stack: Stack, text: str = "escalate Acme Corp high Renewal blocked") -> str:
    """Log one inline and let the scheduler deliver its alerts."""
    line = slash(stack, SAM, text)
    stack.tick(NOW)
    return line


@pytest.fixture
def live(clocked_stack: Stack, clock: MovableClock) -> Iterator[Stack]:
    yield clocked_stack


# --- logging: three ways ------------------------------------------------------------------


def test_inline_logs_at_once_and_alerts_the_channel_and_dms_the_sponsor(live: Stack) -> None:
    line = slash(live, SAM, "escalate acme corp HIGH Renewal blocked by legal")
    assert line == "Logged ESC-1 (high) for Acme Corp: the sponsors are being told."
    [row] = escalations(live)
    assert (row.severity, row.state, row.summary) == ("high", "open", "Renewal blocked by legal")
    assert row.ack_deadline == NOW + timedelta(days=1)

    live.tick(NOW)
    [alert] = about(live, CHANNEL)
    shown = text_of(alert)
    assert "ESC-1 · High escalation · Acme Corp" in shown
    assert "Renewal blocked by legal" in shown and f"<@{SAM}>" in shown
    assert ":large_orange_circle: High" in shown
    assert "Open" in shown and not buttons(alert)  # the channel sees it; sponsors act on it

    [dm] = about(live, SPONSOR)
    assert f"<@{SAM}> escalated *ESC-1* for *Acme Corp* to you" in text_of(dm)
    assert "Renewal blocked by legal" in text_of(dm)
    assert buttons(dm) == {"escalation_acknowledge": "1", "escalation_resolve": "1"}
    assert about(live, PATH) == []  # only critical ones go straight to the path
    assert about(live, GLOBEX_SPONSOR) == []


def test_a_critical_one_also_goes_straight_to_the_escalation_path(live: Stack) -> None:
    log_escalation(live, "escalate Acme Corp critical Production outage at the customer")
    [post] = about(live, PATH)
    assert "Critical escalation ESC-1 · Acme Corp" in text_of(post)
    assert f"<@{SPONSOR}>" in text_of(post)
    assert len(about(live, CHANNEL)) == 1 and len(about(live, SPONSOR)) == 1


def account_options(view: dict[str, Any]) -> dict[str, str]:
    [block] = [b for b in view["blocks"] if b.get("block_id") == "escalation_account"]
    return {o["text"]["text"]: o["value"] for o in block["element"]["options"]}


def test_the_modal_offers_only_the_callers_accounts_and_logs_every_field(
    live: Stack,
) -> None:
    live.slack.slash(ADMIN, "escalate")
    live.settle()
    [admin_view] = live.emulator.open_views(ADMIN)
    assert set(account_options(admin_view)) == {"Acme Corp", "Globex", "Hanami Logistics"}

    live.slack.slash(SAM, "escalate")
    live.settle()
    [view] = live.emulator.open_views(SAM)
    assert view["callback_id"] == "escalation_raise"
    assert account_options(view) == {"Acme Corp": "1"}
    values = {
        "escalation_account": {"escalation_account": "1"},
        "escalation_severity": {"escalation_severity": "medium"},
        "escalation_summary": {"escalation_summary": "Security review stalled"},
        "escalation_details": {"escalation_details": "Their CISO wants a pen-test report."},
        "escalation_ask": {"escalation_ask": "Ask our CISO to call theirs."},
        "escalation_due_by": {"escalation_due_by": "2026-11-30"},
    }
    result = live.slack.submit_view(SAM, view, values)
    live.settle()
    assert result.json["response_action"] == "update"
    [done] = live.emulator.open_views(SAM)
    assert "Logged ESC-1 (medium) for Acme Corp" in text_of(done)
    [row] = escalations(live)
    assert (row.summary, row.details, row.ask) == (
        "Security review stalled",
        "Their CISO wants a pen-test report.",
        "Ask our CISO to call theirs.",
    )
    assert str(row.due_by) == "2026-11-30" and row.severity == "medium"

    again = live.slack.submit_view(SAM, view, values)  # a retried submission
    assert again.status == 200 and len(escalations(live)) == 1
    assert events(live) == [("raised", row.raised_by)]


def test_modal_field_problems_stay_beside_their_fields(live: Stack) -> None:
    live.slack.slash(SAM, "escalate")
    live.settle()
    [view] = live.emulator.open_views(SAM)
    result = live.slack.submit_view(
        SAM,
        view,
        {
            "escalation_account": {"escalation_account": "1"},
            "escalation_severity": {"escalation_severity": "low"},
            "escalation_summary": {"escalation_summary": "   "},
            "escalation_due_by": {"escalation_due_by": "2026-11-01"},
        },
    )
    assert result.json["response_action"] == "errors"
    assert set(result.json["errors"]) == {"escalation_summary", "escalation_due_by"}
    assert "in the past" in result.json["errors"]["escalation_due_by"]
    assert escalations(live) == [] and len(live.emulator.open_views(SAM)) == 1


def test_a_forged_account_in_the_modal_is_refused_and_logged(
    live: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    live.slack.slash(SAM, "escalate")
    live.settle()
    [view] = live.emulator.open_views(SAM)
    forged = {**view, "blocks": [dict(b) for b in view["blocks"]]}
    [account] = [b for b in forged["blocks"] if b.get("block_id") == "escalation_account"]
    account["element"] = {
        **account["element"],
        "options": [*account["element"]["options"], {"text": {"type": "plain_text",
                    "text": "Globex"}, "value": "2"}, {"text": {"type": "plain_text",
                    "text": "Gone"}, "value": "99"}],
    }  # fmt: skip
    answers = []
    with caplog.at_level(logging.WARNING):
        for account_id in ("2", "99"):  # Globex, and an account that does not exist
            result = live.slack.submit_view(
                SAM,
                forged,
                {
                    "escalation_account": {"escalation_account": account_id},
                    "escalation_severity": {"escalation_severity": "high"},
                    "escalation_summary": {"escalation_summary": "Not mine to raise"},
                },
            )
            answers.append(result.json)
        live.settle()
    assert escalations(live) == []
    refused = {
        "response_action": "errors",
        "errors": {"escalation_account": "That account no longer exists, or is not one of yours."},
    }
    assert answers == [refused, refused]  # the modal stays open; Globex is not given away
    assert any(f"access.refused user={SAM}" in r.getMessage() and "ref=2" in r.getMessage()
               for r in caplog.records)  # fmt: skip


def post_customer_message(stack: Stack, text: str) -> dict[str, Any]:
    """A message in the account channel (the emulator keeps what it can give a permalink for)."""
    channel = stack.emulator.workspace.resolve(CHANNEL, open_dm=False)
    assert channel is not None
    return stack.emulator.store.post(channel, {"text": text})


def test_the_message_shortcut_prefills_the_modal_with_the_text_and_permalink(
    live: Stack,
) -> None:
    message = post_customer_message(
        live, "Customer says the renewal is on hold\nProcurement wants a 20% discount."
    )
    live.slack.message_shortcut(SAM, "escalate_to_sponsor", message)
    live.settle()
    [view] = live.emulator.open_views(SAM)
    summary = next(b for b in view["blocks"] if b.get("block_id") == "escalation_summary")
    details = next(b for b in view["blocks"] if b.get("block_id") == "escalation_details")
    assert summary["element"]["initial_value"] == "Customer says the renewal is on hold"
    assert "20% discount" in details["element"]["initial_value"]
    [permalink_call] = live.emulator.calls("chat.getPermalink")
    link = permalink_call.response["permalink"]
    assert f"<{link}|this message>" in text_of(view)
    # opened first (the trigger lasts 3 s), the link added after
    opened = live.emulator.calls("views.open")[0].index
    assert opened < permalink_call.index < live.emulator.calls("views.update")[0].index

    live.slack.submit_view(SAM, view, {"escalation_severity": {"escalation_severity": "high"}})
    live.settle()
    [row] = escalations(live)
    assert row.source_permalink == link
    assert row.summary == "Customer says the renewal is on hold"
    live.tick(NOW)
    assert f"<{link}|Source message>" in text_of(about(live, CHANNEL)[0])


def test_the_shortcut_on_a_message_without_a_permalink_still_opens_the_modal(
    live: Stack,
) -> None:
    someone_elses = {"type": "message", "user": SAM, "ts": "1700000000.000100", "text": "Help"}
    channel = live.emulator.workspace.resolve(CHANNEL, open_dm=False)
    live.slack.message_shortcut(SAM, "escalate_to_sponsor", someone_elses, channel=channel)
    live.settle()
    [view] = live.emulator.open_views(SAM)
    assert view["callback_id"] == "escalation_raise" and "this message" not in text_of(view)


def test_from_a_slack_message_to_an_acknowledged_escalation(live: Stack) -> None:
    """The SAM: 1 "Escalate to sponsor" on the message, 2 choose the severity, 3 Escalate
    (the account is pre-selected: their only one; summary and details come from the
    message). The sponsor: 4 Acknowledge in the DM. Four clicks, and the channel alert
    then shows who acknowledged it and when."""
    message = post_customer_message(live, "Customer threatens to churn over the outage")
    live.slack.message_shortcut(SAM, "escalate_to_sponsor", message)  # click 1
    live.settle()
    [view] = live.emulator.open_views(SAM)
    severity = {"escalation_severity": {"escalation_severity": "critical"}}  # click 2
    live.slack.submit_view(SAM, view, severity)  # click 3
    live.settle()
    live.tick(NOW)  # the scheduler's next run
    [dm] = about(live, SPONSOR)
    [alert] = about(live, CHANNEL)
    assert "Customer threatens to churn over the outage" in text_of(dm)

    live.slack.block_action(SPONSOR, "escalation_acknowledge", message=dm)  # click 4
    live.settle()
    assert last_reply(live, SPONSOR) == "You acknowledged ESC-1."
    live.tick(NOW)
    [alert] = about(live, CHANNEL)
    assert f"*Acknowledged* by <@{SPONSOR}>" in text_of(alert) and updates_of(live, alert) == 1
    [dm] = about(live, SPONSOR)
    assert buttons(dm) == {"escalation_resolve": "1"}  # acknowledged: only Resolve is left
    [row] = escalations(live)
    assert row.state == EscalationState.ACKNOWLEDGED and row.acknowledged_at == NOW


# --- life cycle: buttons and commands -----------------------------------------------------


def test_acknowledge_and_resolve_by_button_update_the_alert_in_place(
    live: Stack, clock: MovableClock
) -> None:
    log_escalation(live)
    [dm] = about(live, SPONSOR)
    clock.now = NOW + timedelta(hours=2)
    live.slack.block_action(SPONSOR, "escalation_acknowledge", message=dm)
    live.settle()
    live.tick(clock.now)
    [alert] = about(live, CHANNEL)
    assert "*Acknowledged*" in text_of(alert)

    [dm] = about(live, SPONSOR)
    live.slack.block_action(SPONSOR, "escalation_resolve", message=dm)
    live.settle()
    [modal] = live.emulator.open_views(SPONSOR)
    assert modal["callback_id"] == "escalation_resolve_note"
    assert modal["title"]["text"] == "Resolve ESC-1"
    blank = live.slack.submit_view(SPONSOR, modal, {"escalation_note": {"escalation_note": " "}})
    assert blank.json["response_action"] == "errors"
    assert blank.json["errors"]["escalation_note"] == (
        "A resolution note is required: say what was done."
    )
    clock.now = NOW + timedelta(hours=5)
    note = {"escalation_note": {"escalation_note": "Legal signed the DPA; renewal is on."}}
    done = live.slack.submit_view(SPONSOR, modal, note)
    live.settle()
    assert done.json["response_action"] == "update"
    assert "You resolved ESC-1." in text_of(live.emulator.open_views(SPONSOR)[0])
    live.tick(clock.now)

    [alert] = about(live, CHANNEL)
    assert "*Resolved* by" in text_of(alert)
    assert "Legal signed the DPA; renewal is on." in text_of(alert)
    assert updates_of(live, alert) == 2  # in place: still one message in the channel
    [dm] = about(live, SPONSOR)
    assert buttons(dm) == {}
    [row] = escalations(live)
    assert row.state == EscalationState.RESOLVED and row.resolved_at == clock.now
    (_, raiser), (_, acknowledger), (_, resolver) = events(live)
    assert [kind for kind, _ in events(live)] == ["raised", "acknowledged", "resolved"]
    assert acknowledger == resolver != raiser  # who did each, kept with each change


def test_acknowledge_and_resolve_by_command(live: Stack) -> None:
    log_escalation(live)
    assert slash(live, SPONSOR, "ack esc-1") == "You acknowledged ESC-1."
    assert slash(live, SPONSOR, "resolve ESC-1") == (
        "A resolution note is required: say what was done. "
        "Usage: `/sponsor resolve <ESC-id> <note…>`"
    )
    assert escalations(live)[0].state == EscalationState.ACKNOWLEDGED
    assert slash(live, SPONSOR, "resolve ESC-1 Budget approved by the CFO") == (
        "You resolved ESC-1."
    )
    [row] = escalations(live)
    assert (row.state, row.resolution) == ("resolved", "Budget approved by the CFO")
    assert slash(live, SPONSOR, "resolve ESC-1 again") == (
        f"ESC-1 was already resolved by <@{SPONSOR}>."
    )
    assert slash(live, SPONSOR, "ack ESC-99") == "There is no escalation ESC-99 in your accounts."
    assert slash(live, ADMIN, "ack ESC-99") == "There is no escalation ESC-99."
    live.tick(NOW)
    [alert] = about(live, CHANNEL)
    assert "Budget approved by the CFO" in text_of(alert)


def test_whoever_raised_it_can_cancel_it_and_nobody_else(live: Stack) -> None:
    log_escalation(live)
    assert slash(live, SPONSOR, "cancel ESC-1") == (
        "Only whoever raised ESC-1 (or an admin) can cancel it."
    )
    assert slash(live, SAM, "cancel ESC-1") == "You cancelled ESC-1."
    live.tick(NOW)
    assert "*Cancelled* by" in text_of(about(live, CHANNEL)[0])
    assert buttons(about(live, SPONSOR)[0]) == {}
    assert slash(live, SPONSOR, "ack ESC-1") == (
        f"ESC-1 was cancelled by <@{SAM}>; there is nothing to acknowledge."
    )


def test_a_button_pressed_twice_changes_nothing_the_second_time(live: Stack) -> None:
    log_escalation(live)
    [dm] = about(live, SPONSOR)
    live.slack.block_action(SPONSOR, "escalation_acknowledge", message=dm)
    live.settle()
    live.slack.block_action(SPONSOR, "escalation_acknowledge", message=dm)
    live.settle()
    assert replies(live, SPONSOR) == [
        "You acknowledged ESC-1.",
        f"ESC-1 was already acknowledged by <@{SPONSOR}>.",
    ]
    assert [kind for kind, _ in events(live)] == ["raised", "acknowledged"]
    live.tick(NOW)
    [alert] = about(live, CHANNEL)
    assert updates_of(live, alert) == 1  # one change, one update


# --- authorization ------------------------------------------------------------------------


def test_non_members_get_one_line_and_nothing_changes(live: Stack) -> None:
    log_escalation(live)
    assert slash(live, GLOBEX_SAM, "escalate Acme Corp high Not my account").startswith(
        "No account named 'Acme Corp'. Usage: `/sponsor escalate"
    )
    assert slash(live, SPONSOR, "escalate Acme Corp high Sponsors do not raise") == (
        "Only the SAM of Acme Corp (or an admin) can do that."
    )
    assert slash(live, GLOBEX_SPONSOR, "ack ESC-1") == (
        "There is no escalation ESC-1 in your accounts."
    )
    assert slash(live, SAM, "resolve ESC-1 I will just close it") == (
        "Only a sponsor of Acme Corp (or an admin) can do that."
    )
    assert slash(live, GLOBEX_SPONSOR, "escalations Acme Corp") == (
        "No account named 'Acme Corp'. Usage: `/sponsor escalations [account]`"
    )
    assert len(escalations(live)) == 1 and escalations(live)[0].state == "open"
    assert [kind for kind, _ in events(live)] == ["raised"]
    assert slash(live, ADMIN, "ack ESC-1") == "You acknowledged ESC-1."  # admins may


def test_a_forged_button_is_refused_and_logged(
    live: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    log_escalation(live)
    [dm] = about(live, SPONSOR)
    with caplog.at_level(logging.WARNING):
        live.slack.block_action(GLOBEX_SPONSOR, "escalation_acknowledge", message=dm)
        live.slack.block_action(GLOBEX_SPONSOR, "escalation_acknowledge", "1 OR 1=1", message=dm)
        live.settle()
    assert sorted(replies(live, GLOBEX_SPONSOR)) == [
        "That button is out of date; use the latest message about it.",
        "There is no escalation ESC-1 in your accounts.",
    ]
    logged = [r.getMessage() for r in caplog.records]
    assert any(f"escalation.refused action=acknowledge account=1 user={GLOBEX_SPONSOR}" in m
               for m in logged)  # fmt: skip
    assert any("escalation.bad_button" in m for m in logged)
    assert escalations(live)[0].state == "open"


def test_a_forged_resolve_submission_is_refused_and_logged(
    live: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    log_escalation(live)
    [dm] = about(live, SPONSOR)
    live.slack.block_action(SPONSOR, "escalation_resolve", message=dm)
    live.settle()
    [modal] = live.emulator.open_views(SPONSOR)
    with caplog.at_level(logging.WARNING):
        live.slack.submit_view(
            GLOBEX_SPONSOR, modal, {"escalation_note": {"escalation_note": "Closed by me"}}
        )
        live.slack.submit_view(
            GLOBEX_SPONSOR,
            {**modal, "private_metadata": '{"escalation_id": "ESC-1; --"}'},
            {"escalation_note": {"escalation_note": "Closed by me"}},
        )
        live.settle()
    said = [m["text"] for m in live.emulator.messages(GLOBEX_SPONSOR)]
    assert [text for text in said if not text.startswith("Hello from Sherpa")] == [
        "There is no escalation ESC-1 in your accounts.",
        "That form is out of date; press Resolve on the latest message again.",
    ]
    logged = [r.getMessage() for r in caplog.records]
    assert any("escalation.refused action=resolve" in m for m in logged)
    assert any("escalation.bad_resolve_metadata" in m for m in logged)
    assert escalations(live)[0].state == "open"


# --- the inline form ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("escalate Acme Corp", "Give a severity: low, medium, high or critical."),
        ("escalate Acme Corp urgent Renewal blocked",
         "'urgent' is not a severity: use low, medium, high or critical."),
        ("escalate Acme Corp high", "Say what the escalation is about."),
        ("escalate Acme Crop high Renewal blocked",
         "No account named 'Acme Crop'. Did you mean 'Acme Corp'?"),
        ("escalate Acme Corp high " + "x" * 3001,
         "The summary is 3,001 characters; the limit is 3,000."),
    ],
)  # fmt: skip
def test_inline_mistakes_get_one_line_and_write_nothing(live: Stack, text: str, line: str) -> None:
    said = slash(live, SAM, text)
    assert said.startswith(line) and "\n" not in said
    assert escalations(live) == []


def test_shell_and_sql_looking_text_is_stored_verbatim_and_shown_harmless(live: Stack) -> None:
    summary = "'; DROP TABLE escalations; -- $(rm -rf /) `reboot` <!channel> & <@U0ADMIN01>"
    log_escalation(live, f"escalate Acme Corp low {summary}")
    [row] = escalations(live)
    assert row.summary == summary
    shown = text_of(about(live, CHANNEL)[0])
    assert "&lt;!channel&gt;" in shown and "<!channel>" not in shown
    assert "&lt;@U0ADMIN01&gt;" in shown


# --- deadlines ---------------------------------------------------------------------------


def reminders(stack: Stack) -> list[dict[str, Any]]:
    return [m for m in about(stack, SPONSOR) if "past its acknowledge deadline" in text_of(m)]


def path_posts(stack: Stack) -> list[dict[str, Any]]:
    return [m for m in about(stack, PATH) if "Unacknowledged escalation ESC-1" in text_of(m)]


def test_the_deadline_ladder_re_alerts_once_then_reaches_the_path_once(live: Stack) -> None:
    log_escalation(live)  # high: a day to acknowledge
    deadline = NOW + timedelta(days=1)
    live.tick(deadline - timedelta(minutes=1))
    assert reminders(live) == []
    live.tick(deadline)
    [reminder] = reminders(live)
    assert buttons(reminder) == {"escalation_acknowledge": "1", "escalation_resolve": "1"}
    live.tick(deadline)
    live.tick(deadline + timedelta(hours=12))
    assert len(reminders(live)) == 1 and path_posts(live) == []
    live.tick(NOW + timedelta(days=2) - timedelta(minutes=1))
    assert path_posts(live) == []
    live.tick(NOW + timedelta(days=2))
    [post] = path_posts(live)
    assert f"Sponsors: <@{SPONSOR}>" in text_of(post)
    live.tick(NOW + timedelta(days=2))
    live.tick(NOW + timedelta(days=5))
    assert len(path_posts(live)) == 1 and len(reminders(live)) == 1
    assert [kind for kind, _ in events(live)] == ["raised", "reminded", "escalated"]
    assert [who for _, who in events(live)][1:] == [None, None]  # done by Sherpa


def test_the_path_post_stays_true_once_acknowledged(live: Stack, clock: MovableClock) -> None:
    log_escalation(live)
    live.tick(NOW + timedelta(days=1))
    live.tick(NOW + timedelta(days=2))
    [post] = path_posts(live)
    assert "Nobody has acknowledged *ESC-1*" in text_of(post)
    clock.now = NOW + timedelta(days=2, hours=3)
    slash(live, SPONSOR, "ack ESC-1")
    live.tick(clock.now)
    [post] = about(live, PATH)  # the same message, updated in place
    assert "Nobody has acknowledged" not in text_of(post)
    assert f"*ESC-1* for *Acme Corp* was acknowledged by <@{SPONSOR}>" in text_of(post)


def test_an_acknowledged_escalation_stops_the_ladder(live: Stack, clock: MovableClock) -> None:
    log_escalation(live)
    clock.now = NOW + timedelta(hours=3)
    slash(live, SPONSOR, "ack ESC-1")
    for days in (1, 2, 3):
        live.tick(NOW + timedelta(days=days))
    assert reminders(live) == [] and about(live, PATH) == []


def sherpa_tick(stack: Stack, database_url: str, at: datetime) -> subprocess.Popen[str]:
    """`sherpa tick --at …` as its own OS process, against the emulator."""
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "PYTHONPATH": str(root),
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": stack.emulator.bot_token,
        "SLACK_API_URL": stack.emulator.api_url,
    }
    command = [sys.executable, "-m", "sherpa.cli", "tick", "--at", at.isoformat()]
    return subprocess.Popen(
        command, env=env, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


@pytest.mark.postgres
@pytest.mark.skipif(not pg.available(), reason=f"no PostgreSQL binaries at {pg.PG_BIN}")
def test_two_tick_processes_at_the_same_instant_send_each_step_once(
    postgres: pg.PostgresServer,
) -> None:
    url = fresh_postgres_url(postgres)
    clock = MovableClock(NOW)
    with running_stack(url, loaded_workspace(url), admins=ADMIN, clock=clock) as stack:
        log_escalation(stack)
        reports = []
        for at in (NOW + timedelta(days=1), NOW + timedelta(days=2)):
            processes = [sherpa_tick(stack, url, at) for _ in range(2)]
            for process in processes:
                out, err = process.communicate(timeout=120)
                assert process.returncode == 0, err
                reports.append(out)
        said = "".join(reports)  # each process prints what it did
        assert said.count("escalation.realert=1") == 1 and said.count("escalation.path=1") == 1
        assert len(reminders(stack)) == 1
        assert len(path_posts(stack)) == 1
        to_path = [c for c in stack.emulator.calls("chat.postMessage") if c.args["channel"] == PATH]
        assert len(to_path) == 1
        assert [kind for kind, _ in events(stack)] == ["raised", "reminded", "escalated"]


# --- listing ------------------------------------------------------------------------------


def test_escalations_lists_the_open_ones_oldest_first_with_age_and_severity(
    live: Stack, clock: MovableClock
) -> None:
    slash(live, SAM, "escalate Acme Corp low First thing")
    clock.now = NOW + timedelta(hours=1)
    slash(live, SAM, "escalate Acme Corp critical Second thing")
    slash(live, GLOBEX_SAM, "escalate Globex high Globex thing")
    clock.now = NOW + timedelta(hours=2)
    slash(live, SAM, "escalate Acme Corp medium Third thing")
    slash(live, SAM, "cancel ESC-4")
    clock.now = NOW + timedelta(hours=3)

    live.slack.slash(SAM, "escalations")
    live.settle()
    listed = live.emulator.responses(SAM)[-1].body
    assert listed["text"] == "2 open escalations, oldest first"
    lines = [b["text"]["text"] for b in listed["blocks"][1:]]
    assert lines[0].startswith("*ESC-1* · :large_green_circle: Low · Acme Corp · 3 h old")
    assert lines[1].startswith("*ESC-2* · :red_circle: Critical · Acme Corp · 2 h old")
    assert all("Globex" not in line for line in lines)  # not theirs to see

    live.slack.slash(ADMIN, "escalations globex")
    live.settle()
    listed = live.emulator.responses(ADMIN)[-1].body
    assert listed["text"] == "1 open escalation for Globex, oldest first"


def escalation_buttons(home: Any) -> set[str]:
    """App Home's escalation buttons (the other features' sections have theirs)."""
    return {action for action in buttons(home) if action.startswith("escalation_")}


def test_app_home_shows_what_the_person_raised_or_owns(live: Stack) -> None:
    log_escalation(live)
    live.slack.event({"type": "app_home_opened", "user": SPONSOR, "tab": "home"})
    live.slack.event({"type": "app_home_opened", "user": SAM, "tab": "home"})
    live.slack.event({"type": "app_home_opened", "user": GLOBEX_SPONSOR, "tab": "home"})
    live.settle()
    sponsor_home, sam_home = live.emulator.home(SPONSOR), live.emulator.home(SAM)
    assert sponsor_home is not None and sam_home is not None
    assert "Renewal blocked" in text_of(sponsor_home) and "Renewal blocked" in text_of(sam_home)
    assert escalation_buttons(sponsor_home) == {
        "escalation_new", "escalation_acknowledge", "escalation_resolve",
    }  # fmt: skip
    assert escalation_buttons(sam_home) == {"escalation_new", "escalation_cancel"}
    other = live.emulator.home(GLOBEX_SPONSOR)
    assert other is not None and "Renewal blocked" not in text_of(other)

    live.slack.block_action(SPONSOR, "escalation_acknowledge", view=sponsor_home)
    live.settle()
    refreshed = live.emulator.home(SPONSOR)
    assert refreshed is not None and escalation_buttons(refreshed) == {
        "escalation_new", "escalation_resolve",
    }  # fmt: skip
    live.slack.block_action(SAM, "escalation_cancel", view=sam_home)
    live.settle()
    sam_after = live.emulator.home(SAM)
    assert sam_after is not None and "Renewal blocked" not in text_of(sam_after)
    assert escalations(live)[0].state == EscalationState.CANCELLED

    live.slack.block_action(SAM, "escalation_new", view=sam_after)
    live.settle()
    [modal] = live.emulator.open_views(SAM)
    assert modal["callback_id"] == "escalation_raise"
    values = {
        "escalation_severity": {"escalation_severity": "low"},
        "escalation_summary": {"escalation_summary": "Raised from Home"},
    }
    live.slack.submit_view(SAM, modal, values)
    live.settle()
    sam_home = live.emulator.home(SAM)
    assert sam_home is not None and "Raised from Home" in text_of(sam_home)

    live.slack.event({"type": "app_home_opened", "user": SPONSOR, "tab": "home"})
    live.settle()
    sponsor_home = live.emulator.home(SPONSOR)
    assert sponsor_home is not None and "Raised from Home" in text_of(sponsor_home)
    live.slack.block_action(
        SPONSOR, "escalation_resolve", block_id="escalation_home_2", view=sponsor_home
    )
    live.settle()
    [resolve] = live.emulator.open_views(SPONSOR)
    live.slack.submit_view(SPONSOR, resolve, {"escalation_note": {"escalation_note": "Done."}})
    live.settle()
    sponsor_home = live.emulator.home(SPONSOR)
    assert sponsor_home is not None and "Raised from Home" not in text_of(sponsor_home)
