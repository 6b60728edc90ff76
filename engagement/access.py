"""Who may do what, decided in one place from Sponsorship rows and the admins
(`engagement.admins`, seeded by SHERPA_ADMINS)."""

from __future__ import annotations

import difflib
import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from engagement.admins import admin_ids
from engagement.errors import Invalid, Line, NotAllowed, NotFound
from engagement.models import Account, Person, Role, Sponsorship, forgotten_people
from engagement.refs import person_ref

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Actor:
    """The person behind a request: their Slack ID, their row if known, and admin rights."""

    user_id: str
    person_id: int | None
    is_admin: bool
    admins: frozenset[str] = frozenset()
    """Sherpa's admins as this request found them (`admin_ids`: read once per request)."""


_PERSON_ID = select(Person.id).where(Person.slack_user_id == bindparam("user_id"))
"""Built once: every request looks up its actor, and building a statement (with its
cache key) costs SQLAlchemy about as much as running it."""
_ROLES = select(Sponsorship.role).where(
    Sponsorship.account_id == bindparam("account_id"),
    Sponsorship.person_id == bindparam("person_id"),
    Sponsorship.ended_at.is_(None),
)


def actor_for(session: Session, user_id: str, seed: Collection[str]) -> Actor:
    """The person behind a request; `seed` is `SHERPA_ADMINS` (see `admin_ids`)."""
    person_id = session.scalar(_PERSON_ID, {"user_id": user_id})
    admins = admin_ids(session, seed)
    return Actor(user_id=user_id, person_id=person_id, is_admin=user_id in admins, admins=admins)


def roles_on(session: Session, actor: Actor, account_id: int) -> set[Role]:
    """The actor's current roles on an account (empty when none)."""
    if actor.person_id is None:
        return set()
    rows = session.scalars(_ROLES, {"account_id": account_id, "person_id": actor.person_id})
    return {Role(role) for role in rows}


def require_role(session: Session, actor: Actor, account: Account, *roles: Role) -> None:
    """Admins may do anything; others need one of `roles` on the account (any role if none).

    For someone who may see the account anyway (see `account_for`): the refusal names it.
    """
    if not actor.is_admin:
        _require(roles_on(session, actor, account.id), account, roles)


def _require(have: set[Role], account: Account, roles: tuple[Role, ...]) -> None:
    """`require_role` for a member whose roles on the account are `have`."""
    if have and (not roles or have & set(roles)):
        return
    wanted = " or ".join("the SAM" if role is Role.SAM else "a sponsor" for role in roles)
    raise NotAllowed(
        Line(f"Only {wanted} of {{name}} (or an admin) can do that.", name=account.name)
        if roles
        else Line("You are not a member of {name}.", name=account.name)
    )


def account_name_key(name: str) -> str:
    """The one rule for account names: two names are the same if their keys are (case and
    surrounding blanks aside). `/sponsor` finds where a name ends by it (`account_name_at`),
    and `account_for` the account by it."""
    return name.strip().lower()


def account_name_at(text: str, names: Iterable[str]) -> tuple[str, str] | None:
    """The longest of `names` that `text` starts with (by `account_name_key`), as a whole
    word, and the text after it; None when none is there."""
    text = text.strip()
    for name in sorted(names, key=len, reverse=True):
        if (
            name
            and account_name_key(text[: len(name)]) == account_name_key(name)
            and (len(text) == len(name) or text[len(name)].isspace())
        ):
            return name, text[len(name) :].strip()
    return None


_NAMED = select(Account).where(func.lower(Account.name) == bindparam("key"))


def find_account(session: Session, name: str) -> Account | None:
    """The account whose name is `name` by `account_name_key`.

    The index on `lower(name)` finds it at once, except where the database lowers only
    ASCII letters (SQLite: "Électricité"): then every name is compared here.
    """
    key = account_name_key(name)
    for account in session.scalars(_NAMED, {"key": key}):
        if account_name_key(account.name) == key:
            return account
    for account_id, account_name in session.execute(
        select(Account.id, Account.name).order_by(Account.id)
    ):
        if account_name_key(account_name) == key:
            return session.get(Account, account_id)
    return None


