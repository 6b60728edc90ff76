"""`/sponsor log <account> <text>`: an advocacy action recorded outside check-ins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from engagement.access import Actor, account_for
from engagement.checkins.form import TEXT_LIMIT
from engagement.errors import Invalid, Line, NotAllowed
from engagement.models import AdvocacyAction, Role
from engagement.text import free_text


@dataclass(frozen=True)
class AdvocacyLogged:
    action_id: int
    account_name: str
    text: str


def log_advocacy(
    session: Session, *, actor: Actor, account: str, text: str, now: datetime
) -> AdvocacyLogged:
    """Record what a sponsor did for the account (the sponsors and SAM may log it)."""
    text = free_text(text, "The note").strip()
    if not text:
        raise Invalid("Say what was done: `/sponsor log <account> <what you did>`.")
    if len(text) > TEXT_LIMIT:
        raise Invalid(f"Keep it to {TEXT_LIMIT:,} characters (this has {len(text):,}).")
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
