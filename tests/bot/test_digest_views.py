"""The digest as people read it: golden digests of 3 and 12 accounts within one screen,
one line per account, status in words, and the thread when the portfolio is large."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.root import wire
from bot.views.scorecard.common import ScorecardAction
from bot.views.scorecard.digest import account_line
from engagement.scoring.digest import PART_ACCOUNTS, attention_rank
from engagement.scoring.messages import (
    AccountSummary,
    Digest,
    DigestContinuation,
    Highlight,
    KpiBrief,
    RoleBalance,
    StatusCounts,
)
from engagement.scoring.scorecard import Status, Trend
from sherpa_demo.report import block_lines
from tests.bot.blockkit import check
from tests.bot.test_scorecard_views import summary as longest

render = wire().slack.renderers.render
WEEK = date(2026, 11, 30)
KPIS = (  # the demo's scorecard
    ("stakeholder_engagement", "Stakeholder engagement"),
    ("internal_advocacy", "Internal advocacy"),
    ("role_balance", "Role balance"),
    ("response_rate", "Check-in response rate (%)"),
    ("hours_to_acknowledge", "Median hours to acknowledge an escalation"),
    ("joint_revenue_growth", "Joint revenue growth"),
    ("milestones", "Joint milestones on time"),
)
R, A, G, N = Status.RED, Status.AMBER, Status.GREEN, None


def account(
    n: int,
    name: str,
    score: int | None,
    before: int | None,
    statuses: str = "GGGGGGG",
    **flags: Any,
) -> AccountSummary:
    """`statuses`: each KPI's status, one letter each (R, A, G, or N for no data)."""
    status = None if score is None else (G if score >= 88 else R if score < 55 else A)
    trend = Trend.NEW
    if score is not None and before is not None:
        trend = Trend.FLAT if score == before else Trend.UP if score > before else Trend.DOWN
    letters = {"R": R, "A": A, "G": G, "N": N}
    return AccountSummary(
        account_id=n, name=name, score=score, status=status, trend=trend, score_before=before,
        kpis=[KpiBrief(key=key, label=label, status=letters[s], trend=Trend.FLAT)
              for (key, label), s in zip(KPIS, statuses, strict=True)],
        response_rate=100.0, open_escalations=flags.get("overdue", 0),
        overdue_escalations=flags.get("overdue", 0), advocacy_actions=2,
        falling=flags.get("falling", False), missed_checkins=flags.get("missed", False),
        high_risks=flags.get("high_risks", 0), review_overdue=flags.get("review_overdue", False),
        phase=flags.get("phase", ""), governance=flags.get("governance", ""),
        role_balance=RoleBalance(took_over=flags.get("took_over", 0), answered=4),
    )  # fmt: skip


def digest(accounts: list[AccountSummary], highlights: int = 3, **more: Any) -> Digest:
    attention = [a for a in accounts if a.attention]
    on_track = [a for a in accounts if not a.attention and a.status is not None]
    totals = StatusCounts(
        red=sum(a.status is R for a in accounts), amber=sum(a.status is A for a in accounts),
        green=sum(a.status is G for a in accounts), no_data=sum(a.status is N for a in accounts),
    )  # fmt: skip
    fields: dict[str, Any] = {
        "channel": "#sponsor-digest", "iso_week": "2026-W49", "week_start": WEEK,
        "preview": False, "total_accounts": len(accounts), "totals": totals,
        "attention_total": len(attention), "attention": attention,
        "on_track_total": len(on_track), "on_track": on_track,
        "no_data": [a for a in accounts if not a.attention and a.status is None],
        "no_data_total": sum(1 for a in accounts if not a.attention and a.status is None),
        "highlights": [
            Highlight(account="Stark Industries", user_id="U0SPN0005", name="Dana",
                      text="Unblocked legal review of the joint offering"),
            Highlight(account="Globex", user_id="U0SPN0002", name="Marco",
                      text="Forwarded the QBR deck to the regional leads"),
            Highlight(account="Wayne Enterprises", user_id=None, name="Bruce",
                      text="Introduced us to the CFO's office"),
        ][:highlights],
        "parts": 1,
    }  # fmt: skip
    return Digest(**{**fields, **more})


