"""The follow-up pool: context carried into tasks, a backlog bounded by its callers, and
places lent while work waits on Slack."""

from __future__ import annotations

import threading

from bot.executor import ContextThreadPool
from engagement.places import Wait, waiting


def test_with_a_backlog_the_caller_does_the_work_itself() -> None:
    pool = ContextThreadPool(max_workers=1, thread_name_prefix="followup")
    release = threading.Event()
    ran_in: list[str] = []

    def record() -> None:
        ran_in.append(threading.current_thread().name)

    pool.submit(release.wait)  # the only worker is busy
    pool.submit_or_run(record)  # queued: the backlog is not yet as long as the workers
    pool.submit_or_run(record)  # now it is: run here, at once
    assert ran_in == [threading.current_thread().name]
    release.set()
    assert pool.wait_idle(timeout=10)
    assert ran_in[1].startswith("followup")
    pool.shutdown()


def test_work_waiting_on_slack_lends_its_place() -> None:
    pool = ContextThreadPool(max_workers=2, places=1, thread_name_prefix="followup")
    on_the_line, answered, other_ran = threading.Event(), threading.Event(), threading.Event()
    done: list[str] = []

    def reply() -> None:
        with waiting(Wait.REPLY):
            on_the_line.set()
            answered.wait(10)
        done.append("reply")

    def other() -> None:
        other_ran.set()
        done.append("other")

    pool.submit(reply)
    assert on_the_line.wait(10)
    pool.submit(other)
    assert other_ran.wait(10)  # ran while the reply waited, with the only place
    answered.set()
    assert pool.wait_idle(timeout=10)
    assert done == ["other", "reply"]
    pool.shutdown()


def test_no_more_work_runs_at_once_than_there_are_places() -> None:
    pool = ContextThreadPool(max_workers=2, places=1, thread_name_prefix="followup")
    release, first_running, second_ran = threading.Event(), threading.Event(), threading.Event()
    done: list[str] = []

    def first() -> None:
        first_running.set()
        release.wait(10)
        done.append("first")

    pool.submit(first)
    assert first_running.wait(10)
    pool.submit(lambda: (second_ran.set(), done.append("second")))
    assert not second_ran.wait(0.2)  # a thread is free, but the only place is taken
    release.set()
    assert pool.wait_idle(timeout=10)
    assert done == ["first", "second"]
    pool.shutdown()
