"""Message text as Slack shows it to a reader: the emulator's own rendering, for whatever
reads its messages (tests, the demo's transcript).

Slack keeps mrkdwn with references in angle brackets and shows them resolved: a user
mention ``<@U…>`` (a label after ``|`` is ignored) as ``@`` and the person's display
name, or their full name when they have none; a channel ``<#C…>`` as ``#`` and its name;
``<!here>``, ``<!channel>`` and ``<!everyone>`` as ``@here`` and so on, a user group by its
label; a date token by its fallback text (the emulator knows no reader's zone); a link
``<url|label>`` by its label. Escaped ``&lt; &gt; &amp;`` show as the characters.
"""

from __future__ import annotations

import re

from slack_emulator.workspace import Workspace

_REFERENCE = re.compile(r"<([@#!]?)([^<>|]*)(?:\|([^<>]*))?>")
_ESCAPES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))


def shown(text: str, workspace: Workspace) -> str:
    """`text` as a reader sees it in Slack."""

    def resolve(found: re.Match[str]) -> str:
        sigil, target, label = found[1], found[2], found[3]
        if sigil == "@":
            user = workspace.user(target)
            return f"@{user.shown_name() if user else target}"
        if sigil == "#":
            channel = workspace.channel(target)
            return f"#{channel.name if channel else label or target}"
        if sigil == "!":
            if target in ("here", "channel", "everyone"):
                return f"@{target}"
            return label or f"<{target}>"
        return label or target  # a link

    resolved = _REFERENCE.sub(resolve, text)
    for escaped, character in _ESCAPES:
        resolved = resolved.replace(escaped, character)
    return resolved
