"""`/sponsor log <account> <text>`: an advocacy action recorded outside check-ins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NewType

from sqlalchemy.orm import Session

from engagement.access import Actor, account_for
from engagement.checkins.form import TEXT_LIMIT
from engagement.errors import Line, NotAllowed
from engagement.models import AdvocacyAction, Role
from engagement.text import checked_text

AdvocacyNote = NewType("AdvocacyNote", str)
"""What a sponsor did, as `read_note` checked it: `log_advocacy` takes nothing else."""


def read_note(text: str) -> AdvocacyNote:
    """The one check of an advocacy note (the slash grammar calls it as it parses)."""
    return AdvocacyNote(
        checked_text(text, "The note", limit=TEXT_LIMIT, missing="Say what the sponsor did.")
    )


@dataclass(frozen=True)
class AdvocacyLogged:
    action_id: int
    account_name: str
    text: str


def log_advocacy(
    session: Session, *, actor: Actor, account: str, text: AdvocacyNote, now: datetime
) -> AdvocacyLogged:
    """Record what a sponsor did for the account (the sponsors and SAM may log it)."""
    target = account_for(session, actor, account, Role.SPONSOR, Role.SAM)
    if actor.person_id is None:
        raise NotAllowed(
            Line("Only the sponsors and the SAM of {name} can log for it.", name=target.name)
        )
    action = AdvocacyAction(
        account_id=target.id, person_id=actor.person_id, text=text, logged_at=now
    )
    session.add(action)
    session.flush()
    return AdvocacyLogged(action.id, target.name, text)