def account_for(session: Session, actor: Actor, name: str, *roles: Role) -> Account:
    """The account named (ignoring case), for someone who may act on it: an admin, or a
    member holding one of `roles` on it (any role if none).

    Someone who is not a member hears exactly what they would if no account had that
    name (suggestions come from their own accounts only), so a refusal never tells them
    which accounts exist. A member without the role hears which role it takes.
    """
    account = find_account(session, name)
    if actor.is_admin:
        if account is None:
            raise NotFound(unknown("account", name, account_names(session)))
        return account
    have = roles_on(session, actor, account.id) if account is not None else set()
    if account is None or not have:
        if account is not None:  # the log says what the person is not told
            _log.warning(
                "access.refused user=%s person=%s what=account ref=%d",
                actor.user_id,
                actor.person_id,
                account.id,
            )
        raise NotFound(not_yours(session, actor, name))
    _require(have, account, roles)
    return account


def not_yours(session: Session, actor: Actor, name: str) -> Line:
    """The one line for an account name that is not one of the person's accounts, whether
    or not it exists; it may suggest the closest of their own."""
    mine = [account.name for account in visible_accounts(session, actor)]
    return Line("None of your accounts is named '{name}'.{hint}", name=name, hint=_hint(name, mine))


NOT_YOURS_BY_ID = "That account no longer exists, or is not one of yours."
"""The refusal for an account chosen by ID (a modal's select, a button) that the person
may not see: the same whether it exists or not."""


def visible_account(session: Session, actor: Actor, account_id: int) -> Account:
    """An account by ID that the person may see (any role; admins every one), else
    `NOT_YOURS_BY_ID`."""
    account = session.get(Account, account_id)
    if account is not None and (actor.is_admin or roles_on(session, actor, account.id)):
        return account
    if account is not None:
        _log.warning(
            "access.refused user=%s person=%s what=account ref=%d",
            actor.user_id,
            actor.person_id,
            account.id,
        )
    raise NotFound(NOT_YOURS_BY_ID)


_EVERY_ACCOUNT = select(Account).order_by(Account.name)
_HELD = _EVERY_ACCOUNT.where(
    Account.id.in_(
        select(Sponsorship.account_id).where(
            Sponsorship.person_id == bindparam("person_id"), Sponsorship.ended_at.is_(None)
        )
    )
)
_HELD_AS = _EVERY_ACCOUNT.where(
    Account.id.in_(
        select(Sponsorship.account_id).where(
            Sponsorship.person_id == bindparam("person_id"),
            Sponsorship.ended_at.is_(None),
            Sponsorship.role.in_(bindparam("roles", expanding=True)),
        )
    )
)
"""Built once: every command that names an account reads them."""


def visible_accounts(session: Session, actor: Actor, *roles: Role) -> list[Account]:
    """The accounts a person holds any of `roles` on now (any role if none), by name;
    every account for an admin."""
    if actor.is_admin:
        return list(session.scalars(_EVERY_ACCOUNT))
    if actor.person_id is None:
        return []
    if roles:
        return list(session.scalars(_HELD_AS, {"person_id": actor.person_id, "roles": roles}))
    return list(session.scalars(_HELD, {"person_id": actor.person_id}))


def account_names(session: Session, actor: Actor | None = None) -> list[str]:
    """Every account's name, by name; with an `actor`, only the names they may see
    (`visible_accounts`), which is what anything answering that person may use."""
    if actor is not None:
        return [account.name for account in visible_accounts(session, actor)]
    return list(session.scalars(select(Account.name).order_by(Account.name)))


def person_by_ref(session: Session, ref: str) -> Person | None:
    """A person by Slack user ID or e-mail address (normalised as `refs.person_ref`)."""
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


def unknown(what: str, given: str, known: list[str]) -> Line:
    """ "No account named 'Acme Crop'. Did you mean 'Acme Corp'?" """
    return Line(f"No {what} named '{{given}}'.{{hint}}", given=given, hint=_hint(given, known))


def _hint(given: str, known: list[str]) -> str:
    by_lower = {item.lower(): item for item in known}
    close = difflib.get_close_matches(given.lower(), list(by_lower), n=1, cutoff=0.5)
    return f" Did you mean '{by_lower[close[0]]}'?" if close else ""


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
