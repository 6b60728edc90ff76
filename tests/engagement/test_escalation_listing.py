"""What each person may see of the open escalations."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from engagement.errors import NotFound
from engagement.escalations import service
from engagement.escalations.listing import AccountRef, for_home, list_open, raisable_accounts
from engagement.escalations.rules import EscalationInput
from tests.factories import ADMIN, NOW, actor, load_portfolio

HOUR = timedelta(hours=1)
SAMS = {"Acme Corp": "U0SAM0001", "Globex": "U0SAM0002", "Hanami Logistics": "U0SAM0003"}


@pytest.fixture
def db(session: Session) -> Session:
    """Acme: one 30 h old (high, overdue) and one 2 h old; Globex: one; Hanami: one resolved."""
    load_portfolio(session)
    for account, severity, hours_ago in [
        ("Acme Corp", "high", 30),
        ("Globex", "low", 10),
        ("Acme Corp", "critical", 2),
        ("Hanami Logistics", "medium", 5),
    ]:
        service.raise_escalation(
            session,
            actor=actor(session, SAMS[account]),
            account_name=account,
            fields=EscalationInput.read({"severity": severity, "summary": f"{account} {severity}"}),
            now=NOW - hours_ago * HOUR,
        )
    hanami = list_open(session, actor=actor(session, "U0SAM0003"), now=NOW).items[0]
    service.resolve(
        session,
        actor=actor(session, "U0SPN0003"),
        escalation_id=hanami.escalation.id,
        note="done",
        now=NOW,
    )
    session.commit()
    return session


def summaries(listing: object) -> list[str]:
    return [item.escalation.summary for item in listing.items]  # type: ignore[attr-defined]


def test_members_see_their_accounts_oldest_first(db: Session) -> None:
    listing = list_open(db, actor=actor(db, "U0SPN0001"), now=NOW)
    assert summaries(listing) == ["Acme Corp high", "Acme Corp critical"]
    assert [item.age for item in listing.items] == [30 * HOUR, 2 * HOUR]
    assert [item.overdue for item in listing.items] == [True, False]


def test_admins_see_every_open_one(db: Session) -> None:
    listing = list_open(db, actor=actor(db, ADMIN, admin=True), now=NOW)
    assert summaries(listing) == ["Acme Corp high", "Globex low", "Acme Corp critical"]


def test_acknowledged_ones_are_still_listed_resolved_ones_not(db: Session) -> None:
    first = list_open(db, actor=actor(db, "U0SPN0002"), now=NOW).items[0]
    service.acknowledge(
        db, actor=actor(db, "U0SPN0002"), escalation_id=first.escalation.id, now=NOW
    )
    listed = list_open(db, actor=actor(db, "U0SAM0002"), now=NOW).items
    assert [(item.escalation.state, item.overdue) for item in listed] == [("acknowledged", False)]
    assert list_open(db, actor=actor(db, "U0SAM0003"), now=NOW).items == []


def test_one_account_for_its_members_only(db: Session) -> None:
    listing = list_open(db, actor=actor(db, "U0SAM0001"), account="acme corp", now=NOW)
    assert listing.account_name == "Acme Corp" and len(listing.items) == 2
    with pytest.raises(NotFound) as existing:  # not told that Globex exists
        list_open(db, actor=actor(db, "U0SAM0001"), account="Globex", now=NOW)
    with pytest.raises(NotFound) as missing:
        list_open(db, actor=actor(db, "U0SAM0001"), account="Nowhere", now=NOW)
    assert str(existing.value) == "None of your accounts is named 'Globex'."
    assert str(missing.value) == "None of your accounts is named 'Nowhere'."
    with pytest.raises(NotFound, match="Did you mean 'Globex'"):  # its members are
        list_open(db, actor=actor(db, "U0SAM0002"), account="Glbex", now=NOW)


def test_strangers_see_nothing(db: Session) -> None:
    assert list_open(db, actor=actor(db, "U0NOBODY"), now=NOW).items == []
    assert for_home(db, actor=actor(db, "U0NOBODY"), now=NOW).items == []


def test_home_shows_what_the_person_raised_or_owns(db: Session) -> None:
    assert summaries(for_home(db, actor=actor(db, "U0SPN0001"), now=NOW)) == [
        "Acme Corp high",
        "Acme Corp critical",
    ]
    assert summaries(for_home(db, actor=actor(db, "U0SAM0002"), now=NOW)) == ["Globex low"]
    # an admin raising for Globex sees it at home; the Globex sponsor does too
    service.raise_escalation(
        db,
        actor=actor(db, ADMIN, admin=True),
        account_name="Globex",
        fields=EscalationInput.read({"severity": "low", "summary": "from the admin"}),
        now=NOW,
    )
    assert summaries(for_home(db, actor=actor(db, ADMIN, admin=True), now=NOW)) == [
        "from the admin"
    ]
    assert summaries(for_home(db, actor=actor(db, "U0SPN0002"), now=NOW)) == [
        "Globex low",
        "from the admin",
    ]


def test_the_modal_offers_only_the_accounts_the_person_is_sam_of(db: Session) -> None:
    assert [a.name for a in raisable_accounts(db, actor=actor(db, "U0SAM0002"))] == ["Globex"]
    assert raisable_accounts(db, actor=actor(db, "U0SPN0001")) == []
    assert raisable_accounts(db, actor=actor(db, "U0NOBODY")) == []
    everything = raisable_accounts(db, actor=actor(db, ADMIN, admin=True))
    assert [a.name for a in everything] == ["Acme Corp", "Globex", "Hanami Logistics"]
    assert isinstance(everything[0], AccountRef)
