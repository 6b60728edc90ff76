"""The emulated workspace: who is in it, which channels exist, and how Slack names them."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class User:
    """A person (or the app's bot user) with the fields Sherpa reads from ``users.info``."""

    id: str
    name: str
    real_name: str = ""
    email: str | None = None
    tz: str = "America/New_York"
    is_bot: bool = False
    status_emoji: str = ""
    status_text: str = ""
    status_expiration: int = 0
    """Unix time the status clears itself; 0 when it stays until the person changes it."""
    display_name: str | None = None
    """The profile's display name; None: their username (`name`), as Slack keeps it for
    people who never set one in the emulator's workspaces."""

    def profile_display_name(self) -> str:
        return self.name if self.display_name is None else self.display_name

    def shown_name(self) -> str:
        """How Slack shows the person in a mention: their display name, or their full name
        when they have none."""
        return self.profile_display_name() or self.real_name or self.id

    def tz_offset(self) -> int:
        """Seconds east of UTC right now, as Slack reports it (changes with daylight saving)."""
        offset = datetime.now(ZoneInfo(self.tz)).utcoffset()
        return int(offset.total_seconds()) if offset is not None else 0

    def tz_label(self) -> str:
        """Slack gives a long name; the zone's current abbreviation is close enough here."""
        return datetime.now(ZoneInfo(self.tz)).tzname() or self.tz

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> User:
        return cls(
            id=data["id"],
            name=data.get("name", data["id"].lower()),
            real_name=data.get("real_name", ""),
            email=data.get("email"),
            tz=data.get("tz", "America/New_York"),
            is_bot=bool(data.get("is_bot", False)),
            status_emoji=data.get("status_emoji", ""),
            status_text=data.get("status_text", ""),
            status_expiration=int(data.get("status_expiration", 0)),
            display_name=data.get("display_name"),
        )


@dataclass(frozen=True)
class Channel:
    """A channel as created in the workspace (DMs are kept apart, see ``Workspace.dm``)."""

    id: str
    name: str
    members: tuple[str, ...] = ()
    is_private: bool = False
    is_archived: bool = False

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Channel:
        return cls(
            id=data["id"],
            name=data["name"].lstrip("#"),
            members=tuple(data.get("members", ())),
            is_private=bool(data.get("is_private", False)),
            is_archived=bool(data.get("is_archived", False)),
        )


@dataclass(frozen=True)
class Team:
    id: str = "T0EMULATE1"
    name: str = "Sherpa Emulated"
    domain: str = "sherpa-emulated"


@dataclass(frozen=True)
class Bot:
    """The app's own identity, reported by ``auth.test`` and stamped on every message it posts."""

    user_id: str = "U0SHERPA00"
    name: str = "sherpa"
    bot_id: str = "B0SHERPA00"
    app_id: str = "A0SHERPA00"
    scopes: tuple[str, ...] = (
        "channels:read", "chat:write", "chat:write.public", "commands", "files:write",
        "groups:read", "im:history", "users:read", "users:read.email",
    )  # fmt: skip
    """Granted to the bot token; reported in every answer's ``X-OAuth-Scopes`` header."""


@dataclass
class Workspace:
    """Users and channels, loadable from a plain dict; DM channels appear on first use."""

    team: Team = field(default_factory=Team)
    bot: Bot = field(default_factory=Bot)
    users: Sequence[User] = ()
    channels: Sequence[Channel] = ()

    def __post_init__(self) -> None:
        bot_user = User(id=self.bot.user_id, name=self.bot.name, real_name="Sherpa", is_bot=True)
        self._users = {user.id: user for user in (bot_user, *self.users)}
        self._channels = {channel.id: channel for channel in self.channels}
        self._dms: dict[str, str] = {}  # user id -> D… channel id
        self._lock = threading.Lock()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Workspace:
        """Build from ``{"team": {...}, "bot": {...}, "users": [...], "channels": [...]}``."""
        bot = dict(data.get("bot", {}))
        if "scopes" in bot:
            bot["scopes"] = tuple(bot["scopes"])
        return cls(
            team=Team(**data.get("team", {})),
            bot=Bot(**bot),
            users=[User.from_dict(user) for user in data.get("users", ())],
            channels=[Channel.from_dict(channel) for channel in data.get("channels", ())],
        )

    def user(self, user_id: str) -> User | None:
        return self._users.get(user_id)

    def change_user(self, user_id: str, **changes: Any) -> User:
        """A person changes their profile (``tz``, ``status_emoji``, ``status_text``,
        ``status_expiration``…); the caller tells the app (``Actor.user_change``)."""
        with self._lock:
            user = dataclasses.replace(self._users[user_id], **changes)
            self._users[user_id] = user
            return user

    def user_by_email(self, email: str) -> User | None:
        wanted = email.casefold()
        return next(
            (u for u in self._users.values() if u.email and u.email.casefold() == wanted), None
        )

    def channel(self, channel_id: str) -> Channel | None:
        return self._channels.get(channel_id)

    def invite(self, channel_id: str, user_id: str) -> None:
        """Someone in the channel ran ``/invite @user`` (for the bot: ``/invite @Sherpa``)."""
        with self._lock:
            channel = self._channels[channel_id]
            if user_id not in channel.members:
                self._channels[channel_id] = replace(channel, members=(*channel.members, user_id))

    def archive(self, channel_id: str, *, archived: bool = True) -> None:
        """A channel archived (or unarchived) by someone in the workspace."""
        with self._lock:
            self._channels[channel_id] = replace(self._channels[channel_id], is_archived=archived)

    def channels_now(self) -> list[Channel]:
        """The channels as they are now (invitations and archiving included)."""
        with self._lock:
            return list(self._channels.values())

    def dm(self, user_id: str, *, create: bool) -> str | None:
        """The DM channel between the bot and this user; Slack opens it on the first post."""
        with self._lock:
            if user_id not in self._dms and create and user_id in self._users:
                self._dms[user_id] = "D" + user_id[1:]
            return self._dms.get(user_id)

    def dm_user(self, channel_id: str) -> str | None:
        """The person on the other side of a DM channel, or None if it is not an open DM."""
        with self._lock:
            return next((u for u, d in self._dms.items() if d == channel_id), None)

    def resolve(self, ref: str, *, open_dm: bool) -> str | None:
        """A channel id for what callers may pass: an id, ``#name``, ``name`` or a user id."""
        if ref in self._channels or self.dm_user(ref):
            return ref
        if ref in self._users:
            return self.dm(ref, create=open_dm)
        name = ref.removeprefix("#")
        return next((c.id for c in self._channels.values() if c.name == name), None)

    def members(self, channel_id: str) -> tuple[str, ...]:
        """Who can see the channel: its members, or the bot and the person for a DM."""
        channel = self._channels.get(channel_id)
        if channel is not None:
            return channel.members
        user = self.dm_user(channel_id)
        return (self.bot.user_id, user) if user else ()

    def channel_name(self, channel_id: str) -> str:
        """The name Slack puts in payloads; DMs are called ``directmessage``."""
        channel = self._channels.get(channel_id)
        return channel.name if channel else "directmessage"
