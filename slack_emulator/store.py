"""What the emulated Slack holds: messages, ephemerals, views and files, as Slack shapes them.

The Web API methods and the actor change this state; tests read copies of it. Every method
takes the store's lock, so the HTTP threads and a test can use it at once.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from slack_emulator.blocks import with_ids
from slack_emulator.errors import ApiError
from slack_emulator.ids import Ids, Timestamps
from slack_emulator.workspace import Workspace

Message = dict[str, Any]
View = dict[str, Any]
MAX_VIEW_STACK = 3


@dataclass(frozen=True)
class Share:
    """Where a file was shared: the message carrying it, and its thread if any."""

    channel: str
    ts: str
    thread_ts: str | None


@dataclass
class StoredFile:
    """A file from the upload flow; ``content`` is None until the bytes reach the upload URL."""

    id: str
    name: str
    length: int
    alt_txt: str | None = None
    title: str | None = None
    content: bytes | None = None
    shares: list[Share] = field(default_factory=list)
    created: int = field(default_factory=lambda: int(time.time()))


class Store:
    def __init__(self, workspace: Workspace, ids: Ids) -> None:
        self.workspace = workspace
        self.ids = ids
        self.lock = threading.RLock()
        self._timestamps = Timestamps()
        self._messages: dict[str, list[Message]] = {}
        self._ephemerals: list[Message] = []
        self._views: dict[str, View] = {}
        self._stacks: dict[str, list[str]] = {}  # user -> modal view ids, bottom first
        self._homes: dict[str, str] = {}  # user -> home view id
        self._files: dict[str, StoredFile] = {}
        self._deleted: set[str] = set()  # file IDs

    # Messages ---------------------------------------------------------------------------

    def post(self, channel: str, content: Mapping[str, Any]) -> Message:
        """Add a message from the bot; a ``thread_ts`` makes it a reply and updates the parent."""
        with self.lock:
            message = self._bot_message(content)
            message["channel"] = channel
            parent = self.find(channel, message.get("thread_ts") or "")
            if parent is not None:
                replies = parent.setdefault("reply_users", [])
                if message["user"] not in replies:
                    replies.append(message["user"])
                parent.update(
                    thread_ts=parent["ts"],
                    reply_count=parent.get("reply_count", 0) + 1,
                    reply_users_count=len(replies),
                    latest_reply=message["ts"],
                )
            self._messages.setdefault(channel, []).append(message)
            return copy.deepcopy(message)

    def find(self, channel: str, ts: str) -> Message | None:
        """The stored message itself (not a copy); callers hold the lock."""
        return next((m for m in self._messages.get(channel, ()) if m["ts"] == ts), None)

    def update(self, channel: str, ts: str, content: Mapping[str, Any]) -> Message:
        """Replace the fields given (text, blocks, attachments); others stay, as in Slack."""
        with self.lock:
            message = self.find(channel, ts)
            if message is None:
                raise ApiError("message_not_found")
            message.update(with_ids(content, self.ids))
            message["edited"] = {"user": self.workspace.bot.user_id, "ts": self._timestamps.next()}
            return copy.deepcopy(message)

    def delete(self, channel: str, ts: str) -> None:
        """Remove a message; a reply no longer counts in its parent's thread."""
        with self.lock:
            message = self.find(channel, ts)
            if message is None:
                return
            self._messages[channel].remove(message)
            parent = self.find(channel, message.get("thread_ts") or "")
            if parent is not None and parent is not message:
                parent["reply_count"] = max(0, parent.get("reply_count", 0) - 1)

    def messages(
        self, channel: str, thread_ts: str | None = None, after: str | None = None
    ) -> list[Message]:
        """Copies of a channel's messages, oldest first; with ``thread_ts``, that thread only;
        with ``after``, only those posted after that ts (for readers that poll)."""
        with self.lock:
            return [
                copy.deepcopy(m)
                for m in self._messages.get(channel, ())
                if (thread_ts is None or m.get("thread_ts") == thread_ts)
                and (after is None or float(m["ts"]) > float(after))
            ]

    def post_ephemeral(self, channel: str, user: str, content: Mapping[str, Any]) -> Message:
        """A message only ``user`` sees; Slack keeps none, the emulator keeps them for tests."""
        with self.lock:
            message = self._bot_message(content)
            message.update(channel=channel, recipient=user, is_ephemeral=True)
            self._ephemerals.append(message)
            return copy.deepcopy(message)

    def update_ephemeral(self, ts: str, content: Mapping[str, Any] | None) -> None:
        """Replace an ephemeral's content (``response_url`` ``replace_original``), or delete it."""
        with self.lock:
            message = next((m for m in self._ephemerals if m["ts"] == ts), None)
            if message is not None and content is None:
                self._ephemerals.remove(message)
            elif message is not None and content is not None:
                message.update(with_ids(content, self.ids))

    def ephemerals(self, user: str) -> list[Message]:
        with self.lock:
            return [copy.deepcopy(m) for m in self._ephemerals if m["recipient"] == user]

    def _bot_message(self, content: Mapping[str, Any]) -> Message:
        bot = self.workspace.bot
        return {
            "type": "message",
            "user": bot.user_id,
            "bot_id": bot.bot_id,
            "app_id": bot.app_id,
            "team": self.workspace.team.id,
            "ts": self._timestamps.next(),
            **with_ids(content, self.ids),
        }

    # Views ------------------------------------------------------------------------------

    def open_modal(self, user: str, view: Mapping[str, Any]) -> View:
        """``views.open``: a new modal stack for ``user``."""
        with self.lock:
            for old in self._stacks.pop(user, []):
                del self._views[old]
            return self.push_modal(user, view)

    def push_modal(self, user: str, view: Mapping[str, Any]) -> View:
        """``views.push`` and ``response_action: push``: a new view on top of the stack."""
        with self.lock:
            stack = self._stacks.setdefault(user, [])
            if len(stack) >= MAX_VIEW_STACK:
                raise ApiError("push_limit_reached")
            view_id = self.ids.next("V")
            previous = stack[-1] if stack else None
            root = stack[0] if stack else view_id
            self._views[view_id] = self._new_view(view, view_id, root=root, previous=previous)
            stack.append(view_id)
            return copy.deepcopy(self._views[view_id])

    def update_view(
        self,
        view: Mapping[str, Any],
        *,
        view_id: str | None = None,
        external_id: str | None = None,
        hash: str | None = None,
    ) -> View:
        """``views.update``: new content for a live view (by id or external id), in its place."""
        with self.lock:
            by_external = (v for v in self._views.values() if v["external_id"] == external_id)
            current = self._views.get(view_id or "") or next(by_external, None)
            if current is None:
                raise ApiError("not_found")
            if hash is not None and hash != current["hash"]:
                raise ApiError("hash_conflict")
            root, previous = current["root_view_id"], current["previous_view_id"]
            updated = self._new_view(view, current["id"], root=root, previous=previous)
            self._views[current["id"]] = updated
            return copy.deepcopy(updated)

    def close_modal(self, user: str, *, all_views: bool = False) -> None:
        """The top view closes (or the whole stack: ``response_action: clear``)."""
        with self.lock:
            stack = self._stacks.get(user, [])
            for view_id in stack[:] if all_views else stack[-1:]:
                stack.remove(view_id)
                del self._views[view_id]

    def modals(self, user: str) -> list[View]:
        with self.lock:
            return [copy.deepcopy(self._views[v]) for v in self._stacks.get(user, ())]

    def publish_home(self, user: str, view: Mapping[str, Any], hash: str | None) -> View:
        """``views.publish``: the user's App Home, created or replaced."""
        with self.lock:
            view_id = self._homes.get(user)
            if view_id is None:
                view_id = self._homes[user] = self.ids.next("V")
            elif hash is not None and hash != self._views[view_id]["hash"]:
                raise ApiError("hash_conflict")
            self._views[view_id] = self._new_view(view, view_id, root=view_id, previous=None)
            return copy.deepcopy(self._views[view_id])

    def home(self, user: str) -> View | None:
        with self.lock:
            view_id = self._homes.get(user)
            return copy.deepcopy(self._views[view_id]) if view_id else None

    def _new_view(
        self, view: Mapping[str, Any], view_id: str, *, root: str, previous: str | None
    ) -> View:
        """The view object Slack returns: the app's fields plus ids, hash and empty state."""
        team, bot = self.workspace.team, self.workspace.bot
        return {
            "id": view_id,
            "team_id": team.id,
            "type": view["type"],
            "title": view.get("title"),
            "submit": view.get("submit"),
            "close": view.get("close"),
            "blocks": with_ids(view, self.ids)["blocks"],
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": view.get("external_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{self.ids.next('')}",
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "root_view_id": root,
            "previous_view_id": previous,
            "app_id": bot.app_id,
            "app_installed_team_id": team.id,
            "bot_id": bot.bot_id,
        }

    # Files ------------------------------------------------------------------------------

    def new_file(self, name: str, length: int, alt_txt: str | None) -> StoredFile:
        with self.lock:
            stored = StoredFile(id=self.ids.next("F"), name=name, length=length, alt_txt=alt_txt)
            self._files[stored.id] = stored
            return stored

    def file(self, file_id: str) -> StoredFile | None:
        with self.lock:
            return self._files.get(file_id)

    def files(self) -> list[StoredFile]:
        with self.lock:
            return [copy.deepcopy(f) for f in self._files.values()]

    def delete_file(self, file_id: str) -> None:
        """Slack's ``files.delete``: the file goes, and from each message that shared it; a
        message that held nothing else goes too."""
        with self.lock:
            stored = self._files.get(file_id)
            if stored is None:
                raise ApiError("file_deleted" if file_id in self._deleted else "file_not_found")
            del self._files[file_id]
            self._deleted.add(file_id)
            for share in stored.shares:
                message = self.find(share.channel, share.ts)
                if message is None:
                    continue
                message["files"] = [f for f in message.get("files", ()) if f["id"] != file_id]
                if not message["files"] and not message.get("text"):
                    self.delete(share.channel, share.ts)


def public(message: Mapping[str, Any]) -> Message:
    """A stored message as Slack shows it to the app: without the emulator's bookkeeping
    (which channel it is in, and for ephemerals who sees it)."""
    return {k: v for k, v in message.items() if k not in ("channel", "recipient", "is_ephemeral")}
