"""Names of due-work streams: the rows whose messages must reach Slack in order.

Rows of one stream run one at a time, in the order they were first due, whatever
retries do in between (`queue.claim`). So after an outage a person gets what was due
for them in order, with the back-off before each retry, and never two messages at
once. Which kinds share a stream, and why:

- `person:<person id>`: a person's check-in DMs, as they are about one conversation
  with them: the day's prompt (`checkin.send`, also when *Remind me tomorrow* moves a
  check-in into a later day's prompt), its nudge (`checkin.nudge`) and the update that
  closes it at expiry (`checkin.expire`), and one day's prompt before the next day's.
  An indicator alert's DM to the SAM (`alerts.post`, the `:sam` copy) joins the SAM's
  stream: it is a DM in the same conversation (and Slack allows about one message a
  second per conversation anyway).
- `escalation:<escalation id>`: everything about one escalation
  (`escalation.announce`, `.request`, `.critical`, `.realert`, `.remind`, `.path`,
  `.refresh`): the channel alert and the sponsors' DMs before any update of them, the
  reminder and the escalation-path post in the order of the deadline ladder. The
  sponsor's DMs about it follow the escalation, not the sponsor: what must not be
  swapped is a DM and the update of that DM, and an escalation with a 4-hour deadline
  must not wait behind a check-in DM being retried.
- `channel:<channel>`: posts to one channel: the weekly digest (`digest.post`), its
  continuations in the thread (`digest.part`, which must follow the first message and
  each other), the chart (`digest.chart`) and after it the risks' heat map
  (`digest.heatmap`); an alert's channel copy
  (`alerts.post`, the `:channel` copy), after whatever went to that channel before.

Planning rows (`plan`, `alerts.evaluate`) have no stream: they post nothing, and a
stream would only hold them back. The handlers' own guards against running out of
order (the digest's `Waiting`, the escalation refresh's `StillDelivering`) stay as a
second line of defence; with these streams they should rarely fire.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, String, cast, literal


def person(person_id: int) -> str:
    return f"person:{person_id}"


def person_column(person_id: ColumnElement[int]) -> ColumnElement[str]:
    """`person` in SQL, for rows inserted from a SELECT."""
    return literal("person:") + cast(person_id, String)


def escalation(escalation_id: int) -> str:
    return f"escalation:{escalation_id}"


def channel(name: str) -> str:
    """A channel as the rows address it (`#name` or an ID)."""
    return f"channel:{name}"
