"""One incoming Slack request, whatever its kind: who, where, and how to answer them.

Slash commands, button clicks, modal submissions and shortcuts all become a
`SlackRequest`, so feature handlers share one way to open a session, find the actor,
reply privately and open modals.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.runtime import Runtime
from engagement import replays
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
    response_url: str = ""
    body: dict[str, Any] = field(default_factory=dict, repr=False)
    replay_key: str = ""
    """Set for a command or a click: the key its first write records (`session`)."""
    _recorded: set[str] = field(default_factory=set, repr=False, compare=False)

    @classmethod
    def from_body(cls, runtime: Runtime, body: dict[str, Any]) -> SlackRequest:
        """Read who and where from any payload shape Slack sends."""
        user = body.get("user")
        channel = body.get("channel") or (body.get("container") or {}).get("channel_id")
        targets = body.get("response_urls") or [{}]
        trigger = str(body.get("trigger_id") or "")
        writes_once = "command" in body or body.get("type") == "block_actions"
        return cls(
            runtime=runtime,
            user_id=str((user or {}).get("id") if isinstance(user, dict) else body["user_id"]),
            channel_id=str(channel.get("id") if isinstance(channel, dict) else channel or
                           body.get("channel_id") or ""),
            trigger_id=trigger,
            response_url=str(body.get("response_url") or targets[0].get("response_url") or ""),
            body=body,
            replay_key=replays.request_key("trigger", trigger) if writes_once and trigger else "",
        )  # fmt: skip

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction committed when the block ends without error.

        The request's first committed write records its replay key with it: the same
        command or click sent again (a replay within Slack's signature window) raises
        `Replayed` and writes nothing. Modal submissions are keyed by their view in the
        domain instead, where a repeat still refreshes what the person sees.
        """
        key = self.replay_key if self.replay_key not in self._recorded else ""
        with transaction(self.runtime.sessions) as session:
            if key:
                replays.record(session, key, self.now())
            yield session
        if key:
            self._recorded.add(key)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session that only reads: it never waits for the database's writer (on SQLite
        one at a time), so answering a question or opening a modal is never held up by
        someone else's change."""
        with self.runtime.reads() as session:
            yield session

    @property
    def from_home(self) -> bool:
        """Whether the click came from the person's App Home (which then needs refreshing)."""
        return bool((self.body.get("view") or {}).get("type") == "home")

    def actor(self, session: Session) -> Actor:
        return actor_for(session, self.user_id, self.runtime.settings.sherpa_admins)

    def now(self) -> datetime:
        return self.runtime.clock()

    def reply(self, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        """An answer only the person sees: via response_url, else ephemeral, else a DM."""
        extra: dict[str, Any] = {"blocks": blocks} if blocks else {}
        notifier = self.runtime.notifier
        if self.response_url:
            notifier.respond(self.response_url, text=text, response_type="ephemeral",
                             replace_original=False, **extra)  # fmt: skip
        elif self.channel_id and not self.channel_id.startswith("D"):
            notifier.call("chat.postEphemeral", channel=self.channel_id, user=self.user_id,
                          text=text, **extra)  # fmt: skip
        else:
            notifier.call("chat.postMessage", channel=self.user_id, text=text, **extra)

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
