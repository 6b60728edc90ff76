"""Test doubles for the Slack side of the domain."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from engagement.notify import Message, Posted, Profile


@dataclass
class FakeNotifier:
    """Records what the domain asked to say; optionally fails the first N posts."""

    profiles: dict[str, Profile] = field(default_factory=dict)
    channel_names: dict[str, str] = field(default_factory=dict)
    """Channel ID -> `#name`, as `conversations.info` would say."""
    fail_next: int = 0
    posts: list[tuple[str, Message, str | None]] = field(default_factory=list)
    updates: list[tuple[Posted, Message]] = field(default_factory=list)
    uploads: list[tuple[Posted, str, bytes]] = field(default_factory=list)
    deleted: list[Posted | str] = field(default_factory=list)
    """Messages (where they were) and files (their IDs) removed, in order."""
    alt_texts: dict[str, str] = field(default_factory=dict)
    """Each uploaded file's alt text, by file name."""
    lookups: list[tuple[str | None, str | None]] = field(default_factory=list)
    """Every profile look-up asked for: (user_id, email)."""
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def post(self, to: str, message: Message, *, thread_ts: str | None = None) -> Posted:
        if self.fail_next:
            self.fail_next -= 1
            raise ConnectionError("slack is down")
        self.posts.append((to, message, thread_ts))
        return Posted(channel=to, ts=f"{next(self._ts)}.000100")

    def update(self, where: Posted, message: Message) -> None:
        self.updates.append((where, message))

    def upload(
        self, where: Posted, *, filename: str, content: bytes, title: str, alt_text: str
    ) -> str:
        self.uploads.append((where, filename, content))
        self.alt_texts[filename] = alt_text
        return f"F{len(self.uploads):08d}"

    def delete(self, where: Posted) -> None:
        self.deleted.append(where)

    def delete_file(self, file_id: str) -> None:
        self.deleted.append(file_id)

    def channel_name(self, channel: str) -> str:
        return self.channel_names.get(channel, channel)

    def profile(
        self, *, user_id: str | None = None, email: str | None = None, wait: bool = True
    ) -> Profile | None:
        """Profiles are keyed by user ID or e-mail address."""
        self.lookups.append((user_id, email))
        return self.profiles.get(user_id or "") or self.profiles.get(email or "")

    def messages_of(self, kind: type[Message]) -> list[tuple[str, Message]]:
        return [(to, message) for to, message, _ in self.posts if isinstance(message, kind)]
