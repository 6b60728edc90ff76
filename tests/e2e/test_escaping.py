"""Names from the portfolio file reach Slack escaped, in the fallback `text` as in blocks.

A portfolio may name an account `Acme <!channel>` or label a KPI with a Slack link; shown
raw, the first would notify the whole channel and the second would put a link Sherpa never
wrote into its messages. Everything Sherpa sends is read back from the emulator's record
of Web API calls and `response_url` replies.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from engagement import db
from engagement.clock import MovableClock
from sherpa_demo.stack import Stack, running_stack
from tests.factories import ADMIN, NOW, load_portfolio, portfolio, workspace_for

SAM, SPONSOR = "U0SAM0001", "U0SPN0001"
ACCOUNT = "Acme <!channel>"
LABEL = "<https://evil.example|Click here>"
RAW = ("<!channel>", "<https://evil.example")
NEW_YORK_9 = datetime(2026, 11, 23, 14, tzinfo=UTC)  # Monday's check-ins in New York


@pytest.fixture
def hostile(sqlite_url: str, clock: MovableClock) -> Iterator[Stack]:
    """The test portfolio with a hostile account name and KPI label."""
    document = portfolio()
    document["scorecard"][1]["label"] = LABEL  # joint_revenue_growth, manual, red below 4
    document["accounts"][0]["name"] = ACCOUNT
    engine = db.make_engine(sqlite_url)
    with db.session_factory(engine)() as session:
        load_portfolio(session, document)
    engine.dispose()
    workspace = workspace_for(document)
    workspace["users"].append({"id": ADMIN, "name": "admin", "tz": "UTC"})
    with running_stack(sqlite_url, workspace, admins=ADMIN, clock=clock) as stack:
        yield stack


def texts(payload: dict[str, Any]) -> list[tuple[str, str]]:
    """Every text of a message or view with how Slack reads it: the fallback `text` and
    mrkdwn are parsed for mentions and links, plain_text is shown as it is."""
    found: list[tuple[str, str]] = []
    if isinstance(payload.get("text"), str):
        found.append(("text", payload["text"]))

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
                found.append((node["type"], node["text"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(payload.get("blocks"))
    walk(payload.get("view"))
    return found


def everything_sent(stack: Stack) -> list[tuple[str, str]]:
    """The texts of every Web API call and every reply Sherpa made."""
    stack.settle()
    found = [item for call in stack.emulator.calls() for item in texts(call.args)]
    return found + [item for reply in stack.emulator.responses() for item in texts(reply.body)]


def parsed(found: list[tuple[str, str]]) -> str:
    return "\n".join(text for kind, text in found if kind != "plain_text")


def reply(stack: Stack, text: str) -> dict[str, Any]:
    stack.slack.slash(SAM, text)
    stack.settle()
    return stack.emulator.responses(SAM)[-1].body


def test_a_hostile_account_name_and_kpi_label_are_shown_escaped_everywhere(
    hostile: Stack,
) -> None:
    stack = hostile
    recorded = reply(stack, f"kpi {ACCOUNT} joint_revenue_growth 1")
    assert recorded["text"] == (
        "Recorded &lt;https://evil.example|Click here&gt; for Acme &lt;!channel&gt;: 1%."
    )
    status = reply(stack, f"status {ACCOUNT}")
    assert status["text"].startswith("Scorecard: Acme &lt;!channel&gt; ")
    escalated = reply(stack, f"escalate {ACCOUNT} high Renewal blocked")
    assert escalated["text"] == (
        "Logged ESC-1 (high) for Acme &lt;!channel&gt;: the sponsors are being told."
    )
    for what in ("escalations", f"digest {ACCOUNT}", f"log {ACCOUNT} Met their CIO"):
        assert not any(raw in parsed(texts(reply(stack, what))) for raw in RAW)
    stack.tick(NOW)  # the escalation's alert and DMs; profiles and check-ins planned
    stack.tick(NEW_YORK_9 + timedelta(minutes=30))  # check-in DMs
    stack.tick(NEW_YORK_9 + timedelta(weeks=1))  # the KPI's week is complete: its alert

    [alert] = [
        call.args
        for call in stack.emulator.calls("chat.postMessage")
        if call.args["channel"] == "#acme-alliance" and "turned red" in call.args["text"]
    ]
    assert alert["text"] == (
        "Acme &lt;!channel&gt;: &lt;https://evil.example|Click here&gt; turned red (no data → 1%)"
    )
    assert "Acme &lt;!channel&gt;" in parsed(texts(alert))
    assert "&lt;https://evil.example|Click here&gt;" in parsed(texts(alert))
    checkin = next(m for m in stack.emulator.messages(SAM) if "Sponsor check-in" in m["text"])
    assert checkin["text"] == "Sponsor check-in: Acme &lt;!channel&gt;"

    sent = everything_sent(stack)
    assert not [(kind, text) for kind, text in sent if kind != "plain_text"
                for raw in RAW if raw in text]  # fmt: skip
    # headers, options and buttons are plain text: shown as written, never parsed
    assert any(kind == "plain_text" and ACCOUNT in text for kind, text in sent)