def read(payload: dict[str, Any]) -> str:
    """The message as the transcript shows it (what a person reads)."""
    return "\n".join(line for line in block_lines(check(payload)) if line)


def test_three_accounts_golden() -> None:
    text = read(render(digest([
        account(1, "Globex", 41, 57, "RRRGAGR", missed=True, overdue=1, phase="implementation"),
        account(2, "Acme Corp", 97, 93, "GGAGGGG", phase="steady-state"),
        account(3, "Hanami Logistics", 86, 100, "GAGGGAA", falling=True, phase="pre-rfp"),
    ])))  # fmt: skip
    assert text == (
        "## Sponsor digest — week of 30 Nov\n"
        "*3 accounts* · 🔴 1 red · 🟡 1 amber · 🟢 1 green\n"
        "*Needs attention (2)* — ranked red, then amber, then the steepest fall, then overdue "
        "escalations and missed check-ins, then high risks, overdue reviews and role balance\n"
        "🔴 *Globex* · implementation · Red *41* ▼ from 57 · red: engagement, advocacy, "
        "role balance +1 more · amber: time to acknowledge · 1 escalation overdue · "
        "check-ins missed\n"
        "🟡 *Hanami Logistics* · pre-RFP · Amber *86* ▼ from 100 · amber: advocacy, "
        "joint revenue growth, joint milestones on time\n"
        "*On track (1)*\n"
        "🟢 *Acme Corp* · steady state · Green *97* ▲ from 93 · amber: role balance\n"
        "📣 *Stark Industries* — @U0SPN0005: Unblocked legal review of the joint offering\n"
        "📣 *Globex* — @U0SPN0002: Forwarded the QBR deck to the regional leads\n"
        "📣 *Wayne Enterprises* — Bruce: Introduced us to the CFO's office\n"
        "[Open an account's card ▾]\n"
        "▲ ▼ vs 4 weeks earlier · 📈 trend chart in the thread"
    )
    assert len(text.splitlines()) <= 12 and len(text) <= 1000


def test_a_green_account_with_a_high_risk_or_an_overdue_review_needs_attention() -> None:
    """Seed 002: the strategic risks and the review cadence rank after everything else."""
    accounts = [
        account(1, "Acme Corp", 97, 93, review_overdue=True),
        account(2, "Globex", 95, 95, high_risks=2),
        account(3, "Initech", 99, 99),
    ]
    lines = read(render(digest(sorted(accounts, key=attention_rank)))).splitlines()
    assert lines[2].startswith("*Needs attention (2)*")
    assert lines[3:5] == [
        "🟢 *Globex* · Green *95* ▬ · 2 high risks",
        "🟢 *Acme Corp* · Green *97* ▲ from 93 · review overdue",
    ]


def twelve() -> list[AccountSummary]:
    """The demo's twelve accounts at their worst week, each labelled by its phase: five red,
    one falling, two whose sponsor took over (boss mode), four on track."""
    return [
        account(1, "Globex", 38, 55, "RRRRARR", missed=True, phase="implementation"),
        account(2, "Sakura Finance", 41, 57, "RRRGNRR", phase="steady-state"),
        account(3, "Umbrella Health", 41, 45, "RRRGNRR", overdue=1, phase="steady-state"),
        account(4, "Wayne Enterprises", 41, 61, "RRRGNRR", overdue=2, phase="pre-rfp"),
        account(5, "Soylent Foods", 45, 62, "RARANRR", phase="selection"),
        account(6, "Hanami Logistics", 88, 100, "GAGGGAA", falling=True, phase="implementation"),
        account(7, "Acme Corp", 97, 93, "GGAGNGG", phase="steady-state"),
        account(8, "Cyberdyne Systems", 95, 100, "AGGGGGG", phase="steady-state"),
        account(9, "Initech", 93, 97, "GAAGNGG", took_over=4, phase="selection"),
        account(10, "Nordlicht Energie", 100, 100, phase="steady-state"),
        account(11, "Stark Industries", 100, 100, phase="implementation"),
        account(12, "Tyrell Robotics", 90, 100, "GGGGNAA", took_over=3, phase="implementation"),
    ]


