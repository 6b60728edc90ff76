"""How the domain asks for things to be said in Slack, without knowing Slack.

Domain code builds a `Message` (a small typed model saying *what* to tell whom);
`bot/` implements `Notifier` and decides *how* it looks in Block Kit.
"""

from __future__ import annotations

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
    status_emoji: str = ""
    status_text: str = ""
    status_expiration: int = 0  # Unix time the status ends; 0: when the person changes it


class DeliveryError(Exception):
    """Slack could not take the message now; the due work is retried later."""


class Undeliverable(DeliveryError):
    """Slack refused for good (for example the channel does not exist); retrying is futile."""


class Blocked(DeliveryError):
    """Slack refuses until someone acts; the due work waits, neither failed nor retried
    blindly, and nothing is lost."""


class ChannelUnavailable(Blocked):
    """A channel takes nothing from Sherpa: private without it (`channel_not_found`), or
    it is not a member where it must be (`not_in_channel`), or archived (`is_archived`).
    Work for it waits until the channel works; the admins are told what to do."""

    def __init__(self, channel: str, reason: str) -> None:
        super().__init__(f"{self.PREFIX}{channel}: {reason}")
        self.channel = channel
        self.reason = reason

    PREFIX = "channel "

    @classmethod
    def channel_in(cls, error: str) -> str | None:
        """The channel a stored error (a row's `last_error`) says refused, or None."""
        if not error.startswith(cls.PREFIX) or ": " not in error:
            return None
        return error.removeprefix(cls.PREFIX).split(": ", 1)[0]


class SendingStopped(Blocked):
    """Slack no longer takes Sherpa's token (`token_revoked`, `account_inactive`,
    `invalid_auth`, `not_authed`, or the app was uninstalled): nothing can be sent."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"sending stopped: {reason}")
        self.reason = reason


class Notifier(Protocol):
    def post(self, to: str, message: Message, *, thread_ts: str | None = None) -> Posted:
        """Post to a channel (`#name` or ID) or DM a user (their user ID)."""
        ...

    def update(self, where: Posted, message: Message) -> None:
        """Replace a message Sherpa posted earlier."""
        ...

    def upload(
        self, where: Posted, *, filename: str, content: bytes, title: str, alt_text: str
    ) -> str:
        """Upload an image into the thread of `where`, described in words by `alt_text`;
        returns the file's ID."""
        ...

    def delete(self, where: Posted) -> None:
        """Remove a message Sherpa posted earlier."""
        ...

    def delete_file(self, file_id: str) -> None:
        """Remove a file Sherpa uploaded earlier (and it from the messages that shared it)."""
        ...

    def profile(
        self, *, user_id: str | None = None, email: str | None = None, wait: bool = True
    ) -> Profile | None:
        """Look a person up by user ID or e-mail; None when Slack does not know them.

        Without `wait`, a rate limit fails the look-up at once (`DeliveryError`), and later
        ones until Slack's Retry-After has passed: for a caller that can do without it."""
        ...

    def channel_name(self, channel: str) -> str:
        """A channel as people know it, `#name`, for plain text (an image's title, its
        description); `channel` itself when it is a name already or Slack will not say."""
        ...


def naming_channel(text: str, channel: str, notifier: Notifier) -> str:
    """`text`, which names `channel` as Sherpa keeps it (an ID when an admin chose it in
    Slack), with the channel as people know it: plain text shows an ID as it is."""
    name = notifier.channel_name(channel)
    return text.replace(channel, name) if name != channel else text
