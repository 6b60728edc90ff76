"""The audit log: every change an import makes and each change made in Slack, with who,
when, before and after; the import names what it would overwrite; forgetting reaches it."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement import audit
from engagement.admins import set_admins
from engagement.forget.person import forget_person
from engagement.models import Account, AuditEntry, Person, Risk, RiskState
from engagement.portfolio.editing import AccountForm, KpiForm, save_account, save_kpi
from engagement.portfolio.importer import ImportPlan, import_portfolio
from engagement.portfolio.loader import parse_portfolio, read_portfolio
from engagement.reviews.service import record_review
from engagement.risks.rules import RiskInput
from engagement.risks.service import close, log_risk, reassess
from engagement.rotation.service import rotate_sponsor
from tests.factories import ADMIN, NOW, actor, load_portfolio, portfolio

EXAMPLE = Path(__file__).parents[2] / "examples" / "portfolio.yaml"
LATER = NOW + timedelta(days=1)


def entries(session: Session, **where: str) -> list[AuditEntry]:
    statement = select(AuditEntry).order_by(AuditEntry.id)
    for name, value in where.items():
        statement = statement.where(getattr(AuditEntry, name) == value)
    return list(session.scalars(statement))


def summary(session: Session, since: int = 0) -> list[tuple[str, str, str, Any, Any]]:
    return [
        (entry.actor, entry.action, entry.subject, entry.before, entry.after)
        for entry in entries(session)
        if entry.id > since
    ]


def person(session: Session, user_id: str) -> Person:
    return session.scalars(select(Person).where(Person.slack_user_id == user_id)).one()


def risk_id(session: Session, number: int) -> int:
    found = session.scalar(select(Risk.id).where(Risk.number == number))
    assert found is not None
    return found


def reimport(session: Session, document: dict[str, Any]) -> ImportPlan:
    plan = import_portfolio(session, parse_portfolio(yaml.safe_dump(document)), now=LATER)
    session.commit()
    return plan


def test_an_import_records_everything_it_adds(session: Session) -> None:
    import_portfolio(session, read_portfolio(EXAMPLE), now=NOW)
    session.commit()
    logged = entries(session)
    assert {entry.actor for entry in logged} == {"import"}
    assert {entry.at for entry in logged} == {NOW}
    assert Counter(entry.action for entry in logged) == {
        "portfolio.added": 1,
        "kpi.added": 7,
        "account.added": 12,
        "sponsorship.opened": 25,  # 12 SAMs and 13 sponsors
        "person.added": 12,
        "person.changed": 1,  # U0SPN0006's country
        "risk.added": 4,
    }
    acme = entries(session, subject="account:Acme Corp")
    assert [(entry.action, entry.before) for entry in acme] == [
        ("account.added", None),
        ("sponsorship.opened", None),
        ("sponsorship.opened", None),
    ]
    assert acme[0].after is not None and acme[0].after["channel"] == "#acme-alliance"
    assert acme[0].after["checkin_time"] == "09:00:00"  # JSON: times as ISO 8601
    assert [entry.after for entry in acme[1:]] == [
        {"role": "sam", "person": "U0SAM0001"},
        {"role": "sponsor", "person": "U0SPN0001"},
    ]
    risk = entries(session, subject="risk:Globex SR-02")[0].after
    assert risk is not None and (risk["probability"], risk["review_on"]) == (3, "2026-09-21")
    assert import_portfolio(session, read_portfolio(EXAMPLE), now=LATER).changes == 0
    assert len(entries(session)) == len(logged)  # nothing changed, nothing recorded


def test_an_import_records_each_change_before_and_after(session: Session) -> None:
    load_portfolio(session)
    last = entries(session)[-1].id
    document = portfolio(escalation_path="#leadership")
    document["scorecard"][1]["weight"] = 20
    document["accounts"][0].update(channel="#acme", sponsors=["U0SPN0009"])
    document["people"] = {"U0SAM0002": {"country": "DE"}}
    reimport(session, document)
    assert summary(session, last) == [
        ("import", "portfolio.changed", "portfolio",
         {"escalation_path": "#exec-steering"}, {"escalation_path": "#leadership"}),
        ("import", "kpi.changed", "kpi:joint_revenue_growth", {"weight": 30.0}, {"weight": 20}),
        ("import", "account.changed", "account:Acme Corp",
         {"channel": "#acme-alliance"}, {"channel": "#acme"}),
        ("import", "person.added", "person:U0SPN0009", None, {"timezone": "America/New_York"}),
        ("import", "sponsorship.closed", "account:Acme Corp",
         {"role": "sponsor", "person": "U0SPN0001"}, None),
        ("import", "sponsorship.opened", "account:Acme Corp",
         None, {"role": "sponsor", "person": "U0SPN0009"}),
        ("import", "person.changed", "person:U0SAM0002", {"country": None}, {"country": "DE"}),
    ]  # fmt: skip
    assert {entry.at for entry in entries(session) if entry.id > last} == {LATER}


def _risk_row(**fields: Any) -> dict[str, Any]:
    return {"id": "SR-01", "description": "Partner is acquired.", "probability": 2,
            "impact": 5, "mitigation": "Change-of-control clauses.", **fields}  # fmt: skip


def _with_risk(**fields: Any) -> dict[str, Any]:
    document = portfolio()
    document["accounts"][0]["risks"] = [_risk_row(**fields)]
    return document


def test_risk_changes_and_reviews_from_slack_are_recorded(session: Session) -> None:
    load_portfolio(session, _with_risk())
    last = entries(session)[-1].id
    sam = actor(session, "U0SAM0001")
    sponsor = actor(session, "U0SPN0001")
    fields = RiskInput(probability=4, impact=4, description="Key people leave.")
    log_risk(session, actor=sam, fields=fields, now=LATER, account="Acme Corp")
    reassess(
        session,
        actor=sponsor,
        risk_id=risk_id(session, 2),
        fields=RiskInput(probability=2, impact=4, description="Key people leave.",
                         mitigation="Succession plan.", review_on=date(2027, 1, 4)),
        state=RiskState.MITIGATING,
        now=LATER,
    )  # fmt: skip
    close(session, actor=sponsor, risk_id=risk_id(session, 2), note="They stayed.", now=LATER)
    record_review(session, actor=sam, account="acme corp", held_on=None, notes="Went well.",
                  now=LATER)  # fmt: skip
    record_review(session, actor=sam, account="Acme Corp", held_on=None, notes="Went very well.",
                  now=LATER)  # fmt: skip
    session.commit()
    logged = summary(session, last)
    assert [(who, action, subject) for who, action, subject, _, _ in logged] == [
        ("U0SAM0001", "risk.added", "risk:Acme Corp SR-02"),
        ("U0SPN0001", "risk.reassessed", "risk:Acme Corp SR-02"),
        ("U0SPN0001", "risk.closed", "risk:Acme Corp SR-02"),
        ("U0SAM0001", "review.recorded", "account:Acme Corp"),
        ("U0SAM0001", "review.recorded", "account:Acme Corp"),
    ]
    added, reassessed, closed, first, second = logged
    assert added[3] is None and added[4] is not None and added[4]["probability"] == 4
    assert reassessed[3] == {"probability": 4, "mitigation": "", "state": "open",
                             "review_on": "2027-02-24"}  # fmt: skip
    assert reassessed[4] == {"probability": 2, "mitigation": "Succession plan.",
                             "state": "mitigating", "review_on": "2027-01-04"}  # fmt: skip
    assert closed[3] == {"state": "mitigating", "review_on": "2027-01-04", "note": None}
    assert closed[4] == {"state": "closed", "review_on": None, "note": "They stayed."}
    assert (first[3], first[4]) == (None, {"held_on": "2026-11-24", "notes": "Went well."})
    assert (second[3], second[4]) == (
        {"held_on": "2026-11-24", "notes": "Went well."},
        {"held_on": "2026-11-24", "notes": "Went very well."},
    )


def test_an_import_names_what_it_would_overwrite_of_changes_made_in_slack(
    session: Session,
) -> None:
    load_portfolio(session, _with_risk())
    reassess(
        session,
        actor=actor(session, "U0SPN0001"),
        risk_id=risk_id(session, 1),  # SR-01, from the file
        fields=RiskInput(probability=5, impact=5, description="Partner is acquired.",
                         mitigation="Change-of-control clauses."),
        state=RiskState.OPEN,
        now=LATER,
    )  # fmt: skip
    session.commit()
    unchanged = reimport(session, _with_risk(probability=5, impact=5, review_on="2027-02-24"))
    assert unchanged.overwrites == []  # the file says what Slack says: nothing overwritten
    plan = reimport(session, _with_risk(probability=2, impact=5))
    assert plan.overwrites == [
        "risk:Acme Corp SR-01: risk.changed (probability 5 -> 2) over risk.reassessed by "
        "U0SPN0001 on 2026-11-24 12:00 UTC"
    ]
    assert "overwrites  risk:Acme Corp SR-01" in "\n".join(plan.lines())
    # once the import has applied it, the file is the latest word: nothing to overwrite
    assert reimport(session, _with_risk(probability=3, impact=5)).overwrites == []


def test_recent_entries_come_newest_first_a_page_at_a_time(session: Session) -> None:
    for number in range(5):
        audit.record(session, actor="U0ADMIN01", action="kpi.changed",
                     subject=audit.kpi_subject(f"k{number}"), before={"weight": number},
                     after={"weight": number + 1}, at=NOW + timedelta(minutes=number))  # fmt: skip
    session.commit()
    first = audit.recent(session, limit=2)
    assert [entry.subject for entry in first.entries] == ["kpi:k4", "kpi:k3"]
    second = audit.recent(session, before_id=first.older, limit=2)
    assert [entry.subject for entry in second.entries] == ["kpi:k2", "kpi:k1"]
    last = audit.recent(session, before_id=second.older, limit=2)
    assert [entry.subject for entry in last.entries] == ["kpi:k0"] and last.older is None
    assert first.newer is None
    assert (second.newer, last.newer) == (second.entries[0].id, last.entries[0].id)


def test_newer_turns_back_a_page_at_a_time_to_the_newest(session: Session) -> None:
    for number in range(5):
        audit.record(session, actor=audit.IMPORT, action="kpi.added",
                     subject=audit.kpi_subject(f"k{number}"), before=None,
                     after={"weight": number}, at=NOW + timedelta(minutes=number))  # fmt: skip
    session.commit()
    last = audit.recent(session, before_id=audit.recent(session, limit=4).older, limit=2)
    assert [entry.subject for entry in last.entries] == ["kpi:k0"]
    back = audit.recent(session, after_id=last.newer, limit=2)
    assert [entry.subject for entry in back.entries] == ["kpi:k2", "kpi:k1"]
    assert (back.older, back.newer) == (back.entries[-1].id, back.entries[0].id)
    newest = audit.recent(session, after_id=back.newer, limit=2)
    assert [entry.subject for entry in newest.entries] == ["kpi:k4", "kpi:k3"]
    assert (newest.older, newest.newer) == (newest.entries[-1].id, None)


def test_forgetting_a_person_clears_their_text_and_name_from_the_log(session: Session) -> None:
    load_portfolio(session, _with_risk())
    sponsor = actor(session, "U0SPN0001")
    record_review(session, actor=sponsor, account="Acme Corp", held_on=None,
                  notes="Spoke with U0SAM0001 about renewals.", now=LATER)  # fmt: skip
    close(session, actor=sponsor, risk_id=risk_id(session, 1), note="Deal signed.", now=LATER)
    session.commit()
    result = forget_person(session, user="U0SPN0001", now=LATER)
    session.commit()
    assert result.audit_texts == 2
    assert "audit log: free text removed from 2 of the changes they made" in result.lines()
    theirs = entries(session, actor=result.pseudonym)
    assert [entry.action for entry in theirs] == ["review.recorded", "risk.closed"]
    assert theirs[0].after == {"held_on": "2026-11-24", "notes": ""}
    assert theirs[1].after is not None and theirs[1].after["note"] == ""
    everything = yaml.safe_dump([(e.actor, e.subject, e.before, e.after) for e in entries(session)])
    assert "U0SPN0001" not in everything  # the import's entries name them no more
    assert result.pseudonym in everything


def test_admin_changes_from_slack_are_recorded_with_the_admin(session: Session) -> None:
    """App Home's account and scorecard forms, the admins, and a rotation: each by the
    admin who made it, and what a later import would overwrite."""
    load_portfolio(session)
    last = entries(session)[-1].id
    admins = {ADMIN}
    acme = session.scalars(select(Account).where(Account.name == "Acme Corp")).one()
    form = AccountForm(name="Acme Corp", sam="U0SAM0001", sponsors=("U0SPN0001",),
                       channel="#acme", phase="selection", governance="direct",
                       cadence="weekly")  # fmt: skip
    save_account(session, actor=ADMIN, admins=admins, account_id=acme.id, form=form, now=LATER)
    kpi = KpiForm(key="joint_revenue_growth", label="Joint revenue growth", unit="%",
                  target="5", red="4", weight="20", lower_is_better=False)  # fmt: skip
    save_kpi(session, actor=ADMIN, admins=admins, editing="joint_revenue_growth", form=kpi,
             now=LATER)  # fmt: skip
    set_admins(session, actor=ADMIN, wanted=[ADMIN, "U0SAM0002"], seed=frozenset(admins),
               now=LATER)  # fmt: skip
    globex = session.scalars(select(Account).where(Account.name == "Globex")).one()
    outgoing, incoming = person(session, "U0SPN0002"), person(session, "U0SPN0003")
    rotate_sponsor(session, globex, outgoing, incoming, actor=ADMIN, at=LATER)
    session.commit()
    assert summary(session, last) == [
        ("U0ADMIN01", "account.changed", "account:Acme Corp",
         {"phase": "steady-state", "channel": "#acme-alliance"},
         {"phase": "selection", "channel": "#acme"}),
        ("U0ADMIN01", "kpi.changed", "kpi:joint_revenue_growth", {"weight": 30.0}, {"weight": 20}),
        ("U0ADMIN01", "admins.changed", "admins",
         {"admins": ["U0ADMIN01"]}, {"admins": ["U0ADMIN01", "U0SAM0002"]}),
        ("U0ADMIN01", "sponsorship.closed", "account:Globex",
         {"role": "sponsor", "person": "U0SPN0002"}, None),
        ("U0ADMIN01", "sponsorship.opened", "account:Globex",
         None, {"role": "sponsor", "person": "U0SPN0003"}),
    ]  # fmt: skip
    plan = reimport(session, portfolio())  # the file still says what it said before
    assert [line.split(" (")[0] for line in plan.overwrites] == [
        "kpi:joint_revenue_growth: kpi.changed",
        "account:Acme Corp: account.changed",
        "account:Globex: sponsorship.closed",
        "account:Globex: sponsorship.opened",
    ]
