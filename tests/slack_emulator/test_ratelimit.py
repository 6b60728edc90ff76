"""Per-method rate limits: sliding windows on the fake clock, 429 with Retry-After over HTTP,
and slack_sdk's own RateLimitErrorRetryHandler getting through."""

from __future__ import annotations

import types

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import builtin_handlers
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from slack_emulator import Emulator
from slack_emulator.ratelimit import RateLimits
from tests.slack_emulator.conftest import ACME, SAM, FakeClock


def test_window_admits_n_calls_then_says_how_long_to_wait(clock: FakeClock) -> None:
    limits = RateLimits(clock)
    limits.set("chat.postMessage", calls=2, per_seconds=10)
    assert limits.admit("chat.postMessage") is None
    clock.advance(4)
    assert limits.admit("chat.postMessage") is None
    assert limits.admit("chat.postMessage") == 6
    clock.advance(6)
    assert limits.admit("chat.postMessage") is None  # the first call left the window
    assert limits.admit("users.info") is None  # other methods are not limited


def test_retry_after_is_at_least_one_second(clock: FakeClock) -> None:
    limits = RateLimits(clock)
    limits.set("views.open", calls=1, per_seconds=0.1)
    limits.admit("views.open")
    assert limits.admit("views.open") == 1


def test_a_limit_needs_sensible_numbers(clock: FakeClock) -> None:
    with pytest.raises(ValueError):
        RateLimits(clock).set("chat.postMessage", calls=0)


def test_a_burst_over_the_limit_gets_429_with_retry_after(emu: Emulator, client: WebClient) -> None:
    emu.rate_limits.set("chat.postMessage", calls=3)
    for _ in range(3):
        client.chat_postMessage(channel=ACME, text="ok")
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel=ACME, text="too many")
    response = refused.value.response
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert response.data == {"ok": False, "error": "ratelimited"}
    assert [c.status for c in emu.calls("chat.postMessage")] == [200, 200, 200, 429]
    assert len(emu.messages(ACME)) == 3


def test_retry_handler_waits_and_succeeds(
    emu: Emulator, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The handler sleeps Retry-After (+ jitter); here its sleep moves the fake clock."""
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock.advance(seconds)

    monkeypatch.setattr(builtin_handlers, "time", types.SimpleNamespace(sleep=sleep))
    emu.rate_limits.set("chat.postMessage", calls=1, per_seconds=1)
    client = WebClient(
        token=emu.bot_token,
        base_url=emu.api_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3)],
    )
    for text in ("first", "second", "third"):
        assert client.chat_postMessage(channel=ACME, text=text)["ok"]
    assert [m["text"] for m in emu.messages(ACME)] == ["first", "second", "third"]
    assert len(sleeps) == 2 and all(1 <= s < 2 for s in sleeps)
    assert [c.status for c in emu.calls()] == [200, 429, 200, 429, 200]


@pytest.mark.parametrize(
    ("method", "arguments", "per_minute"),
    [("users.info", {"user": SAM}, 100), ("users.lookupByEmail", {"email": "sam@example.com"}, 50)],
)
def test_the_look_ups_keep_to_their_slack_tiers_per_minute(
    emu: Emulator, client: WebClient, clock: FakeClock, method: str, arguments: dict[str, str],
    per_minute: int,
) -> None:  # fmt: skip
    emu.rate_limits.lookup_tiers()
    for _ in range(per_minute):
        assert client.api_call(method, params=arguments)["ok"]
    clock.advance(59)
    with pytest.raises(SlackApiError) as refused:
        client.api_call(method, params=arguments)
    assert refused.value.response.status_code == 429
    assert refused.value.response.headers["Retry-After"] == "1"
    clock.advance(1)  # a minute after the first call, its slot is free again
    assert client.api_call(method, params=arguments)["ok"]
    assert client.chat_postMessage(channel=ACME, text="other methods keep their own limits")["ok"]
