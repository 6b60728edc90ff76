"""Keeping each Web API method under a pace, retries included (`SlackNotifier`'s pacers), and
calls that do not wait out a rate limit (`impatient`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from engagement.places import Wait, waiting

_PATIENT: ContextVar[bool] = ContextVar("patient", default=True)


@contextmanager
def impatient() -> Iterator[None]:
    """Calls made in here are not retried when Slack rate-limits them: their caller can go
    on without the answer, and waiting out Retry-After would hold up what it does."""
    token = _PATIENT.set(False)
    try:
        yield
    finally:
        _PATIENT.reset(token)


def refused(status: int) -> bool:
    """Slack turned the call away (rate limited, or failed itself): it did not count."""
    return status == 429 or status >= 500


class Pacer:
    """Spread the calls of one method at `per_second`, across every thread of a process.

    Slack limits each method per workspace; a fan-out that outruns the limit gets 429s,
    and every worker that gets one waits out Retry-After (a second or more), so bursts
    alternate with stalls. Keeping just under the limit avoids both. Every attempt takes
    a slot, retries included (unpaced retries burst past the limit); an attempt Slack
    refused gives its slot back, as Slack did not count it, so refusals cost no pace.
    """

    def __init__(
        self,
        per_second: float,
        sleep: Callable[[float], None] = time.sleep,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_second <= 0:
            raise ValueError("a pace needs a positive rate")
        self.interval = 1.0 / per_second
        self._next = 0.0
        self._lock = threading.Lock()
        self._sleep = sleep
        self._clock = clock

    def wait(self) -> None:
        """Block until this call's slot comes."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self.interval
        if slot > now:
            self._sleep(slot - now)

    def give_back(self) -> None:
        """The call in the last slot taken was refused: the next call may go a slot sooner."""
        with self._lock:
            self._next = max(self._clock(), self._next - self.interval)


class PacedRetry(RetryHandler):
    """One of the client's retry handlers, run the notifier's way.

    For a paced method the refused attempt gives its slot back, and after the handler's
    own wait (Retry-After, back-off) the retry takes a slot like any call. The wait itself
    is a `Wait.RETRY` (`engagement.places`): the worker's place goes to other work meanwhile.
    """

    def __init__(self, inner: RetryHandler, pacers: Mapping[str, Pacer]) -> None:
        self.inner = inner
        super().__init__(inner.max_retry_count, inner.interval_calculator)
        self.pacers = pacers

    @property
    def interval_calculator(self) -> RetryIntervalCalculator:
        """The inner handler's: it is the one that waits, so a change here must reach it."""
        return self.inner.interval_calculator

    @interval_calculator.setter
    def interval_calculator(self, calculator: RetryIntervalCalculator) -> None:
        self.inner.interval_calculator = calculator

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is not None and response.status_code == 429 and not _PATIENT.get():
            return False
        return self.inner.can_retry(state=state, request=request, response=response, error=error)

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        pacer = self.pacers.get(request.url.split("?", 1)[0].rsplit("/", 1)[-1])
        if pacer is not None and response is not None and refused(response.status_code):
            pacer.give_back()
        with waiting(Wait.RETRY):
            self.inner.prepare_for_next_attempt(
                state=state, request=request, response=response, error=error
            )
        if pacer is not None:
            pacer.wait()
