"""The *Audit log* in the Admin view, end to end: an admin's change from App Home shown as
theirs with before → after, 120 entries paged through with *Older* and *Newer* (each page
passing the Block Kit checks, free text cut short and escaped), and a non-admin's forged
clicks refused with one line, showing and writing nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from blockkit.check import problems
from engagement import audit
from engagement.models import Account, AuditEntry
from sherpa_demo.stack import Stack
from tests.e2e.test_admin import SAM, click, dms, open_home, submit, top_modal
from tests.factories import ADMIN

HOSTILE = "<!channel> *urgent* & <https://evil.example|click here> " + "x" * 400
START = datetime(2026, 11, 2, 9, tzinfo=UTC)


def admin_view(stack: Stack) -> dict[str, Any]:
    click(stack, ADMIN, "admin_view", open_home(stack, ADMIN))
    return dict(stack.emulator.home(ADMIN) or {})


def entries(modal: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in modal["blocks"] if str(b.get("block_id", "")).startswith("audit:")]


def entry_ids(modal: dict[str, Any]) -> list[int]:
    return [int(b["block_id"].removeprefix("audit:")) for b in entries(modal)]


def count_entries(stack: Stack) -> int:
    with stack.runtime.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def record(stack: Stack, number: int) -> None:
    """`number` entries of the kinds of change Sherpa records, with long and hostile text."""
    rows = []
    for n in range(number):
        at, name = START + timedelta(hours=n), f"Account {n:03d} " + "y" * 190
        rows += [
            audit.entry(ADMIN, "account.added", audit.account_subject(name), None,
                        {"name": name, "phase": "selection", "channel": "#a" * 40}, at),
            audit.entry(SAM, "review.recorded", audit.account_subject(name),
                        {"held_on": "2026-11-01", "notes": "old"},
                        {"held_on": "2026-11-02", "notes": HOSTILE}, at),
            audit.entry(ADMIN, "admins.changed", audit.ADMINS, {"admins": [ADMIN]},
                        {"admins": [f"U0ADM{k:04d}" for k in range(40)]}, at),
        ][n % 3 : n % 3 + 1]  # fmt: skip
    with stack.runtime.sessions() as session:
        audit.record_all(session, rows)
        session.commit()


def test_an_admin_sees_their_change_from_app_home_with_before_and_after(live: Stack) -> None:
    view = admin_view(live)
    with live.runtime.sessions() as session:
        acme = session.scalars(select(Account).where(Account.name == "Acme Corp")).one()
        acme_id, phase = acme.id, acme.phase
    channel = live.emulator.workspace.resolve("#acme-alliance", open_dm=False)
    click(live, ADMIN, "admin_edit_account", view, value=str(acme_id))
    submit(live, ADMIN, top_modal(live, ADMIN), {"phase": "selection", "channel": channel})

    click(live, ADMIN, "admin_audit", view)
    modal = top_modal(live, ADMIN)
    assert modal["title"]["text"] == "Audit log" and problems(modal, "modal") == []
    when, line = entries(modal)[0]["text"]["text"].split("\n")
    assert line == (
        f"<@{ADMIN}> changed *Acme Corp*: phase {phase} → selection; "
        f"channel #acme-alliance → <#{channel}>"
    )
    assert when.startswith("<!date^") and when.endswith(" UTC>")  # the reader's zone, a fallback
    imported = entries(modal)[-1]["text"]["text"]
    assert "\nThe portfolio file " in imported  # what `sherpa import` did, in words
    ids = entry_ids(modal)
    assert ids == sorted(ids, reverse=True)


def test_a_hundred_and_twenty_entries_page_older_and_newer_within_slacks_limits(
    live: Stack,
) -> None:
    record(live, 120)
    total = count_entries(live)
    assert total >= 120

    click(live, ADMIN, "admin_audit", admin_view(live))
    pages = [top_modal(live, ADMIN)]
    while older := [e for b in pages[-1]["blocks"] if b["type"] == "actions"
                    for e in b["elements"] if e["action_id"] == "admin_audit_older"]:  # fmt: skip
        click(live, ADMIN, "admin_audit_older", pages[-1], value=older[0]["value"])
        pages.append(top_modal(live, ADMIN))
    seen = [entry for page in pages for entry in entry_ids(page)]
    assert len(seen) == total and seen == sorted(set(seen), reverse=True)
    assert len(pages) == -(-total // 20) >= 6
    for page in pages:
        assert problems(page, "modal") == [] and len(page["blocks"]) <= 22
        text = str(page)
        assert "<!channel>" not in text and "<https://evil" not in text
    newest = "\n".join(b["text"]["text"] for b in entries(pages[0]))
    assert "“&lt;!channel&gt; *urgent* &amp; &lt;https://evil.example|click here&gt; xx" in newest
    assert "x…”" in newest and " and 28 more" in newest  # free text and lists cut short
    assert f"<@{SAM}> recorded the review of *Account 118 yyy" in newest

    click(live, ADMIN, "admin_audit_newer", pages[-1], value=_newer(pages[-1]))
    assert entry_ids(top_modal(live, ADMIN)) == entry_ids(pages[-2])
    while value := _newer(top_modal(live, ADMIN)):
        click(live, ADMIN, "admin_audit_newer", top_modal(live, ADMIN), value=value)
    assert entry_ids(top_modal(live, ADMIN)) == entry_ids(pages[0])
    assert len(live.emulator.open_views(ADMIN)) == 1  # turned in place, never stacked


def _newer(modal: dict[str, Any]) -> str | None:
    found = [e["value"] for b in modal["blocks"] if b["type"] == "actions"
             for e in b["elements"] if e["action_id"] == "admin_audit_newer"]  # fmt: skip
    return found[0] if found else None


def test_a_non_admins_forged_audit_log_clicks_are_refused_and_reveal_nothing(
    live: Stack,
) -> None:
    record(live, 30)
    view = admin_view(live)
    click(live, ADMIN, "admin_audit", view)
    click(live, ADMIN, "admin_audit_older", top_modal(live, ADMIN))
    modal = top_modal(live, ADMIN)  # the second page: both *Newer* and *Older*
    before = count_entries(live)

    click(live, SAM, "admin_audit", view)  # signed clicks on buttons they never had
    click(live, SAM, "admin_audit_older", modal)
    click(live, SAM, "admin_audit_newer", modal)

    assert count_entries(live) == before
    assert dms(live, SAM) == ["Only Sherpa's admins can do that."] * 3
    assert live.emulator.open_views(SAM) == []
    assert top_modal(live, ADMIN) == modal  # the admin's modal was not turned by them
