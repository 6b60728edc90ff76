"""The audit log of changes made in Slack, through the signed endpoint and the emulator;
the portfolio exported with them re-imports with no change, and an import that differs
names what it would overwrite."""

from __future__ import annotations

import yaml

from engagement import audit
from engagement.clock import utcnow
from engagement.portfolio.exporter import export_portfolio
from engagement.portfolio.importer import import_portfolio
from engagement.portfolio.loader import parse_portfolio
from sherpa_demo.stack import Stack
from tests.e2e.test_risks_and_reviews import OUTSIDER, SAM, SPONSOR, slash


def test_changes_from_slack_are_audited_exported_and_guarded_from_an_import(live: Stack) -> None:
    with live.runtime.sessions() as session:
        imported = audit.recent(session, limit=1000).entries
    assert imported and {entry.actor for entry in imported} == {"import"}

    slash(live, SAM, "risk Acme Corp 4 4 Their CIO leaves")
    slash(live, SPONSOR, "review acme corp Renewal roadmap agreed")
    [refused] = slash(live, OUTSIDER, "risk Acme Corp 3 3 Outage")
    assert refused["text"].startswith("No account named 'Acme Corp'.")

    with live.runtime.sessions() as session:
        page = audit.recent(session, limit=2)
        review, risk = page.entries
        assert (review.actor, review.action, review.subject) == (
            SPONSOR,
            "review.recorded",
            "account:Acme Corp",
        )
        assert review.after is not None and review.after["notes"] == "Renewal roadmap agreed"
        assert (risk.actor, risk.action, risk.subject) == (
            SAM,
            "risk.added",
            "risk:Acme Corp SR-01",
        )
        assert risk.before is None and risk.after is not None
        assert (risk.after["probability"], risk.after["impact"]) == (4, 4)
        assert risk.after["description"] == "Their CIO leaves"
        older = audit.recent(session, before_id=page.older, limit=1000).entries
        assert [entry.id for entry in older] == [entry.id for entry in imported]

        exported = export_portfolio(session).text
        document = yaml.safe_load(exported)
        [acme] = [account for account in document["accounts"] if account["name"] == "Acme Corp"]
        assert [(row["id"], row["probability"]) for row in acme["risks"]] == [("SR-01", 4)]

        same = import_portfolio(session, parse_portfolio(exported), now=utcnow())
        assert (same.changes, same.overwrites) == (0, [])
        session.rollback()

        acme["risks"][0]["probability"] = 2
        plan = import_portfolio(session, parse_portfolio(yaml.safe_dump(document)), now=utcnow())
        session.rollback()
    assert len(plan.overwrites) == 1
    assert plan.overwrites[0].startswith(
        f"risk:Acme Corp SR-01: risk.changed (probability 4 -> 2) over risk.added by {SAM} on "
    )
