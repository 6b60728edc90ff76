"""Finding an account for someone: outsiders learn nothing, members hear what it takes."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from bot.views.kit import said
from engagement.access import (
    NOT_YOURS_BY_ID,
    account_for,
    account_name_at,
    account_names,
    visible_account,
)
from engagement.errors import NotAllowed, NotFound
from engagement.models import Role
from tests.factories import ADMIN, actor, load_portfolio, portfolio

SAM, SPONSOR = "U0SAM0001", "U0SPN0001"  # Acme Corp
OUTSIDER = "U0SAM0002"  # Globex


@pytest.fixture
def db(session: Session) -> Session:
    load_portfolio(session)
    return session


def refusal(session: Session, user: str, name: str, *roles: Role) -> str:
    with pytest.raises(NotFound) as refused:
        account_for(session, actor(session, user, admin=user == ADMIN), name, *roles)
    return str(refused.value)


@pytest.mark.parametrize("user", [OUTSIDER, "U0STRANGER"])
@pytest.mark.parametrize("roles", [(), (Role.SAM,), (Role.SPONSOR, Role.SAM)])
def test_an_account_someone_is_not_on_is_refused_as_if_it_did_not_exist(
    db: Session, user: str, roles: tuple[Role, ...]
) -> None:
    for name in ("Acme Corp", "acme corp", "Acme Crop"):
        assert refusal(db, user, name, *roles) == f"None of your accounts is named '{name}'."
    assert refusal(db, user, "Acme Corp", *roles) == refusal(
        db, user, "Nowhere Inc", *roles
    ).replace("Nowhere Inc", "Acme Corp")
    with pytest.raises(NotFound) as by_id:
        visible_account(db, actor(db, user), 1)
    with pytest.raises(NotFound) as gone:
        visible_account(db, actor(db, user), 999)
    assert str(by_id.value) == str(gone.value) == NOT_YOURS_BY_ID


def test_members_are_offered_the_closest_of_their_own_accounts(db: Session) -> None:
    assert refusal(db, SAM, "Acme Crop") == (
        "None of your accounts is named 'Acme Crop'. Did you mean 'Acme Corp'?"
    )
    assert refusal(db, OUTSIDER, "Acme Crop") == "None of your accounts is named 'Acme Crop'."
    assert (
        refusal(db, ADMIN, "Acme Crop") == "No account named 'Acme Crop'. Did you mean 'Acme Corp'?"
    )


def test_a_member_without_the_role_hears_which_it_takes(db: Session) -> None:
    with pytest.raises(NotAllowed) as refused:
        account_for(db, actor(db, SPONSOR), "acme corp", Role.SAM)
    assert str(refused.value) == "Only the SAM of Acme Corp (or an admin) can do that."
    assert account_for(db, actor(db, SPONSOR), "ACME CORP", Role.SPONSOR).name == "Acme Corp"
    assert account_for(db, actor(db, ADMIN, admin=True), "globex", Role.SAM).name == "Globex"
    assert visible_account(db, actor(db, SPONSOR), 1).name == "Acme Corp"


def test_names_and_refusals_are_escaped_for_slack(session: Session) -> None:
    """A refusal is plain text (the command line prints it); Slack gets the names escaped."""
    accounts = portfolio()["accounts"]
    accounts[0]["name"] = "Acme <!channel> & Co"
    load_portfolio(session, portfolio(accounts=accounts))
    with pytest.raises(NotFound) as unknown:
        account_for(session, actor(session, SAM), "Acme <!channel> & Cp")
    assert str(unknown.value) == (
        "None of your accounts is named 'Acme <!channel> & Cp'. "
        "Did you mean 'Acme <!channel> & Co'?"
    )
    assert said(unknown.value.line) == (
        "None of your accounts is named 'Acme &lt;!channel&gt; &amp; Cp'. "
        "Did you mean 'Acme &lt;!channel&gt; &amp; Co'?"
    )
    with pytest.raises(NotAllowed) as refused:
        account_for(session, actor(session, SPONSOR), "Acme <!channel> & Co", Role.SAM)
    assert said(refused.value.line) == (
        "Only the SAM of Acme &lt;!channel&gt; &amp; Co (or an admin) can do that."
    )


def test_the_names_a_person_may_see(db: Session) -> None:
    assert account_names(db) == ["Acme Corp", "Globex", "Hanami Logistics"]
    assert account_names(db, actor(db, SAM)) == ["Acme Corp"]
    assert account_names(db, actor(db, "U0STRANGER")) == []
    assert account_names(db, actor(db, ADMIN, admin=True)) == account_names(db)


def test_an_account_is_found_by_the_same_rule_that_delimits_its_name_in_a_command(
    session: Session,
) -> None:
    """One rule for account names (`account_name_key`), whatever the database lowers:
    SQLite's lower() leaves "É" as it is, so a name beyond ASCII was not found at all."""
    accounts = portfolio()["accounts"]
    accounts[0]["name"] = "Électricité du Nord"
    load_portfolio(session, portfolio(accounts=accounts))
    names = account_names(session, actor(session, SAM))
    assert names == ["Électricité du Nord"]
    for typed in ("Électricité du Nord", "électricité du nord", "ÉLECTRICITÉ DU NORD "):
        said, rest = account_name_at(f"{typed} high Late", names) or ("", "")
        assert (said, rest) == ("Électricité du Nord", "high Late")
        assert account_for(session, actor(session, SAM), typed, Role.SAM).name == said
    assert account_name_at("Électricité du Nordique high", names) is None  # whole words only
    assert refusal(session, SAM, "Électricité du Sud") == (
        "None of your accounts is named 'Électricité du Sud'. Did you mean 'Électricité du Nord'?"
    )
