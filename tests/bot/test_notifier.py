"""The Slack notifier's own pacing: every attempt at a paced method keeps to a rate; and
follow-up work lends its place while Slack answers."""

from __future__ import annotations

import threading
import time
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web import SlackResponse

from bot.executor import ContextThreadPool
from bot.notifier import SlackNotifier, make_client
from bot.outbound import Answer
from bot.pacing import PacedRetry, Pacer
from bot.render import Renderers
from bot.root import start
from engagement.notify import ChannelUnavailable, DeliveryError, SendingStopped, Undeliverable
from engagement.places import Places, Wait, waiting
from engagement.settings import load_settings
from slack_emulator import Emulator

POST = "https://slack.test/api/chat.postMessage"


@dataclass
class Clock:
    """Monotonic time that moves only when someone sleeps."""

    now: float = 100.0
    slept: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_calls_are_spread_at_the_pace() -> None:
    clock = Clock()
    pacer = Pacer(10, clock.sleep, clock=clock)
    starts = []
    for _ in range(4):
        pacer.wait()
        starts.append(clock.now)
    assert starts == pytest.approx([100.0, 100.1, 100.2, 100.3])
    assert len(clock.slept) == 3  # the first call goes at once


def test_a_pause_in_demand_is_not_made_up_with_a_burst() -> None:
    clock = Clock()
    pacer = Pacer(10, clock.sleep, clock=clock)
    pacer.wait()
    clock.now += 5  # nobody called for five seconds
    pacer.wait()
    pacer.wait()
    assert clock.slept == pytest.approx([0.1])


def test_a_refused_call_gives_its_slot_to_the_next_one() -> None:
    clock = Clock()
    waiting: list[float] = []
    pacer = Pacer(10, waiting.append, clock=clock)  # three threads take slots at once
    for _ in range(3):
        pacer.wait()
    assert waiting == pytest.approx([0.1, 0.2])
    pacer.give_back()  # Slack refused one of them: it did not count against the limit
    pacer.wait()
    assert waiting[-1] == pytest.approx(0.2)  # not 0.3


def test_giving_back_never_moves_the_pace_into_the_past() -> None:
    clock = Clock()
    waiting: list[float] = []
    pacer = Pacer(10, waiting.append, clock=clock)
    pacer.wait()
    pacer.give_back()
    pacer.give_back()
    pacer.wait()
    pacer.wait()
    assert waiting == pytest.approx([0.1])  # one call now, the next a slot later


def test_only_paced_methods_have_pacers() -> None:
    notifier = SlackNotifier(
        make_client("xoxb-test", "https://slack.test/api/"), Renderers(), pace={}
    )
    assert notifier.pacers == {}
    with pytest.raises(ValueError):
        Pacer(0)


@pytest.mark.parametrize(("rate", "interval"), [(None, None), (40.0, 0.025)])
def test_sherpa_post_rate_paces_the_runtimes_posts(
    rate: float | None, interval: float | None, tmp_path: Path
) -> None:
    settings = load_settings(
        slack_bot_token="xoxb-test",
        database_url=f"sqlite:///{tmp_path}/s.db",
        sherpa_post_rate=rate,
    )
    pacers = start(settings, check_schema=False).runtime.notifier.pacers
    assert {method: pacer.interval for method, pacer in pacers.items()} == (
        {"chat.postMessage": interval} if interval else {}
    )


@dataclass
class Inner(RetryHandler):
    """A retry handler that records its wait instead of sleeping."""

    waits: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(max_retry_count=2)

    def _can_retry(self, **_: Any) -> bool:
        return True

    def prepare_for_next_attempt(self, *, state: RetryState, **_: Any) -> None:
        self.waits.append("retry-after")
        state.next_attempt_requested = True
        state.increment_current_attempt()


def paced(rate: float) -> tuple[PacedRetry, Inner, list[str]]:
    events: list[str] = []
    pacer = Pacer(rate, lambda seconds: events.append("paced"), clock=lambda: 0.0)
    inner = Inner(events)
    pacer.wait()  # the first attempt took its slot
    return PacedRetry(inner, {"chat.postMessage": pacer}), inner, events


def request(url: str = POST) -> HttpRequest:
    return HttpRequest(method="POST", url=url, headers={})


@pytest.mark.parametrize("status", [429, 500, 503])
def test_a_retry_after_a_refusal_waits_its_turn_at_the_pace_but_costs_none(status: int) -> None:
    handler, _, events = paced(10)
    refusal = HttpResponse(status_code=status, headers={"Retry-After": ["1"]}, data=b"{}")
    state = RetryState()
    assert handler.can_retry(state=state, request=request(), response=refusal)
    handler.prepare_for_next_attempt(state=state, request=request(), response=refusal)
    assert events == ["retry-after"]  # the refused slot came back, so the retry's is free
    assert state.current_attempt == 1


