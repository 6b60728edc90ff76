"""Refusals tell someone outside an account nothing about it.

A person who is neither a member (SAM, sponsor) of an account nor an admin gets, for an
account or escalation that exists, word for word the line they get for one that does not;
so no refusal reveals which account names or ESC IDs exist. Members still hear the precise
reason (which role it takes), since they can see the account anyway.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engagement.clock import MovableClock
from sherpa_demo.stack import Stack
from tests.conftest import STRANGER
from tests.e2e.test_escalations import about, last_reply, log_escalation, slash
from tests.factories import ADMIN

SAM, SPONSOR = "U0SAM0001", "U0SPN0001"  # Acme Corp
OUTSIDER = "U0SAM0002"  # SAM of Globex: known to Sherpa, on no Acme Corp role
MISSING = "Nowhere Inc"

ACCOUNT_COMMANDS = (
    "status {}",
    "escalations {}",
    "digest {}",
    "checkin {}",
    "kpi {} joint_revenue_growth 5",
    "log {} Met their CIO",
    "escalate {} high Renewal blocked",
)
ESCALATION_COMMANDS = ("ack {}", "resolve {} Closed it myself", "cancel {}")


@pytest.fixture
def live(clocked_stack: Stack, clock: MovableClock) -> Iterator[Stack]:
    log_escalation(clocked_stack)  # ESC-1 for Acme Corp, its sponsor's DM delivered
    yield clocked_stack


def told(stack: Stack, user: str, command: str) -> str:
    said = slash(stack, user, command)
    assert "\n" not in said
    return said


@pytest.mark.parametrize("user", [OUTSIDER, STRANGER])
def test_an_outsider_hears_the_same_for_an_account_that_exists_and_one_that_does_not(
    live: Stack, user: str
) -> None:
    """Quoted, a name reaches the domain whether Sherpa knows it or not."""
    existing = {c: told(live, user, c.format('"Acme Corp"')) for c in ACCOUNT_COMMANDS}
    missing = {
        c: told(live, user, c.format(f'"{MISSING}"')).replace(MISSING, "Acme Corp")
        for c in ACCOUNT_COMMANDS
    }
    assert existing == missing
    if user == OUTSIDER:
        assert set(existing.values()) == {"None of your accounts is named 'Acme Corp'."}


@pytest.mark.parametrize("user", [OUTSIDER, STRANGER])
def test_an_outsider_hears_the_same_for_an_escalation_that_exists_and_one_that_does_not(
    live: Stack, user: str
) -> None:
    existing = {c: told(live, user, c.format("ESC-1")) for c in ESCALATION_COMMANDS}
    missing = {
        c: told(live, user, c.format("ESC-99")).replace("ESC-99", "ESC-1")
        for c in ESCALATION_COMMANDS
    }
    line = "There is no escalation ESC-1 in your accounts."
    assert existing == missing == dict.fromkeys(ESCALATION_COMMANDS, line)


def test_a_strangers_clicks_on_an_escalations_buttons_tell_nothing_either(live: Stack) -> None:
    [dm] = about(live, SPONSOR)
    said = []
    for value in ("1", "99"):  # the sponsor's own buttons, then a forged ID
        live.slack.block_action(STRANGER, "escalation_acknowledge", value, message=dm)
        live.settle()
        said.append(last_reply(live, STRANGER))
        live.slack.block_action(STRANGER, "escalation_resolve", value, message=dm)
        live.settle()
        [modal] = live.emulator.open_views(STRANGER)
        live.slack.submit_view(
            STRANGER, modal, {"escalation_note": {"escalation_note": "Closed by me"}}
        )
        live.settle()
        said.append(live.emulator.messages(STRANGER)[-1]["text"])
    assert [line.replace("ESC-99", "ESC-1") for line in said] == [
        "There is no escalation ESC-1 in your accounts."
    ] * 4


def test_members_still_hear_which_role_it_takes(live: Stack) -> None:
    assert told(live, SPONSOR, "kpi Acme Corp joint_revenue_growth 5") == (
        "Only the SAM of Acme Corp (or an admin) can do that."
    )
    assert told(live, SPONSOR, "escalate Acme Corp high Sponsors do not raise") == (
        "Only the SAM of Acme Corp (or an admin) can do that."
    )
    assert told(live, SAM, "ack ESC-1") == "Only a sponsor of Acme Corp (or an admin) can do that."
    assert told(live, SPONSOR, "cancel ESC-1") == (
        "Only whoever raised ESC-1 (or an admin) can cancel it."
    )


def test_only_members_are_offered_the_closest_name(live: Stack) -> None:
    assert told(live, SAM, 'status "Acme Crop"') == (
        "None of your accounts is named 'Acme Crop'. Did you mean 'Acme Corp'?"
    )
    assert told(live, OUTSIDER, 'status "Acme Crop"') == (
        "None of your accounts is named 'Acme Crop'."
    )
    assert told(live, ADMIN, f'status "{MISSING}"') == f"No account named '{MISSING}'."
    assert told(live, ADMIN, "ack ESC-99") == "There is no escalation ESC-99."


def test_an_unquoted_name_tells_an_outsider_nothing_either(live: Stack) -> None:
    real = told(live, OUTSIDER, "status Acme Corp").replace("Acme Corp", "…")
    assert real == told(live, OUTSIDER, "status Acme Widgets").replace("Acme Widgets", "…")
