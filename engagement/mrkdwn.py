"""Escaping for Slack's message text, as plain text processing (nothing here knows Slack).

Slack reads `&`, `<` and `>` as control characters in a message's `text` and in mrkdwn:
`<!channel>` notifies everyone in the channel and `<https://…|Click here>` is a link. So
every piece of text Sherpa did not write as markup (an account name or KPI label from the
portfolio file, a display name, anything typed into Slack) is escaped wherever it goes
into such text: in blocks and in the fallback `text` alike, in sentences built by the
domain (`/sponsor` replies, refusals) and by `bot/views`, always with `escape` below.

Plain-text fields (headers, buttons, select options, modal titles) are shown as they are
and never parsed for mentions or links, so they take the raw text.
"""

from __future__ import annotations


def escape(text: str) -> str:
    """Text shown as typed: Slack's three control characters as the entities it expects."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """The inverse of `escape`: how a person reads text that Slack sent or Sherpa posted."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