def test_a_retry_after_a_lost_connection_takes_a_slot_of_its_own() -> None:
    handler, _, events = paced(10)
    handler.prepare_for_next_attempt(
        state=RetryState(), request=request(), error=ConnectionResetError()
    )
    assert events == ["retry-after", "paced"]  # Slack may have counted the lost one


def test_retries_of_unpaced_methods_only_wait_for_the_handler() -> None:
    handler, inner, events = paced(10)
    refusal = HttpResponse(status_code=429, headers={}, data=b"{}")
    handler.prepare_for_next_attempt(
        state=RetryState(), request=request("https://slack.test/api/views.open"), response=refusal
    )
    assert events == ["retry-after"]
    assert handler.max_retry_count == inner.max_retry_count


def test_the_wait_before_a_retry_lends_the_workers_place() -> None:
    """Another piece of work runs in the only place during the retry's wait, and the
    worker has its place back before it waits for a slot of the pace."""
    places = Places(1, lent_during={Wait.RETRY})
    events: list[str] = []
    stand_ins: list[threading.Thread] = []

    def stand_in(name: str) -> threading.Thread:
        def other() -> None:
            with places.held():
                events.append(name)

        thread = threading.Thread(target=other)
        thread.start()
        stand_ins.append(thread)
        return thread

    class Waiting(Inner):
        def prepare_for_next_attempt(self, *, state: RetryState, **kwargs: Any) -> None:
            stand_in("other").join(10)  # finishes only if the place is free
            super().prepare_for_next_attempt(state=state, **kwargs)

    def slot(_seconds: float) -> None:
        stand_in("after the retry").join(0.2)  # cannot start: the place is taken again
        events.append("paced")

    pacer = Pacer(10, slot, clock=lambda: 0.0)
    pacer.wait()  # the first attempt took its slot
    handler = PacedRetry(Waiting(events), {"chat.postMessage": pacer})
    with places.held():
        handler.prepare_for_next_attempt(
            state=RetryState(), request=request(), error=ConnectionResetError()
        )
    for thread in stand_ins:
        thread.join(10)
    assert events == ["other", "retry-after", "paced", "after the retry"]


def test_a_notifier_runs_its_clients_retries_its_own_way_once() -> None:
    client = make_client("xoxb-test", "https://slack.test/api/")
    kinds = [type(h) for h in client.retry_handlers]
    notifier = SlackNotifier(client, Renderers(), pace={"chat.postMessage": 50})
    SlackNotifier(client, Renderers())  # a second notifier on the same client does not wrap twice
    assert all(isinstance(h, PacedRetry) for h in client.retry_handlers)
    assert [type(h.inner) for h in client.retry_handlers] == kinds  # type: ignore[attr-defined]
    assert ConnectionErrorRetryHandler in kinds and RateLimitErrorRetryHandler in kinds
    assert set(notifier.pacers) == {"chat.postMessage"}


class RefusingClient(WebClient):
    """Slack answering every call with `status`, after the client's retries ran out."""

    def __init__(self, status: int, error: str) -> None:
        super().__init__(token="xoxb-test", base_url="https://slack.test/api/")
        self.status, self.error = status, error

    def api_call(self, api_method: str, **_: Any) -> SlackResponse:  # type: ignore[override]
        response = SlackResponse(
            client=self,
            http_verb="POST",
            api_url=api_method,
            req_args={},
            data={"ok": False, "error": self.error},
            headers={},
            status_code=self.status,
        )
        raise SlackApiError("refused", response)


@pytest.mark.parametrize(("status", "error", "given_back"), [
    (429, "ratelimited", True),
    (500, "fatal_error", True),
    (200, "msg_too_long", False),  # answered: it counted
])  # fmt: skip
def test_a_call_refused_for_good_gives_its_slot_back(
    status: int, error: str, given_back: bool
) -> None:
    notifier = SlackNotifier(
        RefusingClient(status, error), Renderers(), pace={"chat.postMessage": 10}
    )
    waiting: list[float] = []
    notifier.pacers["chat.postMessage"] = Pacer(10, waiting.append, clock=lambda: 100.0)
    with pytest.raises(DeliveryError):
        notifier.call("chat.postMessage", channel="U1", text="hi")
    notifier.pacers["chat.postMessage"].wait()
    assert waiting == ([] if given_back else pytest.approx([0.1]))


def test_waiting_outside_held_places_changes_nothing() -> None:
    with waiting(Wait.RETRY), waiting(Wait.REPLY):
        pass


class _Held:
    """Stands in for Slack: each request waits until the test lets it through."""

    def __init__(self) -> None:
        self.arrived, self.answer = threading.Event(), threading.Event()

    def hold(self) -> None:
        self.arrived.set()
        self.answer.wait(10)


