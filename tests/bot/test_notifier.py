"""The Slack notifier's own pacing: first attempts of a method keep to a rate."""

from __future__ import annotations

import pytest

from bot.notifier import Pacer, SlackNotifier


def test_calls_are_spread_at_the_pace() -> None:
    slept: list[float] = []
    pacer = Pacer(10, sleep=slept.append)  # the fake sleep does not move the clock
    for _ in range(4):
        pacer.wait()
    assert slept[0] == pytest.approx(0.1, abs=0.02)
    assert slept[-1] == pytest.approx(0.3, abs=0.02)
    assert len(slept) == 3  # the first call goes at once


def test_only_paced_methods_wait() -> None:
    notifier = SlackNotifier(client=None, pace={"chat.postMessage": 50})  # type: ignore[arg-type]
    assert set(notifier.pacers) == {"chat.postMessage"}
    with pytest.raises(ValueError):
        Pacer(0)
