"""One incoming Slack request, whatever its kind: who, where, and how to answer them.

Slash commands, button clicks, modal submissions and shortcuts all become a
`SlackRequest`, so feature handlers share one way to open a session, find the actor,
reply privately and open modals.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.runtime import Runtime
from engagement.access import Actor, actor_for
from engagement.db import transaction
from engagement.errors import Conflict
from engagement.notify import DeliveryError

log = logging.getLogger(__name__)

TOO_SLOW = "Sherpa took longer than the 3 seconds Slack allows to open that form. Please try again."


@dataclass(frozen=True)
class SlackRequest:
    runtime: Runtime
    user_id: str
    channel_id: str = ""
    trigger_id: str = ""
    respond: Callable[..., Any] | None = None
    body: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_body(
        cls, runtime: Runtime, body: dict[str, Any], respond: Callable[..., Any] | None = None
    ) -> SlackRequest:
        """Read who and where from any payload shape Slack sends."""
        user = body.get("user")
        channel = body.get("channel") or (body.get("container") or {}).get("channel_id")
        return cls(
            runtime=runtime,
            user_id=str((user or {}).get("id") if isinstance(user, dict) else body["user_id"]),
            channel_id=str(channel.get("id") if isinstance(channel, dict) else channel or
                           body.get("channel_id") or ""),
            trigger_id=str(body.get("trigger_id") or ""),
            respond=respond if body.get("response_url") or body.get("response_urls") else None,
            body=body,
        )  # fmt: skip

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction committed when the block ends without error."""
        with transaction(self.runtime.sessions) as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session that only reads: it never waits for the database's writer (on SQLite
        one at a time), so answering a question or opening a modal is never held up by
        someone else's change."""
        with self.runtime.reads() as session:
            yield session

    def actor(self, session: Session) -> Actor:
        return actor_for(session, self.user_id, self.runtime.settings.sherpa_admins)

    def now(self) -> datetime:
        return self.runtime.clock()

    def reply(self, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        """An answer only the person sees: via response_url, else ephemeral, else a DM."""
        reply_to(self.runtime, self.user_id, self.channel_id, self.respond, text, blocks)

    def open_view(self, view: dict[str, Any]) -> dict[str, Any]:
        """Open a modal with this request's trigger (valid 3 s, once).

        When Sherpa was too slow for the trigger, the person is asked to click again;
        nothing else went wrong, so there is no error reference to chase.
        """
        try:
            return self.runtime.notifier.call("views.open", trigger_id=self.trigger_id, view=view)
        except DeliveryError as error:
            if "expired_trigger_id" not in str(error):
                raise
            log.warning("request.trigger_expired user=%s", self.user_id)
            raise Conflict(TOO_SLOW) from None


def reply_to(
    runtime: Runtime,
    user_id: str,
    channel_id: str,
    respond: Callable[..., Any] | None,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
) -> None:
    extra: dict[str, Any] = {"blocks": blocks} if blocks else {}
    if respond is not None:
        respond(text=text, response_type="ephemeral", replace_original=False, **extra)
    elif channel_id and not channel_id.startswith("D"):
        runtime.notifier.call("chat.postEphemeral", channel=channel_id, user=user_id,
                              text=text, **extra)  # fmt: skip
    else:
        runtime.notifier.call("chat.postMessage", channel=user_id, text=text, **extra)
