"""Forgetting a person on request: their identity and their words go, the figures stay.

What goes:
- their identity. The `people` row keeps its ID, so answers, escalations and KPI actuals
  stay linked and every count stays the same, but becomes a pseudonym: "Forgotten person
  17", known as forgotten-17@forgotten.invalid, with no Slack ID, time zone UTC, no pause;
- the free text (advocacy and note) of every revision of their answers, and of the
  advocacy actions they logged;
- the free text (notes, descriptions) in the audit log's entries of changes they made;
- the links to their DMs (check-in DMs; escalation requests and reminders), so Sherpa
  never updates those messages again;
- their Slack ID, @-mentions, DM channels and e-mail address wherever else text kept by
  Sherpa contains them (escalations, other people's notes, alerts, queued work), and their
  display name in text Sherpa wrote itself (alerts, queued work): all become the pseudonym.
What stays: every rating, count, date and state, so indicators, scorecards, digests and
KPIs computed before and after are the same. Escalations they raised or acted on keep
their text, a business record of the account, under the pseudonym.
Their current roles end now, and their open check-ins (never answered) are withdrawn with
the work queued for them, as a pause withdraws unsent ones. The result names the accounts
left without a sponsor or SAM, so the portfolio file can name someone else.

Nothing brings the identity back: the profile refresh skips forgotten people, and the
portfolio refuses their pseudonym. A portfolio that still names their old Slack ID or
address creates a new person, with none of this history.

Once the forget has committed, `wipe_freed` overwrites the old copies the database still
keeps on disk (SQLite's write-ahead log, PostgreSQL's dead row versions).

Modules: `person` (finding the person, taking their identity and words, the report),
`withdraw` (their roles, open check-ins and queued work), `mentions` (replacing them in
text kept elsewhere), `wipe` (clearing the database files afterwards).
"""

from engagement.forget.mentions import SHERPA_WROTE
from engagement.forget.person import (
    TOUCHED,
    Forgotten,
    forget_person,
    pseudonym,
    pseudonym_email,
)
from engagement.forget.wipe import wipe_freed
from engagement.forget.withdraw import WITHDRAWN, RoleEnded

__all__ = [
    "SHERPA_WROTE",
    "TOUCHED",
    "WITHDRAWN",
    "Forgotten",
    "RoleEnded",
    "forget_person",
    "pseudonym",
    "pseudonym_email",
    "wipe_freed",
]
