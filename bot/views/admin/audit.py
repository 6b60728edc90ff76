"""The *Audit log* modal: the latest changes to the portfolio, newest first, a page at a
time — when, who, what, and the values before → after, cut short and escaped."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.views.admin.common import AdminAction
from bot.views.admin.modals import admin_modal
from bot.views.channels import CHANNEL_ID, where
from bot.views.kit import Block, actions, button, clip_escaped, context, date_token, section
from engagement.audit import ADMINS, FREE_TEXT, IMPORT, PORTFOLIO, AuditPage
from engagement.models import AuditEntry
from engagement.refs import USER_ID

SHORT, NOTE, NAME = 60, 80, 80
"""The most shown of a value, of a person's free text and of a name (characters)."""
MOST = 12
"""The most fields, or list items, shown of one entry."""
PEOPLE = frozenset({"person", "sam", "sponsors", "admins"})
ROLES = {"sam": "SAM", "sponsor": "sponsor"}
WHAT = {
    "account.added": "added the account {subject}",
    "account.changed": "changed {subject}",
    "sponsorship.opened": "made {person} {role} of {subject}",
    "sponsorship.closed": "removed {person} as {role} of {subject}",
    "portfolio.added": "set up {subject}",
    "portfolio.changed": "changed {subject}",
    "kpi.added": "added the KPI {subject}",
    "kpi.changed": "changed the KPI {subject}",
    "person.added": "added {subject}",
    "person.changed": "changed {subject}",
    "risk.added": "logged {subject}",
    "risk.changed": "changed {subject}",
    "risk.reassessed": "re-assessed {subject}",
    "risk.reviewed": "reviewed {subject}",
    "risk.closed": "closed {subject}",
    "review.recorded": "recorded the review of {subject}",
    "admins.changed": "changed {subject}",
}
"""What each action did, in words; any other action is shown as it is recorded."""


def _person(ref: str) -> str:
    return f"<@{ref}>" if USER_ID.match(ref) else clip_escaped(ref, NAME)


def _who(actor: str) -> str:
    return "The portfolio file" if actor == IMPORT else _person(actor)


def _subject(subject: str) -> str:
    kind, _, name = subject.partition(":")
    if subject == ADMINS:
        return "the admins"
    if subject == PORTFOLIO:
        return "the portfolio settings"
    if kind == "person":
        return _person(name)
    if kind == "risk":
        account, _, code = name.rpartition(" ")
        return f"risk {clip_escaped(code, SHORT)} of *{clip_escaped(account, NAME)}*"
    if kind in ("account", "kpi"):
        return f"*{clip_escaped(name, NAME)}*"
    return clip_escaped(subject, NAME)


def _value(field: str, value: Any) -> str:
    if value is None or value == "":
        return "none"
    if isinstance(value, list):
        shown = [_value(field, item) for item in value[:MOST]]
        left = len(value) - len(shown)
        return ", ".join(shown) + (f" and {left} more" if left else "")
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    if field in FREE_TEXT:
        return f"“{clip_escaped(text, NOTE)}”"
    if field.endswith("channel") and CHANNEL_ID.match(text):
        return where(text)
    if field in PEOPLE:
        return _person(text)
    return clip_escaped(text, SHORT)


def _changes(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> str:
    """'channel #a → #b; weight 10 → 20', or the fields of something added or removed."""
    old, new = before or {}, after or {}
    if old and new:
        keys = [*new, *(key for key in old if key not in new)]
        shown = [f"{_label(key)} {_value(key, old.get(key))} → {_value(key, new.get(key))}"
                 for key in keys[:MOST]]  # fmt: skip
        separator = "; "
    else:
        keys = [key for key, value in (new or old).items() if value not in (None, "")]
        shown = [f"{_label(key)} {_value(key, (new or old)[key])}" for key in keys[:MOST]]
        separator = ", "
    left = len(keys) - len(shown)
    return separator.join(shown) + (f" and {left} more" if left else "")


def _label(field: str) -> str:
    return clip_escaped(field.replace("_", " "), SHORT)


def _what(entry: AuditEntry) -> str:
    template = WHAT.get(entry.action)
    subject = _subject(entry.subject)
    if template is None:
        return f"{clip_escaped(entry.action, SHORT)} {subject}"
    held = (entry.after if entry.action == "sponsorship.opened" else entry.before) or {}
    if "{person}" in template:
        role = str(held.get("role", ""))
        person = _person(str(held.get("person", "someone")))
        role = ROLES.get(role, clip_escaped(role, SHORT))
        return template.format(person=person, role=role, subject=subject)
    return template.format(subject=subject)


def entry_block(entry: AuditEntry) -> Block:
    """One change: when (in the reader's own zone), who, what, and before → after."""
    when = date_token(entry.at, fallback="%a %d %b %Y %H:%M UTC")
    line = f"{_who(entry.actor)} {_what(entry)}"
    changes = _changes(entry.before, entry.after)
    if changes and not entry.action.startswith("sponsorship."):  # the person is in `what`
        line += f": {changes}"
    return section(f"{when}\n{line}", block_id=f"audit:{entry.id}")


def audit_modal(page: AuditPage) -> Block:
    """A page of the log: at most 2 + the page's entries blocks; *Newer* and *Older* turn it."""
    blocks: list[Block] = [
        context(
            "Every change to the portfolio, newest first: from App Home, from Slack "
            "commands and from the portfolio file (`sherpa import`)."
        )
    ]
    if not page.entries:
        blocks.append(section("Nothing has changed yet.", block_id="audit_empty"))
    blocks += [entry_block(entry) for entry in page.entries]
    turns = []
    if page.newer is not None:
        turns.append(button("Newer", AdminAction.AUDIT_NEWER, str(page.newer)))
    if page.older is not None:
        turns.append(button("Older", AdminAction.AUDIT_OLDER, str(page.older)))
    if turns:
        blocks.append(actions(*turns, block_id="audit_pages"))
    return admin_modal(None, "Audit log", blocks)
