"""The follow-up pool: context carried into tasks, and a backlog bounded by its callers."""

from __future__ import annotations

import threading

from bot.executor import ContextThreadPool


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
