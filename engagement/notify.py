"""How the domain asks for things to be said in Slack, without knowing Slack.

Domain code builds a `Message` (a small typed model saying *what* to tell whom);
`bot/` implements `Notifier` and decides *how* it looks in Block Kit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import NamedTuple, Protocol

from pydantic import BaseModel, ConfigDict


class Message(BaseModel):
    """Base of every outgoing message model."""

    model_config = ConfigDict(frozen=True)


class Posted(NamedTuple):
    """Where a message landed: enough to update it or reply in its thread."""

    channel: str
    ts: str


class Profile(NamedTuple):
    user_id: str
    display_name: str
    timezone: str


class DeliveryError(Exception):
    """Slack could not take the message now; the due work is retried later."""


class Undeliverable(DeliveryError):
    """Slack refused for good (for example the channel does not exist); retrying is futile."""


class Notifier(Protocol):
    def post(self, to: str, message: Message, *, thread_ts: str | None = None) -> Posted:
        """Post to a channel (`#name` or ID) or DM a user (their user ID)."""
        ...

    def update(self, where: Posted, message: Message) -> None:
        """Replace a message Sherpa posted earlier."""
        ...

    def upload(self, where: Posted, *, filename: str, content: bytes, title: str) -> None:
        """Upload a file into the thread of `where`."""
        ...

    def profile(self, *, user_id: str | None = None, email: str | None = None) -> Profile | None:
        """Look a person up by user ID or e-mail; None when Slack does not know them."""
        ...


StepAside = Callable[[], AbstractContextManager[None]]
_step_aside: ContextVar[StepAside | None] = ContextVar("step_aside", default=None)


@contextmanager
def waiting() -> Iterator[None]:
    """Around a wait Slack asked for (Retry-After, back-off between retries).

    Whoever runs the work may give the waiting worker's place to other work meanwhile
    (the due-work engine does, see `stepping_aside`); elsewhere it changes nothing.
    """
    step_aside = _step_aside.get()
    if step_aside is None:
        yield
        return
    with step_aside():
        yield


@contextmanager
def stepping_aside(step_aside: StepAside) -> Iterator[None]:
    """Within this block, `waiting()` runs inside `step_aside()`."""
    token = _step_aside.set(step_aside)
    try:
        yield
    finally:
        _step_aside.reset(token)
