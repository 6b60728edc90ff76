"""The bot scopes each Web API method needs: the manifest must list exactly these."""

from __future__ import annotations

METHOD_SCOPES: dict[str, frozenset[str]] = {
    # posting to channels the bot has not joined needs chat:write.public as well
    "chat.postMessage": frozenset({"chat:write", "chat:write.public"}),
    "chat.update": frozenset({"chat:write"}),
    "chat.delete": frozenset({"chat:write"}),
    "chat.postEphemeral": frozenset({"chat:write"}),
    "chat.getPermalink": frozenset(),
    "views.open": frozenset(),
    "views.update": frozenset(),
    "views.publish": frozenset(),
    "users.info": frozenset({"users:read"}),
    "users.lookupByEmail": frozenset({"users:read", "users:read.email"}),
    "files.getUploadURLExternal": frozenset({"files:write"}),
    "files.completeUploadExternal": frozenset({"files:write"}),
    "files.delete": frozenset({"files:write"}),
    "auth.test": frozenset(),
    # `sherpa doctor`'s look at the portfolio's channels (private ones: groups:read)
    "conversations.list": frozenset({"channels:read", "groups:read"}),
    "conversations.info": frozenset({"channels:read", "groups:read"}),
}

INTERACTIONS_SCOPES = frozenset({"commands"})
"""The slash command and the message shortcut."""

EVENT_SCOPES = frozenset({"im:history"})
"""The `message.im` event (a DM written to Sherpa); `user_change` comes with `users:read`."""


def scopes_for(methods: set[str]) -> frozenset[str]:
    needed: set[str] = set(INTERACTIONS_SCOPES | EVENT_SCOPES)
    for method in methods:
        needed |= METHOD_SCOPES[method]
    return frozenset(needed)
