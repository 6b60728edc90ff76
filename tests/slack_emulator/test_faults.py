"""Injected failures: counted and seeded faults, each kind over HTTP, and outages."""

from __future__ import annotations

import time

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from slack_emulator import Emulator, Faults
from tests.slack_emulator.conftest import ACME


def pattern(seed: int, draws: int = 200) -> list[bool]:
    faults = Faults()
    faults.add("chat.postMessage", 500, ratio=0.3, seed=seed)
    return [faults.draw("chat.postMessage") is not None for _ in range(draws)]


def test_ratio_faults_repeat_with_the_same_seed() -> None:
    assert pattern(7) == pattern(7)
    assert pattern(7) != pattern(8)
    assert 30 < sum(pattern(7)) < 90


def test_counted_faults_fire_that_many_times_and_only_for_their_method() -> None:
    faults = Faults()
    faults.add("chat.update", 503, times=2)
    assert faults.draw("chat.postMessage") is None
    assert [faults.draw("chat.update") is not None for _ in range(3)] == [True, True, False]


def test_star_matches_every_method_and_clear_removes_rules() -> None:
    faults = Faults()
    faults.add("*", 429)
    assert faults.draw("users.info") is not None
    faults.add("*", 429, ratio=1.0)
    faults.outage = True
    faults.clear()
    assert faults.draw("users.info") is None and not faults.outage


def test_times_and_ratio_are_exclusive() -> None:
    with pytest.raises(ValueError):
        Faults().add("chat.postMessage", 500, times=1, ratio=0.5)


def test_500s_then_success_with_server_error_retry_handler(emu: Emulator) -> None:
    emu.faults.add("chat.postMessage", 500, times=2)
    handler = ServerErrorRetryHandler(
        max_retry_count=2, interval_calculator=FixedValueRetryIntervalCalculator(0.01)
    )
    client = WebClient(token=emu.bot_token, base_url=emu.api_url, retry_handlers=[handler])
    assert client.chat_postMessage(channel=ACME, text="through")["ok"]
    assert [c.status for c in emu.calls()] == [500, 500, 200]
    assert len(emu.messages(ACME)) == 1


@pytest.mark.parametrize(("kind", "error"), [(500, "fatal_error"), (503, "service_unavailable")])
def test_server_errors_answer_json_with_their_status(
    emu: Emulator, client: WebClient, kind: int, error: str
) -> None:
    emu.faults.add("users.info", kind)  # type: ignore[arg-type]
    with pytest.raises(SlackApiError) as failed:
        client.users_info(user="U0SAM0001")
    assert failed.value.response.status_code == kind
    assert failed.value.response["error"] == error


def test_a_429_fault_carries_its_retry_after(emu: Emulator, client: WebClient) -> None:
    emu.faults.add("chat.postMessage", 429, retry_after=7)
    with pytest.raises(SlackApiError) as failed:
        client.chat_postMessage(channel=ACME, text="x")
    assert failed.value.response.status_code == 429
    assert failed.value.response.headers["Retry-After"] == "7"


def test_a_timeout_fault_holds_the_response_then_answers_500(
    emu: Emulator, client: WebClient
) -> None:
    emu.faults.add("chat.postMessage", "timeout", hold=0.2)
    started = time.monotonic()
    with pytest.raises(SlackApiError) as failed:
        client.chat_postMessage(channel=ACME, text="slow")
    assert time.monotonic() - started >= 0.2
    assert failed.value.response.status_code == 500
    assert emu.messages(ACME) == []


def test_a_client_that_gives_up_on_a_held_request_sees_a_timeout(emu: Emulator) -> None:
    emu.faults.add("chat.postMessage", "timeout", hold=5)
    impatient = WebClient(token=emu.bot_token, base_url=emu.api_url, timeout=0.1)  # type: ignore[arg-type]
    with pytest.raises(TimeoutError):
        impatient.chat_postMessage(channel=ACME, text="x")


def test_an_outage_fails_every_call_until_it_ends(emu: Emulator, client: WebClient) -> None:
    emu.faults.outage = True
    for method, args in (("auth.test", {}), ("users.info", {"user": "U0SAM0001"})):
        with pytest.raises(SlackApiError) as failed:
            client.api_call(method, params=args)
        assert failed.value.response.status_code == 503
    emu.faults.outage = False
    assert client.auth_test()["ok"]
