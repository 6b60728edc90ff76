"""Who may do what, decided in one place from Sponsorship rows and SHERPA_ADMINS."""

from __future__ import annotations

import difflib
import logging
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from engagement.errors import Invalid, NotAllowed, NotFound
from engagement.models import Account, Person, Role, Sponsorship, forgotten_people
from engagement.mrkdwn import escape
from engagement.portfolio.schema import person_ref

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Actor:
    """The person behind a request: their Slack ID, their row if known, and admin rights."""

    user_id: str
    person_id: int | None
    is_admin: bool


_PERSON_ID = select(Person.id).where(Person.slack_user_id == bindparam("user_id"))
"""Built once: every request looks up its actor, and building a statement (with its
cache key) costs SQLAlchemy about as much as running it."""


def actor_for(session: Session, user_id: str, admins: Collection[str]) -> Actor:
    person_id = session.scalar(_PERSON_ID, {"user_id": user_id})
    return Actor(user_id=user_id, person_id=person_id, is_admin=user_id in admins)


def roles_on(session: Session, actor: Actor, account_id: int) -> set[Role]:
    """The actor's current roles on an account (empty when none)."""
    if actor.person_id is None:
        return set()
    rows = session.scalars(
        select(Sponsorship.role).where(
            Sponsorship.account_id == account_id,
            Sponsorship.person_id == actor.person_id,
            Sponsorship.ended_at.is_(None),
        )
    )
    return {Role(role) for role in rows}


def require_role(session: Session, actor: Actor, account: Account, *roles: Role) -> None:
    """Admins may do anything; others need one of `roles` on the account (any role if none)."""
    if actor.is_admin:
        return
    have = roles_on(session, actor, account.id)
    if have and (not roles or have & set(roles)):
        return
    wanted = " or ".join("the SAM" if role is Role.SAM else "a sponsor" for role in roles)
    name = escape(account.name)
    raise NotAllowed(
        f"Only {wanted or 'members'} of {name} (or an admin) can do that."
        if roles
        else f"You are not a member of {name}."
    )


def visible_accounts(session: Session, actor: Actor, *roles: Role) -> list[Account]:
    """The accounts a person holds any of `roles` on now (any role if none), by name;
    every account for an admin."""
    query = select(Account).order_by(Account.name)
    if not actor.is_admin:
        if actor.person_id is None:
            return []
        held = select(Sponsorship.account_id).where(
            Sponsorship.person_id == actor.person_id, Sponsorship.ended_at.is_(None)
        )
        if roles:
            held = held.where(Sponsorship.role.in_(roles))
        query = query.where(Account.id.in_(held))
    return list(session.scalars(query))


def account_names(session: Session) -> list[str]:
    return list(session.scalars(select(Account.name).order_by(Account.name)))


def find_account(session: Session, name: str) -> Account:
    """An account by name, ignoring case; an unknown name suggests the closest one."""
    account = session.scalars(
        select(Account).where(func.lower(Account.name) == name.strip().lower())
    ).first()
    if account is None:
        raise NotFound(escape(unknown("account", name, account_names(session))))
    return account


def person_by_ref(session: Session, ref: str) -> Person | None:
    """A person by Slack user ID or e-mail address (normalised as `schema.person_ref`)."""
    column = Person.email if "@" in ref else Person.slack_user_id
    return session.scalars(select(Person).where(column == ref)).first()


def find_person(session: Session, ref: str) -> Person:
    """A person named the way the portfolio names them; an unknown one suggests the closest."""
    try:
        normalised = person_ref(ref)
    except ValueError:
        raise Invalid(
            f"'{ref}' is not a Slack user ID (like U0123ABCD) or an e-mail address."
        ) from None
    person = person_by_ref(session, normalised)
    if person is None:
        # a mistyped address is worth a suggestion; a "close" Slack ID is someone else
        known = (
            session.scalars(
                select(Person.email).where(Person.email.is_not(None), ~forgotten_people())
            ).all()
            if "@" in normalised
            else []
        )
        raise NotFound(unknown("person", ref, [email for email in known if email]))
    return person


def unknown(what: str, given: str, known: list[str]) -> str:
    """ "No account named 'Acme Crop'. Did you mean 'Acme Corp'?" — one line, unescaped
    (the command line shows it too): escape it for Slack."""
    by_lower = {item.lower(): item for item in known}
    close = difflib.get_close_matches(given.lower(), list(by_lower), n=1, cutoff=0.5)
    hint = f" Did you mean '{by_lower[close[0]]}'?" if close else ""
    return f"No {what} named '{given}'.{hint}"


def require_owner(actor: Actor, owner_id: int, *, what: str, ref: object) -> None:
    """Only the person something was addressed to may act on it (admins included).

    A refusal is logged: it usually means a forged or misrouted payload.
    """
    if actor.person_id is not None and actor.person_id == owner_id:
        return
    _log.warning(
        "access.refused user=%s person=%s what=%s ref=%s owner=%d",
        actor.user_id,
        actor.person_id,
        what,
        ref,
        owner_id,
    )
    raise NotAllowed(f"Only the person it was sent to can answer this {what}.")
