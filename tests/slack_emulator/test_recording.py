"""The call log: what each record holds, filtering, reset, and concurrent callers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slack_emulator import Emulator
from tests.slack_emulator.conftest import ACME, SAM


def test_each_call_is_recorded_with_args_status_and_answer(
    emu: Emulator, client: WebClient
) -> None:
    posted = client.chat_postMessage(channel=ACME, text="hello")
    with pytest.raises(SlackApiError):
        client.users_info(user="U0NOBODY1")
    first, second = emu.calls()
    assert (first.index, first.method, first.status, first.ok, first.error) == (
        0,
        "chat.postMessage",
        200,
        True,
        None,
    )
    assert first.args == {"channel": ACME, "text": "hello"}
    assert first.response["ts"] == posted["ts"]
    assert (second.method, second.ok, second.error) == ("users.info", False, "user_not_found")


def test_calls_filter_by_method_and_reset_keeps_counting(emu: Emulator, client: WebClient) -> None:
    client.auth_test()
    client.chat_postMessage(channel=ACME, text="a")
    assert [c.method for c in emu.calls("chat.postMessage")] == ["chat.postMessage"]
    emu.reset_calls()
    assert emu.calls() == []
    client.auth_test()
    assert [c.index for c in emu.calls()] == [2]


def test_concurrent_callers_are_all_recorded_once(emu: Emulator, client: WebClient) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda i: client.chat_postMessage(channel=SAM, text=str(i)), range(40)))
    calls = emu.calls("chat.postMessage")
    assert sorted(c.index for c in calls) == list(range(40))
    assert sorted(int(m["text"]) for m in emu.messages(SAM)) == list(range(40))
    assert len({m["ts"] for m in emu.messages(SAM)}) == 40