def test_twelve_accounts_fit_one_laptop_screen() -> None:
    text = read(render(digest(twelve())))
    lines = text.splitlines()
    assert len(lines) <= 25 and len(text) <= 3000, (len(lines), len(text))
    ranked = [line.split("*")[1] for line in lines if line.startswith("🔴") or "▼ from" in line]
    assert ranked[:6] == ["Globex", "Sakura Finance", "Umbrella Health", "Wayne Enterprises",
                          "Soylent Foods", "Hanami Logistics"]  # fmt: skip
    dots = ("🔴", "🟡", "🟢", "⚪")
    assert sum(1 for line in lines if line.startswith(dots)) == 12  # one line each
    assert "Median hours" not in text and "Stakeholder engagement" not in text  # brief names
    assert "Nordlicht Energie* · steady state · Green *100* ▬" in text  # nothing off target
    assert (  # boss mode needs attention, though green
        "🟢 *Initech* · selection · Green *93* ▼ from 97 · amber: advocacy, role balance · "
        "sponsor took over (4 of 4 weeks)"
    ) in lines
    assert lines.index("*On track (4)*") > max(
        index for index, line in enumerate(lines) if "sponsor took over" in line
    )


def test_status_is_a_word_as_well_as_a_colour() -> None:
    lines = [account_line(a) for a in twelve()]
    assert all(any(f" · {word}" in line for word in ("Red", "Amber", "Green")) for line in lines)
    assert (
        account_line(account(13, "New Co", None, None, "NNNNNNN"))
        == ":white_circle: *New Co* · No data"
    )


def test_many_accounts_on_track_are_one_line() -> None:
    accounts = [account(n, f"Account {n:02d}", 95, 95) for n in range(30)]
    message = digest(accounts, on_track=[], parts=2)
    text = read(render(message))
    assert "🟢 *30 accounts on track* (green, no material fall, nothing overdue)" in text
    assert "Account 07" not in text
    assert len(text.splitlines()) <= 10


def test_the_longest_lines_still_fit_and_escape() -> None:
    accounts = [longest(n, attention=True) for n in range(10)]
    payload = render(digest(accounts, attention_total=500, parts=7))
    blocks = check(payload)
    text = str(blocks)
    sections = " ".join(b["text"]["text"] for b in blocks if b["type"] == "section")
    assert "&lt;Partners&gt;" in sections and "<Partners>" not in sections
    assert "…and 490 more in the thread, in the same order" in text
    assert "6 more messages in the thread" in text
    (menu,) = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert menu["action_id"] == ScorecardAction.DETAILS
    assert [o["value"] for o in menu["options"]] == [str(n) for n in range(10)]


def test_a_continuation_lists_a_whole_part() -> None:
    accounts = [longest(n, attention=n < 30) for n in range(PART_ACCOUNTS)]
    message = DigestContinuation(
        channel="#d", iso_week="2026-W49", week_start=WEEK, part=2, parts=3,
        attention=accounts[:30], on_track=accounts[30:], no_data=[],
    )  # fmt: skip
    payload = render(message)
    text = read(payload)
    assert text.startswith("Sponsor digest — week of 30 Nov, part 2 of 3")
    assert sum(1 for line in text.splitlines() if line.startswith(("🔴", "🟢"))) == PART_ACCOUNTS
    (menu,) = [e for b in payload["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert len(menu["options"]) == PART_ACCOUNTS
