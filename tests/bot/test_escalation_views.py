"""Escalation Block Kit: valid for Slack, within its limits, truncated visibly, IDs shared."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.root import wire
from bot.views.escalations import common, lists, messages, modals, replies
from bot.views.escalations.common import EscalationAction, EscalationCallback, EscalationField
from bot.views.escalations.modals import ModalMetadata
from engagement.db import transaction
from engagement.duework.engine import Engine
from engagement.errors import NotAllowed
from engagement.escalations import service
from engagement.escalations.cards import EscalationCard, Who
from engagement.escalations.listing import AccountRef, Listed, Listing
from engagement.escalations.messages import (
    EscalationAlert,
    EscalationPathAlert,
    EscalationReminder,
    EscalationSponsorRequest,
)
from engagement.escalations.rules import EscalationInput, InvalidFields
from engagement.models import EscalationState, Severity
from engagement.notify import Message, Posted
from tests.bot.blockkit import check
from tests.factories import NOW as FACTORY_NOW
from tests.factories import actor, escalation_registry, load_portfolio
from tests.fakes import FakeNotifier

render = wire().slack.renderers.render
"""How each message looks, by the renderers the features registered."""

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SAM = Who(user_id="U0SAM0001", name="Sam")
SPONSOR = Who(user_id="U0SPN0001", name="Sponsor")


def card(state: EscalationState = EscalationState.OPEN, **overrides: Any) -> EscalationCard:
    values: dict[str, Any] = {
        "id": 42,
        "code": "ESC-42",
        "account_id": 1,
        "account_name": "Acme Corp",
        "account_channel": "#acme-alliance",
        "severity": Severity.HIGH,
        "state": state,
        "summary": "Renewal blocked by legal review",
        "details": "Legal wants a DPA before signing.",
        "ask": "A call with their GC this week.",
        "permalink": "https://acme.slack.com/archives/C1/p1700000000000100",
        "due_by": date(2026, 12, 1),
        "raised_by": SAM,
        "created_at": NOW,
        "ack_deadline": NOW + timedelta(hours=24),
        "sponsors": (SPONSOR,),
    }
    if state in (EscalationState.ACKNOWLEDGED, EscalationState.RESOLVED):
        values |= {"acknowledged_by": SPONSOR, "acknowledged_at": NOW + timedelta(hours=1)}
    if state is EscalationState.RESOLVED:
        values |= {"resolved_by": SPONSOR, "resolved_at": NOW + timedelta(hours=2)}
        values |= {"resolution": "DPA signed"}
    if state is EscalationState.CANCELLED:
        values |= {"cancelled_by": SAM, "cancelled_at": NOW + timedelta(hours=1)}
    values.update(overrides)
    return EscalationCard(**values)


def walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def texts(payload: dict[str, Any]) -> str:
    return "\n".join(
        str(node["text"]) for node in walk(payload["blocks"]) if isinstance(node.get("text"), str)
    )


def buttons(payload: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (node["action_id"], node["value"])
        for node in walk(payload["blocks"])
        if node.get("type") == "button"
    ]


MESSAGES = [
    lambda c: EscalationAlert(card=c),
    lambda c: EscalationSponsorRequest(card=c, sponsor=SPONSOR),
    lambda c: EscalationReminder(card=c, sponsor=SPONSOR),
    lambda c: EscalationPathAlert(card=c, reason="critical"),
    lambda c: EscalationPathAlert(card=c, reason="overdue"),
]


@pytest.mark.parametrize("make", MESSAGES)
@pytest.mark.parametrize("state", list(EscalationState))
def test_every_message_in_every_state_is_valid(make: Any, state: EscalationState) -> None:
    payload = render(make(card(state)))
    check(payload)
    assert "ESC-42" in payload["text"] and "Acme Corp" in payload["text"]
    assert "<@U0SAM0001>" in texts(payload)


@pytest.mark.parametrize(
    ("state", "expected", "shown"),
    [
        (EscalationState.OPEN, ["escalation_acknowledge", "escalation_resolve"], "*Open*"),
        (EscalationState.ACKNOWLEDGED, ["escalation_resolve"], "*Acknowledged* by <@U0SPN0001>"),
        (EscalationState.RESOLVED, [], "*Resolved* by <@U0SPN0001>"),
        (EscalationState.CANCELLED, [], "*Cancelled* by <@U0SAM0001>"),
    ],
)
def test_sponsor_dm_buttons_follow_the_state(
    state: EscalationState, expected: list[str], shown: str
) -> None:
    for message in (
        EscalationSponsorRequest(card=card(state), sponsor=SPONSOR),
        EscalationReminder(card=card(state), sponsor=SPONSOR),
    ):
        payload = render(message)
        assert buttons(payload) == [(action, "42") for action in expected]
        assert shown in texts(payload)
    alert = render(EscalationAlert(card=card(state)))
    assert buttons(alert) == [] and shown in texts(alert)


def test_the_resolution_is_shown_once_resolved() -> None:
    assert "DPA signed" in texts(render(EscalationAlert(card=card(EscalationState.RESOLVED))))
    assert "DPA signed" not in texts(
        render(EscalationAlert(card=card(EscalationState.ACKNOWLEDGED, resolution="DPA signed")))
    )


def test_longest_input_stays_within_limits_and_is_cut_visibly() -> None:
    long = card(
        summary="s" * 3000,
        details="d" * 3000,
        ask="a" * 3000,
        account_name="A" * 200,
        resolution="r" * 3000,
        state=EscalationState.RESOLVED,
        resolved_by=SPONSOR,
    )
    for make in MESSAGES:
        payload = render(make(long))
        check(payload)
        assert "…" in texts(payload)
        assert len(payload["text"]) <= messages.FALLBACK_LIMIT


def test_user_text_cannot_ping_the_channel_or_forge_links() -> None:
    evil = card(summary="<!channel> & <https://evil.example|click> <@U0BOSS>")
    for make in MESSAGES:
        payload = render(make(evil))
        body = texts(payload)
        assert "&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt; &lt;@U0BOSS&gt;" in body
        assert "<!channel>" not in body and "<!channel>" not in payload["text"]


def test_path_alerts_say_why() -> None:
    critical = texts(render(EscalationPathAlert(card=card(), reason="critical")))
    overdue = texts(render(EscalationPathAlert(card=card(), reason="overdue")))
    assert "critical escalation" in critical.lower() and "<@U0SPN0001>" in critical
    assert "Nobody has acknowledged *ESC-42*" in overdue
    late = card(EscalationState.ACKNOWLEDGED, acknowledged_at=NOW + timedelta(hours=30))
    answered = texts(render(EscalationPathAlert(card=late, reason="overdue")))
    assert "Nobody has acknowledged" not in answered
    assert "*ESC-42* for *Acme Corp* was acknowledged by <@U0SPN0001>" in answered


def accounts(count: int) -> list[AccountRef]:
    return [AccountRef(id=n, name=f"Account {n:03d}") for n in range(1, count + 1)]


def test_the_escalation_modal() -> None:
    modal = modals.escalation_modal(
        accounts(3),
        metadata=ModalMetadata(channel_id="C1"),
        ack_hours={"critical": 4, "high": 24, "medium": 72, "low": 168},
    )
    check(modal, "modal")
    assert modal["callback_id"] == EscalationCallback.RAISE
    assert [block["block_id"] for block in modal["blocks"]] == [
        field.value for field in EscalationField if field is not EscalationField.NOTE
    ]
    account, severity = modal["blocks"][0]["element"], modal["blocks"][1]["element"]
    assert [option["value"] for option in account["options"]] == ["1", "2", "3"]
    assert "initial_option" not in account  # three to choose from: nothing chosen for them
    assert [option["text"]["text"] for option in severity["options"]] == [
        "Critical · acknowledge within 4 h",
        "High · acknowledge within 1 day",
        "Medium · acknowledge within 3 days",
        "Low · acknowledge within 7 days",
    ]
    summary = modal["blocks"][2]
    assert summary["optional"] is False and summary["element"]["max_length"] == 3000
    assert ModalMetadata.load(modal["private_metadata"]) == ModalMetadata(channel_id="C1")


def test_one_account_is_chosen_for_you() -> None:
    modal = modals.escalation_modal(accounts(1), metadata=ModalMetadata())
    assert modal["blocks"][0]["element"]["initial_option"]["value"] == "1"


def test_more_than_100_accounts_are_cut_with_a_way_out() -> None:
    modal = modals.escalation_modal(accounts(150), metadata=ModalMetadata())
    check(modal, "modal")
    assert len(modal["blocks"][0]["element"]["options"]) == 100
    assert "Showing 100 of 150 accounts" in texts(modal)
    assert "/sponsor escalate <account> <severity> <summary>" in texts(modal)


def test_no_account_means_an_explanation_not_a_form() -> None:
    modal = modals.escalation_modal([], metadata=ModalMetadata())
    check(modal, "modal")
    assert "submit" not in modal and "not the SAM of any account" in texts(modal)


def test_the_message_shortcut_prefills_the_modal() -> None:
    text = "Legal &amp; procurement &lt;stuck&gt;\n" + "word " * 1000
    link = "https://acme.slack.com/archives/C1/p1700000000000100"
    prefill = modals.prefill_from_message(text)
    assert prefill.summary == "Legal & procurement <stuck>"
    assert len(prefill.details) == 3000 and prefill.details.endswith("…")
    modal = modals.escalation_modal(
        accounts(2),
        metadata=ModalMetadata(source="shortcut", permalink=link),
        prefill=replace(prefill, account_id=2, severity=Severity.MEDIUM),
    )
    check(modal, "modal")
    values = {
        block["block_id"]: block["element"] for block in modal["blocks"] if "element" in block
    }
    assert values[EscalationField.ACCOUNT]["initial_option"]["value"] == "2"
    assert values[EscalationField.SEVERITY]["initial_option"]["value"] == "medium"
    assert values[EscalationField.SUMMARY]["initial_value"] == "Legal & procurement <stuck>"
    assert len(values[EscalationField.DETAILS]["initial_value"]) <= 3000
    assert f"<{link}|this message>" in texts(modal)
    assert ModalMetadata.load(modal["private_metadata"]).permalink == link
    first_line = modals.prefill_from_message("x" * 500)
    assert len(first_line.summary) == modals.SUMMARY_PREFILL and first_line.summary.endswith("…")


def submitted(**fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "escalation_account": {
            "escalation_account": {"type": "static_select", "selected_option": {"value": "7"}}
        },
        "escalation_severity": {
            "escalation_severity": {"type": "static_select", "selected_option": {"value": "high"}}
        },
        "escalation_summary": {"escalation_summary": {"type": "plain_text_input", "value": "S"}},
        "escalation_details": {"escalation_details": {"type": "plain_text_input", "value": None}},
        "escalation_ask": {"escalation_ask": {"type": "plain_text_input", "value": "A call"}},
        "escalation_due_by": {
            "escalation_due_by": {"type": "datepicker", "selected_date": "2026-12-01"}
        },
    }
    values.update(fields)
    return {
        "id": "V123",
        "callback_id": "escalation_raise",
        "private_metadata": ModalMetadata(
            source="shortcut", permalink="https://x.slack.com/p1"
        ).dump(),
        "state": {"values": values},
    }


def test_a_submission_is_flattened_for_the_service() -> None:
    form = modals.read_submission(submitted())
    assert (form.account_id, form.severity, form.summary, form.details, form.ask) == (
        7, "high", "S", "", "A call"
    )  # fmt: skip
    assert form.due_by == date(2026, 12, 1)
    assert form.metadata.permalink == "https://x.slack.com/p1"


def test_a_garbled_submission_reads_as_empty_for_the_domain_to_refuse() -> None:
    view = submitted(
        escalation_account={"escalation_account": {"selected_option": {"value": "7; DROP"}}},
        escalation_severity={"escalation_severity": {"selected_option": None}},
        escalation_due_by={"escalation_due_by": {"selected_date": "tomorrow"}},
    )
    forged = '{"source": "shortcut", "permalink": "https://x|<!channel>"}'
    assert modals.ModalMetadata.load(forged) == ModalMetadata()
    view["private_metadata"] = "{not json"
    del view["state"]["values"]["escalation_summary"]
    form = modals.read_submission(view)
    assert (form.account_id, form.severity, form.summary, form.due_by) == (None, None, "", None)
    assert form.metadata == ModalMetadata()


def test_field_errors_go_beside_their_fields() -> None:
    error = InvalidFields({"summary": "too long", "due_by": "in the past", "permalink": "bad"})
    assert modals.errors_response(error) == {
        "response_action": "errors",
        "errors": {"escalation_summary": "too long", "escalation_due_by": "in the past"},
    }
    assert modals.form_errors(NotAllowed("Only the SAM…")) == {
        "escalation_account": "Only the SAM…"
    }
    assert modals.form_errors(InvalidFields({"note": "Say how"}), resolve=True) == {
        "escalation_note": "Say how"
    }


def test_the_resolve_modal_round_trips() -> None:
    modal = modals.resolve_modal(42, summary="Renewal blocked", channel_id="D1")
    check(modal, "modal")
    assert modal["title"]["text"] == "Resolve ESC-42"
    assert modal["callback_id"] == EscalationCallback.RESOLVE
    check(modals.resolve_modal(123456789), "modal")
    view = {
        "private_metadata": modal["private_metadata"],
        "state": {"values": {"escalation_note": {"escalation_note": {"value": "DPA signed"}}}},
    }
    assert modals.read_resolve_submission(view) == modals.ResolveSubmission(42, "DPA signed", "D1")
    view["private_metadata"] = '{"escalation_id": "forty"}'
    assert modals.read_resolve_submission(view).escalation_id is None


def listed(count: int, **overrides: Any) -> Listing:
    items = [
        Listed(
            escalation=card(id=n, code=f"ESC-{n}", **overrides),
            age=timedelta(hours=n),
            overdue=n > 24,
        )
        for n in range(1, count + 1)
    ]
    return Listing(items=items)


def test_the_list_reply() -> None:
    empty = lists.escalations_list(Listing(items=[]))
    assert empty["text"] == "No open escalations in your accounts."
    one_account = lists.escalations_list(Listing(items=[], account_name="Acme & Co"))
    assert one_account["text"] == "No open escalations for Acme &amp; Co."
    reply = lists.escalations_list(listed(30))
    check(reply)
    assert reply["text"] == "30 open escalations, oldest first"
    body = texts(reply)
    assert "*ESC-1* · :large_orange_circle: High · Acme Corp · 1 h old · open" in body
    overdue = "*ESC-30* · :large_orange_circle: High · Acme Corp · 30 h old · open · :alarm_clock:"
    assert f"{overdue} *overdue*" in body


def test_a_long_list_is_cut_visibly() -> None:
    reply = lists.escalations_list(listed(45, summary="x" * 3000))
    check(reply)
    assert len(reply["blocks"]) == 1 + lists.LIST_MAX + 1
    assert "…and 5 more" in texts(reply)


def test_home_offers_what_the_viewer_can_do() -> None:
    listing = listed(12)
    as_sponsor = lists.home_section(listing, viewer=SPONSOR.user_id or "")
    check({"type": "home", "blocks": as_sponsor}, "home")
    actions = [node["action_id"] for node in walk(as_sponsor) if node.get("type") == "button"]
    assert actions.count(EscalationAction.ACKNOWLEDGE) == 10
    assert EscalationAction.CANCEL not in actions and actions[0] == EscalationAction.NEW
    assert "…and 2 more" in texts({"blocks": as_sponsor})
    as_raiser = lists.home_section(listing, viewer=SAM.user_id or "")
    actions = [node["action_id"] for node in walk(as_raiser) if node.get("type") == "button"]
    assert actions.count(EscalationAction.CANCEL) == 10
    assert EscalationAction.ACKNOWLEDGE not in actions
    nothing = lists.home_section(Listing(items=[]), viewer="U0X")
    assert "Nothing open" in texts({"blocks": nothing})


@pytest.mark.parametrize(
    ("age", "shown"),
    [(timedelta(minutes=5), "5 min"), (timedelta(hours=5), "5 h"), (timedelta(days=3), "3 d")],
)
def test_age(age: timedelta, shown: str) -> None:
    assert common.age_text(age) == shown


class RenderingNotifier(FakeNotifier):
    """Renders every message as the Slack notifier would, and checks it."""

    rendered: list[dict[str, Any]]

    def post(self, to: str, message: Message, *, thread_ts: str | None = None) -> Posted:
        self.rendered.append(render(message))
        check(self.rendered[-1])
        return super().post(to, message, thread_ts=thread_ts)

    def update(self, where: Posted, message: Message) -> None:
        self.rendered.append(render(message))
        check(self.rendered[-1])
        super().update(where, message)


def test_everything_the_engine_sends_renders(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        load_portfolio(session)
    with transaction(sessions) as session:
        raised = service.raise_escalation(
            session,
            actor=actor(session, "U0SAM0001"),
            account_name="Acme Corp",
            fields=EscalationInput.read(
                {
                    "severity": "critical",
                    "summary": "<!channel> " + "z" * 2989,
                    "details": "&" * 3000,
                }
            ),
            now=FACTORY_NOW,
        )
    notifier = RenderingNotifier()
    notifier.rendered = []
    engine = Engine(sessions, escalation_registry(), notifier)
    engine.run_due(FACTORY_NOW + timedelta(hours=8))
    with transaction(sessions) as session:
        service.resolve(
            session,
            actor=actor(session, "U0SPN0001"),
            escalation_id=raised.escalation.id,
            note="done",
            now=FACTORY_NOW + timedelta(hours=9),
        )
    engine.run_due(FACTORY_NOW + timedelta(hours=9))
    assert len(notifier.posts) == 5 and len(notifier.updates) == 5
    assert all("<!channel>" not in json.dumps(payload) for payload in notifier.rendered)
    assert texts(notifier.rendered[-1]).count("*Resolved* by <@U0SPN0001>") == 1


def test_the_replies_say_what_happened_or_how_it_stands() -> None:
    raised = service.Raised(card(account_name="Acme & <Co>"), created=True)
    assert replies.raised_line(raised) == (
        "Logged ESC-42 (high) for Acme &amp; &lt;Co&gt;: the sponsors are being told."
    )
    assert replies.raised_line(replace(raised, created=False)) == (
        "ESC-42 was already logged for this request; nothing new was created."
    )
    done = service.Changed(card(EscalationState.ACKNOWLEDGED), changed=True, action="acknowledge")
    assert replies.changed_line(done) == "You acknowledged ESC-42."
    assert replies.changed_line(replace(done, changed=False)) == (
        "ESC-42 was already acknowledged by <@U0SPN0001>."
    )
    unnamed = card(EscalationState.CANCELLED, cancelled_by=Who(user_id=None, name="Sam <ops>"))
    assert replies.changed_line(service.Changed(unnamed, changed=False, action="resolve")) == (
        "ESC-42 was cancelled by Sam &lt;ops&gt;; there is nothing to resolve."
    )
    open_one = service.Changed(card(), changed=False, action="cancel")
    assert replies.changed_line(open_one) == "ESC-42 is open; nothing to cancel."
