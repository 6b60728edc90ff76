"""A listener thread pool that carries the request's context (its log request ID)."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

from engagement.places import Places


class ContextThreadPool(ThreadPoolExecutor):
    """The pool for the work listeners hand on after their acks; copies contextvars (the
    request ID) into each task.

    It also knows which tasks are still running, so graceful shutdown and the
    end-to-end tests can wait for the work that follows an ack.

    At most `places` tasks run at once; a task waiting on Slack (`engagement.places`:
    a reply or a retry) lends its place, so the other threads can run work meanwhile
    without more work than that competing with the acks for the interpreter.
    """

    def __init__(
        self, max_workers: int, thread_name_prefix: str = "", *, places: int | None = None
    ) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix=thread_name_prefix)
        self.workers = max_workers
        self._places = Places(places or max_workers)
        self._pending: set[Future[Any]] = set()
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        context = contextvars.copy_context()
        future = super().submit(context.run, self._in_place, fn, *args, **kwargs)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)
        return future

    def _in_place(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        with self._places.held():
            return fn(*args, **kwargs)

    def submit_or_run(self, fn: Callable[[], None]) -> None:
        """Hand `fn` to the pool, or run it in the calling thread when the pool already has
        a backlog as long as its workers.

        Backpressure for a burst: work never waits behind an unbounded queue (a modal must
        open within Slack's 3 seconds, and a reply minutes late is no reply), and the
        calling listener, busy for a moment, slows its own acknowledgement a little
        instead of the process taking on more than it can do.
        """
        with self._lock:
            busy = len(self._pending) >= 2 * self.workers
        if busy:
            fn()
        else:
            self.submit(fn)

    def _forget(self, future: Future[Any]) -> None:
        with self._lock:
            self._pending.discard(future)

    def wait_idle(self, timeout: float = 30) -> bool:
        """Wait until every submitted task (including ones they submit) has finished."""
        while True:
            with self._lock:
                pending = set(self._pending)
            if not pending:
                return True
            _, not_done = wait(pending, timeout=timeout)
            if not_done:
                return False
