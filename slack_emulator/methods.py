"""The Web API methods Sherpa uses, with Slack's arguments, answers and errors.

Each method takes the parsed arguments and returns the fields of its ``{"ok": true, ...}``
answer, or raises ``ApiError``. Transport concerns (tokens, rate limits, faults) are the
server's and the emulator's.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

from slack_emulator import limits
from slack_emulator.args import flag, require
from slack_emulator.errors import ApiError, missing
from slack_emulator.interactions import Triggers
from slack_emulator.store import Message, Share, Store, StoredFile, public
from slack_emulator.workspace import User

Args = Mapping[str, Any]
Answer = dict[str, Any]
CONTENT_KEYS = ("text", "blocks", "attachments", "metadata", "unfurl_links", "unfurl_media")


class WebApi:
    def __init__(self, store: Store, triggers: Triggers) -> None:
        self.store = store
        self.workspace = store.workspace
        self.triggers = triggers
        self.public_url = ""
        """Where the emulator serves upload URLs (``http://127.0.0.1:PORT/``), set on start."""
        self._methods: dict[str, Callable[[Args], Answer]] = {
            "auth.test": self.auth_test,
            "chat.postMessage": self.chat_post_message,
            "chat.update": self.chat_update,
            "chat.postEphemeral": self.chat_post_ephemeral,
            "chat.getPermalink": self.chat_get_permalink,
            "views.open": self.views_open,
            "views.push": self.views_push,
            "views.update": self.views_update,
            "views.publish": self.views_publish,
            "users.info": self.users_info,
            "users.lookupByEmail": self.users_lookup_by_email,
            "conversations.info": self.conversations_info,
            "conversations.list": self.conversations_list,
            "files.getUploadURLExternal": self.files_get_upload_url_external,
            "files.completeUploadExternal": self.files_complete_upload_external,
        }

    def call(self, method: str, args: Args) -> Answer:
        handler = self._methods.get(method)
        if handler is None:
            raise ApiError("unknown_method")
        with self.store.lock:
            return {"ok": True, **handler(args)}

    # auth -------------------------------------------------------------------------------

    def auth_test(self, args: Args) -> Answer:
        team, bot = self.workspace.team, self.workspace.bot
        return {
            "url": f"https://{team.domain}.slack.com/",
            "team": team.name,
            "user": bot.name,
            "team_id": team.id,
            "user_id": bot.user_id,
            "bot_id": bot.bot_id,
            "is_enterprise_install": False,
        }

    # chat -------------------------------------------------------------------------------

    def chat_post_message(self, args: Args) -> Answer:
        channel = self._writable(self._channel(args, "channel", open_dm=True))
        _raise(limits.check_message(args))
        content = _content(args, "thread_ts", "reply_broadcast")
        message = self.store.post(channel, content)
        return {"channel": channel, "ts": message["ts"], "message": public(message)}

    def chat_update(self, args: Args) -> Answer:
        channel = self._writable(self._existing_channel(args, "channel"))
        ts = require(args, "ts")
        _raise(limits.check_message(args))
        message = self.store.update(channel, ts, _content(args))
        text = message.get("text", "")
        return {"channel": channel, "ts": ts, "text": text, "message": public(message)}

    def chat_post_ephemeral(self, args: Args) -> Answer:
        channel = self._writable(self._channel(args, "channel", open_dm=True))
        user = self._user(require(args, "user"))
        if user.id not in self.workspace.members(channel):
            raise ApiError("user_not_in_channel")
        _raise(limits.check_message(args))
        message = self.store.post_ephemeral(channel, user.id, _content(args, "thread_ts"))
        return {"message_ts": message["ts"]}

    def chat_get_permalink(self, args: Args) -> Answer:
        channel = self._existing_channel(args, "channel")
        message = self.store.find(channel, require(args, "message_ts"))
        if message is None:
            raise ApiError("message_not_found")
        return {"channel": channel, "permalink": self._permalink(message)}

    def _permalink(self, message: Message) -> str:
        channel, ts = message["channel"], message["ts"]
        domain = self.workspace.team.domain
        link = f"https://{domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        thread_ts = message.get("thread_ts")
        is_reply = thread_ts not in (None, ts)
        return f"{link}?thread_ts={thread_ts}&cid={channel}" if is_reply else link

    # views ------------------------------------------------------------------------------

    def views_open(self, args: Args) -> Answer:
        return {"view": self.store.open_modal(*self._triggered_modal(args))}

    def views_push(self, args: Args) -> Answer:
        return {"view": self.store.push_modal(*self._triggered_modal(args))}

    def _triggered_modal(self, args: Args) -> tuple[str, Mapping[str, Any]]:
        """The user whose trigger this is, and the view to show them; the view is checked
        first, so a refused view does not use the trigger up."""
        view = require(args, "view")
        _raise(limits.check_view(view, "modal"))
        return self.triggers.exchange(require(args, "trigger_id")), view

    def views_update(self, args: Args) -> Answer:
        view = require(args, "view")
        if not args.get("view_id") and not args.get("external_id"):
            raise ApiError("invalid_arguments", [missing("view_id")])
        _raise(limits.check_view(view, "modal"))
        where = {k: args.get(k) for k in ("view_id", "external_id", "hash")}
        return {"view": self.store.update_view(view, **where)}

    def views_publish(self, args: Args) -> Answer:
        user_id, view = require(args, "user_id"), require(args, "view")
        if self.workspace.user(user_id) is None:
            raise ApiError("invalid_arguments", ["invalid `user_id`"])
        _raise(limits.check_view(view, "home"))
        return {"view": self.store.publish_home(user_id, view, args.get("hash"))}

    # users and conversations ------------------------------------------------------------

    def users_info(self, args: Args) -> Answer:
        return {"user": self.user_object(self._user(require(args, "user")))}

    def users_lookup_by_email(self, args: Args) -> Answer:
        user = self.workspace.user_by_email(require(args, "email"))
        if user is None:
            raise ApiError("users_not_found")
        return {"user": self.user_object(user)}

    def conversations_info(self, args: Args) -> Answer:
        channel_id = self._existing_channel(args, "channel")
        channel = self.workspace.channel(channel_id)
        team = self.workspace.team.id
        if channel is None:
            return {"channel": self._im_object(channel_id)}
        if channel.is_private and self.workspace.bot.user_id not in channel.members:
            _not_found()  # a private channel is invisible to an app not in it
        info: Answer = {
            "id": channel.id,
            "name": channel.name,
            "name_normalized": channel.name,
            "is_channel": True,
            "is_group": False,
            "is_im": False,
            "is_mpim": False,
            "is_private": channel.is_private,
            "is_archived": channel.is_archived,
            "is_general": False,
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "is_member": self.workspace.bot.user_id in channel.members,
            "created": 0,
            "creator": "",
            "context_team_id": team,
            "shared_team_ids": [team],
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
            "previous_names": [],
        }
        if flag(args.get("include_num_members")):
            info["num_members"] = len(channel.members)
        return {"channel": info}

    def conversations_list(self, args: Args) -> Answer:
        """Channels the bot can see, one page (the emulator's workspaces are small): public
        ones, and private ones only if it is a member; archived ones unless excluded."""
        types = str(args.get("types") or "public_channel").split(",")
        bot = self.workspace.bot.user_id
        shown = []
        for channel in self.workspace.channels_now():
            kind = "private_channel" if channel.is_private else "public_channel"
            if kind not in types or (channel.is_private and bot not in channel.members):
                continue
            if channel.is_archived and flag(args.get("exclude_archived")):
                continue
            shown.append({
                "id": channel.id, "name": channel.name, "is_channel": True,
                "is_private": channel.is_private, "is_archived": channel.is_archived,
                "is_member": bot in channel.members,
            })  # fmt: skip
        return {"channels": shown, "response_metadata": {"next_cursor": ""}}

    def _im_object(self, channel_id: str) -> Answer:
        return {
            "id": channel_id,
            "created": 0,
            "is_im": True,
            "is_archived": False,
            "is_org_shared": False,
            "context_team_id": self.workspace.team.id,
            "user": self.workspace.dm_user(channel_id),
            "is_user_deleted": False,
            "priority": 0,
        }

    def user_object(self, user: User) -> Answer:
        team = self.workspace.team.id
        profile: Answer = {
            "real_name": user.real_name,
            "real_name_normalized": user.real_name,
            "display_name": user.name,
            "display_name_normalized": user.name,
            "team": team,
            "status_emoji": user.status_emoji,
            "status_text": user.status_text,
            "status_expiration": user.status_expiration,
        }
        if user.email:
            profile["email"] = user.email
        if user.is_bot:
            profile["bot_id"] = self.workspace.bot.bot_id
        return {
            "id": user.id,
            "team_id": team,
            "name": user.name,
            "deleted": False,
            "real_name": user.real_name,
            "tz": user.tz,
            "tz_label": user.tz_label(),
            "tz_offset": user.tz_offset(),
            "profile": profile,
            "is_admin": False,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": user.is_bot,
            "is_app_user": False,
            "updated": 0,
        }

    # files ------------------------------------------------------------------------------

    def files_get_upload_url_external(self, args: Args) -> Answer:
        filename, length = require(args, "filename"), require(args, "length")
        try:
            size = int(length)
        except ValueError:
            raise ApiError("invalid_arguments", ["must be an integer: length"]) from None
        _raise(limits.check_alt_text(args.get("alt_txt")))
        stored = self.store.new_file(filename, size, args.get("alt_txt"))
        return {"upload_url": f"{self.public_url}upload/{stored.id}", "file_id": stored.id}

    def files_complete_upload_external(self, args: Args) -> Answer:
        """Share uploaded files into ``channel_id`` (or ``channels``), in ``thread_ts`` if given."""
        refs = [args["channel_id"]] if args.get("channel_id") else []
        refs += [r for r in str(args.get("channels") or "").split(",") if r]
        targets = [self.workspace.resolve(r, open_dm=True) or _not_found() for r in refs]
        channels = [self._writable(channel, sharing=True) for channel in targets]
        items = require(args, "files")
        if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
            raise ApiError("invalid_arguments", ["must provide an array of objects: files"])
        stored = []
        for item in items:
            found = self.store.file(item.get("id", ""))
            if found is None or found.content is None:
                raise ApiError("file_not_found")
            found.title = item.get("title") or found.name
            stored.append(found)
        comment = args.get("initial_comment") or ""
        thread = {"thread_ts": args["thread_ts"]} if args.get("thread_ts") else {}
        for channel in channels:
            shared = [self._file_object(f) for f in stored]
            content = {"text": comment, "files": shared, "upload": True, **thread}
            message = self.store.post(channel, content)
            for f in stored:
                f.shares.append(Share(channel, message["ts"], message.get("thread_ts")))
        return {"files": [self._file_object(f) for f in stored]}

    def _file_object(self, stored: StoredFile) -> Answer:
        team, bot = self.workspace.team, self.workspace.bot
        extension = stored.name.rpartition(".")[2].lower() if "." in stored.name else "binary"
        where = list(dict.fromkeys(s.channel for s in stored.shares))
        url = f"{team.id}-{stored.id}/{stored.name}"
        shares: dict[str, dict[str, list[Answer]]] = {}
        for share in stored.shares:
            kind = "public" if self._is_public(share.channel) else "private"
            name = self.workspace.channel_name(share.channel)
            entry: Answer = {"ts": share.ts, "channel_name": name}
            if share.thread_ts:
                entry["thread_ts"] = share.thread_ts
            shares.setdefault(kind, {}).setdefault(share.channel, []).append(entry)
        return {
            "id": stored.id,
            "created": stored.created,
            "timestamp": stored.created,
            "name": stored.name,
            "title": stored.title or stored.name,
            "mimetype": mimetypes.guess_type(stored.name)[0] or "application/octet-stream",
            "filetype": extension,
            "pretty_type": extension.upper(),
            "user": bot.user_id,
            "user_team": team.id,
            "size": len(stored.content or b""),
            "mode": "hosted",
            "is_external": False,
            "is_public": "public" in shares,
            "alt_txt": stored.alt_txt,
            "url_private": f"https://files.slack.com/files-pri/{url}",
            "permalink": f"https://{team.domain}.slack.com/files/{bot.user_id}/{stored.id}/",
            "channels": [c for c in where if self._is_public(c)],
            "groups": [],
            "ims": [c for c in where if not self._is_public(c)],
            "shares": shares,
        }

    # arguments --------------------------------------------------------------------------

    def _channel(self, args: Args, key: str, *, open_dm: bool) -> str:
        """A channel from an id, ``#name`` or user id (a DM), or ``channel_not_found``."""
        return self.workspace.resolve(require(args, key), open_dm=open_dm) or _not_found()

    def _writable(self, channel_id: str, *, sharing: bool = False) -> str:
        """``channel_id`` if the bot may post (or, ``sharing``, share a file) there, else
        Slack's refusal: a private channel the bot is not in does not exist for it
        (``channel_not_found``); an archived one takes nothing (``is_archived``); a public
        one it is not in takes messages only with ``chat:write.public``, and never files
        (``not_in_channel``). DMs with the bot are always open to it."""
        channel = self.workspace.channel(channel_id)
        if channel is None:
            return channel_id
        member = self.workspace.bot.user_id in channel.members
        if channel.is_private and not member:
            _not_found()
        if channel.is_archived:
            raise ApiError("is_archived")
        if not member and (sharing or "chat:write.public" not in self.workspace.bot.scopes):
            raise ApiError("not_in_channel")
        return channel_id

    def _existing_channel(self, args: Args, key: str) -> str:
        """Methods that take only a channel id (``C…`` or an open ``D…``)."""
        ref: str = require(args, key)
        if self.workspace.channel(ref) or self.workspace.dm_user(ref):
            return ref
        return _not_found()

    def _user(self, user_id: str) -> User:
        user = self.workspace.user(user_id)
        if user is None:
            raise ApiError("user_not_found")
        return user

    def _is_public(self, channel_id: str) -> bool:
        channel = self.workspace.channel(channel_id)
        return channel is not None and not channel.is_private


def _raise(problem: ApiError | None) -> None:
    if problem is not None:
        raise problem


def _not_found() -> NoReturn:
    raise ApiError("channel_not_found")


def _content(args: Args, *extra: str) -> dict[str, Any]:
    return {k: args[k] for k in (*CONTENT_KEYS, *extra) if k in args}