@pytest.mark.parametrize("kind", ["call", "respond"])
def test_follow_up_work_lends_its_place_while_slack_answers(kind: str) -> None:
    held = _Held()
    notifier = SlackNotifier(make_client("xoxb-test", "https://slack.test/api/"), Renderers())
    notifier.client.api_call = lambda *_a, **_k: held.hold() or SlackResponse(  # type: ignore[method-assign]
        client=notifier.client, http_verb="POST", api_url=POST, req_args={},
        data={"ok": True}, headers={}, status_code=200,
    )  # fmt: skip
    notifier.replies.post_json = lambda *_a: held.hold() or Answer(200, b"ok")  # type: ignore[method-assign]
    pool = ContextThreadPool(max_workers=2, places=1, thread_name_prefix="followup")
    other_ran = threading.Event()
    if kind == "call":
        pool.submit(notifier.call, "chat.update", channel="D1", ts="1.2", text="updated")
    else:
        pool.submit(notifier.respond, "https://slack.test/response/1", text="done")
    assert held.arrived.wait(10)
    pool.submit(other_ran.set)
    assert other_ran.wait(10)  # the only place was free while Slack took its time
    held.answer.set()
    assert pool.wait_idle(timeout=10)
    pool.shutdown()


def test_a_channel_refusal_waits_for_the_channel_and_a_dm_refusal_is_permanent() -> None:
    workspace = {
        "users": [{"id": "U1", "tz": "UTC"}],
        "channels": [{"id": "C0SECRET01", "name": "secret", "members": ["U1"], "is_private": True}],
    }
    with Emulator(workspace) as emulator:
        notifier = SlackNotifier(make_client(emulator.bot_token, emulator.api_url), Renderers())
        with pytest.raises(ChannelUnavailable) as held:
            notifier.call("chat.postMessage", channel="#secret", text="x")
        assert (held.value.channel, held.value.reason) == ("#secret", "channel_not_found")
        with pytest.raises(Undeliverable):
            notifier.call("chat.postMessage", channel="U0NOBODY1", text="x")


def test_a_channel_is_named_as_people_know_it_when_slack_says() -> None:
    workspace = {
        "users": [{"id": "U1", "tz": "UTC"}],
        "channels": [
            {"id": "C0DIGEST01", "name": "sponsor-digest", "members": ["U1", "U0SHERPA00"]},
            {"id": "C0SECRET01", "name": "secret", "members": ["U1"], "is_private": True},
        ],
    }
    with Emulator(workspace) as emulator:
        notifier = SlackNotifier(make_client(emulator.bot_token, emulator.api_url), Renderers())
        assert notifier.channel_name("C0DIGEST01") == "#sponsor-digest"
        assert notifier.channel_name("C0SECRET01") == "C0SECRET01"  # hidden from Sherpa
        assert notifier.channel_name("#sponsor-digest") == "#sponsor-digest"
        assert [call.args["channel"] for call in emulator.calls("conversations.info")] == [
            "C0DIGEST01",
            "C0SECRET01",
        ]


def test_a_refused_token_stops_calls_without_reaching_slack_until_a_probe_works() -> None:
    with Emulator({"users": [{"id": "U1", "tz": "UTC"}]}) as emulator:
        notifier = SlackNotifier(make_client(emulator.bot_token, emulator.api_url), Renderers())
        emulator.revoke_token("account_inactive")
        for _ in range(3):
            with pytest.raises(SendingStopped, match="account_inactive"):
                notifier.call("chat.postMessage", channel="U1", text="x")
        assert [call.method for call in emulator.calls()] == ["chat.postMessage"]
        assert notifier.stopped == "account_inactive" and not notifier.probe()
        emulator.restore_token()
        assert notifier.probe() and notifier.stopped is None
        assert notifier.call("chat.postMessage", channel="U1", text="x")["ok"]


def test_a_look_up_that_need_not_wait_fails_at_once_when_rate_limited_and_waits_for_slack(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`wait=False` (the status read before a check-in): no retry, and no call at all until
    Slack's Retry-After has passed."""
    now = [1000.0]

    def clock() -> float:
        return now[0]

    monkeypatch.setattr(
        "bot.notifier.time", types.SimpleNamespace(monotonic=clock, perf_counter=time.perf_counter)
    )
    with Emulator({"users": [{"id": "U1", "tz": "Asia/Tokyo"}]}, clock=clock) as emulator:
        emulator.rate_limits.set("users.info", 1, 60.0)
        notifier = SlackNotifier(make_client(emulator.bot_token, emulator.api_url), Renderers())

        def statuses() -> list[int]:
            return [call.status for call in emulator.calls("users.info")]

        profile = notifier.profile(user_id="U1", wait=False)
        assert profile is not None and profile.timezone == "Asia/Tokyo"
        now[0] += 20
        for _ in range(2):
            with pytest.raises(DeliveryError, match=r"users\.info: ratelimited"):
                notifier.profile(user_id="U1", wait=False)
        assert statuses() == [200, 429]  # not retried, and not asked again meanwhile
        now[0] += 39
        with pytest.raises(DeliveryError):
            notifier.profile(user_id="U1", wait=False)
        now[0] += 1  # Retry-After (40 s) has passed
        assert notifier.profile(user_id="U1", wait=False) is not None
        assert statuses() == [200, 429, 200]
