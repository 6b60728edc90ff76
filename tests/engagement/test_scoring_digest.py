"""The weekly digest: planned at the channel's local time, posted exactly once, thread, chart."""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from bot.root import wire
from engagement.access import actor_for
from engagement.db import transaction
from engagement.duework.engine import Engine
from engagement.models import (
    Account,
    AdvocacyAction,
    DigestRun,
    DigestState,
    DueWork,
    KpiActual,
    KpiDefinition,
    Person,
    WorkState,
)
from engagement.notify import Posted
from engagement.scoring import chart as chart_module
from engagement.scoring.cards import MATERIAL_FALL, falling
from engagement.scoring.digest import attention_rank, compose_channel, preview_digest
from engagement.scoring.evaluate import WeekScore
from engagement.scoring.kpis import record_kpi
from engagement.scoring.messages import AccountSummary, Digest, DigestContinuation
from engagement.scoring.scorecard import Score, Status, Trend
from sherpa_demo.report import block_lines
from tests.bot.blockkit import check
from tests.factories import account_id, add_checkin, load_portfolio, person_id, portfolio
from tests.fakes import FakeNotifier

FEATURES = wire()
registry, render = FEATURES.due_work, FEATURES.slack.renderers.render
ROOT = Path(__file__).resolve().parents[2]
FRIDAY_DUE = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)  # Fri 16:00 in New York, week 48
MONDAY = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def many_accounts(count: int) -> dict[str, Any]:
    accounts = [
        {"name": f"Account {n:03d}", "sam": "U0SAM0001", "sponsors": [f"U0SPN{n:04d}"],
         "channel": f"#account-{n:03d}"}
        for n in range(count)
    ]  # fmt: skip
    return portfolio(accounts=accounts)


def with_a_figure(session: Session, account: str = "Globex", sam: str = "U0SAM0002") -> None:
    """One KPI actual this week: a week with any data gets its digest."""
    actor = actor_for(session, sam, seed=())
    record_kpi(session, actor=actor, account_name=account, key="joint_revenue_growth",
               value="6", now=FRIDAY_DUE - timedelta(days=1))  # fmt: skip
    session.commit()


def digests(notifier: FakeNotifier) -> list[tuple[str, Any, str | None]]:
    return [post for post in notifier.posts if isinstance(post[1], Digest | DigestContinuation)]


def png_size(content: bytes) -> tuple[int, int]:
    assert content[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", content[16:24])
    return width, height


def test_planned_at_the_portfolio_local_weekday_and_time(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        load_portfolio(session)
    notifier = FakeNotifier()
    Engine(sessions, registry, notifier, worker="a").run_due(MONDAY)
    with sessions() as session:
        row = session.scalars(select(DueWork).where(DueWork.kind == "digest.post")).one()
        assert row.key == "digest.post:#sponsor-digest:2026-W48"
        assert row.due_at == FRIDAY_DUE
        assert row.state == WorkState.DUE
    assert digests(notifier) == []
    Engine(sessions, registry, notifier, worker="a").run_due(MONDAY + timedelta(hours=1))
    with sessions() as session:  # planning again creates nothing new
        count = select(func.count()).select_from(DueWork).where(DueWork.kind == "digest.post")
        assert session.scalar(count) == 1


def test_posted_once_with_two_ticks_and_two_engines(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        load_portfolio(session)
        with_a_figure(session)
    notifier = FakeNotifier()
    first = Engine(sessions, registry, notifier, worker="one")
    second = Engine(sessions, registry, notifier, worker="two")
    first.run_due(FRIDAY_DUE)
    second.run_due(FRIDAY_DUE)
    first.run_due(FRIDAY_DUE + timedelta(minutes=1))
    second.run_due(FRIDAY_DUE + timedelta(hours=2))
    (head,) = digests(notifier)
    assert head[0] == "#sponsor-digest" and head[2] is None
    assert head[1].total_accounts == 3
    (upload,) = notifier.uploads
    assert upload[0] == Posted("#sponsor-digest", "1.000100")  # in the digest's thread
    assert png_size(upload[2]) == (chart_module.WIDTH, chart_module.HEIGHT)
    with sessions() as session:
        run = session.scalars(select(DigestRun)).one()
        assert (run.iso_week, run.state, run.message_ts) == ("2026-W48", DigestState.POSTED,
                                                            "1.000100")  # fmt: skip


def test_sixty_accounts_continue_in_the_thread(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        load_portfolio(session, many_accounts(60))
        with_a_figure(session, "Account 000", "U0SAM0001")
    notifier = FakeNotifier()
    Engine(sessions, registry, notifier).run_due(FRIDAY_DUE)
    posts = digests(notifier)
    assert [type(message) for _, message, _ in posts] == [Digest, DigestContinuation]
    head, rest = posts[0][1], posts[1][1]
    assert posts[1][2] == "1.000100"  # replies in the head's thread
    names = [s.name for s in [*head.attention, *head.on_track, *head.no_data,
                              *rest.attention, *rest.on_track, *rest.no_data]]  # fmt: skip
    assert sorted(names) == [f"Account {n:03d}" for n in range(60)]  # none lost, none twice
    assert head.parts == 2 and rest.part == 2
    for _, message, _ in posts:
        check(render(message))  # valid Block Kit within Slack's limits
    assert head.no_data_total == 59 and len(rest.no_data) == 59
    assert "59 accounts without data yet" in str(render(head))
    (upload,) = notifier.uploads
    assert upload[0].ts == "1.000100"


def test_a_failed_thread_message_is_retried_without_reposting_the_digest(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        load_portfolio(session, many_accounts(60))
        with_a_figure(session, "Account 000", "U0SAM0001")
    notifier = FakeNotifier()
    engine = Engine(sessions, registry, notifier)
    original = notifier.post
    calls = {"n": 0}

    def flaky(to: str, message: Any, *, thread_ts: str | None = None) -> Posted:
        if isinstance(message, DigestContinuation) and calls["n"] == 0:
            calls["n"] += 1
            raise ConnectionError("slack is down")
        return original(to, message, thread_ts=thread_ts)

    notifier.post = flaky  # type: ignore[method-assign]
    engine.run_due(FRIDAY_DUE)
    assert [type(m) for _, m, _ in digests(notifier)] == [Digest]
    assert notifier.uploads == []  # the chart waits for the thread's last message
    engine.run_due(FRIDAY_DUE + timedelta(minutes=5))
    assert [type(m) for _, m, _ in digests(notifier)] == [Digest, DigestContinuation]
    assert len(notifier.uploads) == 1


def test_accounts_needing_attention_come_first(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        load_portfolio(session)
        sam = actor_for(session, "U0SAM0002", seed=())
        record_kpi(session, actor=sam, account_name="Globex", key="joint_revenue_growth",
                   value="1", now=FRIDAY_DUE - timedelta(days=1))  # fmt: skip
        sponsor = {"account": "Acme Corp", "user": "U0SPN0001", "role": "sponsor"}
        add_checkin(session, **sponsor, period=date(2026, 11, 16), answers=[(5, 5, 5, 5, 5)])
        session.commit()
    notifier = FakeNotifier()
    Engine(sessions, registry, notifier).run_due(FRIDAY_DUE)
    (head,) = [m for _, m, _ in digests(notifier)]
    assert [s.name for s in head.attention] == ["Globex"]
    globex = head.attention[0]
    assert globex.status is Status.RED and not globex.falling and not globex.missed_checkins
    assert [k.key for k in globex.kpis if k.status is Status.RED] == ["joint_revenue_growth"]
    assert [s.name for s in head.on_track] == ["Acme Corp"]
    assert [s.name for s in head.no_data] == ["Hanami Logistics"]
    assert head.totals.red == 1 and head.totals.green == 1 and head.totals.no_data == 1


def test_preview_only_covers_the_callers_accounts(session: Session) -> None:
    load_portfolio(session)
    sam = actor_for(session, "U0SAM0002", seed=())
    pages = preview_digest(session, actor=sam, now=FRIDAY_DUE)
    assert pages.head.preview and pages.head.total_accounts == 1
    assert [s.name for s in pages.head.no_data + pages.head.attention] == ["Globex"]
    assert pages.rest == []
    assert session.scalar(select(func.count()).select_from(DigestRun)) == 0


def test_the_chart_is_a_readable_png() -> None:
    chart = chart_module.TrendChart(
        title="Sponsor scorecards, last 12 weeks — #sponsor-digest",
        weeks=[f"2026-W{n}" for n in range(37, 49)],
        green=[5] * 12, amber=[3] * 12, red=[1] * 12, no_data=[0] * 11 + [2],
        mean_score=[80.0] * 11 + [None],
    )  # fmt: skip
    content = chart_module.render_png(chart)
    assert png_size(content) == (1200, 700)
    assert len(content) > 10_000
    assert io.BytesIO(content).read(4) == b"\x89PNG"


def test_the_chart_has_alt_text_and_a_legend_of_only_what_it_shows() -> None:
    chart = chart_module.TrendChart(
        title="Sponsor scorecards, last 12 weeks — #sponsor-digest",
        weeks=[f"2026-W{n}" for n in range(37, 49)],
        green=[0] * 6 + [7] * 6, amber=[0] * 12, red=[0] * 6 + [5] * 6, no_data=[12] * 6 + [0] * 6,
        mean_score=[None] * 6 + [70.0, 71.5, 72.0, 72.0, 74.0, 75.25],
    )  # fmt: skip
    legend = chart_module.draw(chart).legends[0]
    drawn = ["Green accounts", "Red accounts", "No data accounts", "Mean score (right axis)"]
    assert [text.get_text() for text in legend.get_texts()] == drawn  # no amber in any week
    assert chart_module.alt_text(chart) == (
        "Sponsor scorecards, last 12 weeks — #sponsor-digest. Bars: the 12 accounts by status, "
        "week by week, from the week of 7 Sep 2026 to the week of 23 Nov 2026. "
        "Last week: 5 red, 7 green. Week of 19 Oct 2026, the first with figures: 5 red, 7 green. "
        "Line: the mean score out of 100, from 70 to 75.25."
    )
    nothing = [0] * 12
    calm = chart.model_copy(update={"red": nothing, "no_data": nothing, "mean_score": [None] * 12})
    labels = [t.get_text() for t in chart_module.draw(calm).legends[0].get_texts()]
    assert labels == ["Green accounts"]  # no line drawn, none in the legend
    assert chart_module.alt_text(calm).endswith("Last week: 7 green. Week of 19 Oct 2026, the "
                                                "first with figures: 7 green.")  # fmt: skip
    first = chart.model_copy(update={"mean_score": [None] * 11 + [80.0]})
    assert chart_module.alt_text(first).endswith("Line: the mean score, 80 out of 100.")
    long = chart.model_copy(update={"title": "x" * 2000})
    assert len(chart_module.alt_text(long)) == chart_module.ALT_TEXT  # Slack's limit


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_processes_post_the_digest_once(
    sessions: sessionmaker[Session], database_url: str, tmp_path: Path
) -> None:
    with sessions() as session:
        load_portfolio(session, many_accounts(60))
        with_a_figure(session, "Account 000", "U0SAM0001")
    with transaction(sessions):
        pass
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.engagement.digest_worker", database_url,
             str(tmp_path / f"w{n}.txt"), FRIDAY_DUE.isoformat(), "2"],
            cwd=ROOT, env=env,
        )
        for n in range(2)
    ]  # fmt: skip
    assert [worker.wait(timeout=120) for worker in workers] == [0, 0]
    lines = [line for n in range(2) for line in (tmp_path / f"w{n}.txt").read_text().splitlines()]
    kinds = Counter(line.split(" ")[0] for line in lines)
    assert kinds["Digest"] == 1
    assert kinds["DigestContinuation"] == 1
    assert kinds["upload"] == 1


def test_no_digest_for_a_week_without_any_data(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        load_portfolio(session)
    notifier = FakeNotifier()
    Engine(sessions, registry, notifier).run_due(FRIDAY_DUE)
    assert digests(notifier) == [] and notifier.uploads == []
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(DigestRun)) == 0


def ranked(name: str, score: int, before: int, status: Status, **flags: Any) -> AccountSummary:
    return AccountSummary(
        account_id=score, name=name, score=score, status=status, trend=Trend.DOWN,
        score_before=before, kpis=[], response_rate=None, open_escalations=0,
        overdue_escalations=flags.get("overdue", 0), advocacy_actions=0,
        falling=flags.get("falling", False), missed_checkins=flags.get("missed", False),
    )  # fmt: skip


def test_attention_is_ranked_by_one_rule() -> None:
    accounts = [
        ranked("missed", 96, 96, Status.GREEN, missed=True),
        ranked("overdue", 97, 97, Status.GREEN, overdue=2),
        ranked("slight fall", 89, 100, Status.GREEN, falling=True),
        ranked("steep fall", 88, 100, Status.GREEN, falling=True),
        ranked("amber", 70, 71, Status.AMBER),
        ranked("red b", 50, 40, Status.RED),
        ranked("red a", 40, 90, Status.RED, falling=True),
        ranked("on track", 99, 100, Status.GREEN),
    ]
    attention = sorted((a for a in accounts if a.attention), key=attention_rank)
    assert [a.name for a in attention] == [
        "red a", "red b", "amber", "steep fall", "slight fall", "overdue", "missed",
    ]  # fmt: skip


def week(score: int, status: Status) -> WeekScore:
    return WeekScore(0, (), (), Score(score, status, None, False, ()))


def test_a_fall_is_material_when_it_loses_a_status_or_exceeds_the_amount() -> None:
    assert not falling(95, Status.GREEN, week(100, Status.GREEN))  # jitter inside green
    assert not falling(100 - MATERIAL_FALL, Status.GREEN, week(100, Status.GREEN))
    assert falling(99 - MATERIAL_FALL, Status.GREEN, week(100, Status.GREEN))
    assert falling(86, Status.AMBER, week(90, Status.GREEN))  # a status lost
    assert not falling(80, Status.AMBER, week(75, Status.AMBER))
    assert not falling(80, Status.AMBER, None)


def with_revenue(session: Session, count: int) -> None:
    """A revenue actual for each account: red, amber or green in turn."""
    kpi = session.scalars(select(KpiDefinition).where(KpiDefinition.key == "joint_revenue_growth"))
    kpi_id, person = kpi.one().id, session.scalars(select(Person.id)).first()
    accounts = session.scalars(select(Account.id).order_by(Account.name)).all()
    session.execute(insert(KpiActual), [
        {"account_id": account, "kpi_id": kpi_id, "value": (1.0, 4.5, 6.0)[n % 3],
         "recorded_at": FRIDAY_DUE - timedelta(days=1), "recorded_by": person}
        for n, account in enumerate(accounts[:count])
    ])  # fmt: skip
    session.commit()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_two_thousand_accounts_rank_the_top_and_thread_the_rest(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        load_portfolio(session, many_accounts(2000))
        with_revenue(session, 1990)  # and ten without data
        pages = compose_channel(session, channel="#sponsor-digest", iso_week="2026-W48",
                                now=FRIDAY_DUE)  # fmt: skip
    head = pages.head
    assert (head.totals.red, head.totals.amber, head.totals.green) == (664, 663, 663)
    assert head.attention_total == 1327 and [a.status for a in head.attention] == [Status.RED] * 10
    text = "\n".join(line for line in block_lines(check(render(head))) if line)
    assert len(text.splitlines()) <= 25 and len(text) <= 3000, (len(text.splitlines()), len(text))
    assert "663 accounts on track" in text and "…and 1317 more in the thread" in text
    listed = [a.name for a in head.attention + head.no_data]
    for part in pages.rest:
        check(render(part))
        listed += [a.name for a in part.attention + part.on_track + part.no_data]
    assert sorted(listed) == sorted(f"Account {n:03d}" for n in range(2000))
    thread = [a for part in pages.rest for a in part.attention]
    assert thread == sorted(thread, key=attention_rank)  # the ranking goes on in the thread


def test_a_posted_digest_is_updated_in_place_until_the_next_one(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        load_portfolio(session)
        with_a_figure(session)  # Globex green
    notifier = FakeNotifier()
    engine = Engine(sessions, registry, notifier)
    engine.run_due(FRIDAY_DUE)
    (head,) = [m for _, m, _ in digests(notifier)]
    assert head.totals.red == 0
    saturday = FRIDAY_DUE + timedelta(days=1)  # still week 48 in New York
    with sessions() as session:
        sam = actor_for(session, "U0SAM0002", seed=())
        record_kpi(session, actor=sam, account_name="Globex", key="joint_revenue_growth",
                   value="1", now=saturday)  # fmt: skip
        record_kpi(session, actor=sam, account_name="Globex", key="joint_revenue_growth",
                   value="0.5", now=saturday)  # fmt: skip
        session.commit()
    engine.run_due(saturday + timedelta(minutes=2))
    [(where, updated)] = notifier.updates  # two changes in a minute: one update
    assert where == Posted("#sponsor-digest", "1.000100")
    assert isinstance(updated, Digest) and updated.iso_week == "2026-W48"
    assert updated.totals.red == 1 and [s.name for s in updated.attention] == ["Globex"]
    check(render(updated))
    # the next week's digest is posted: a change no longer touches the old one
    engine.run_due(FRIDAY_DUE + timedelta(weeks=1))
    with sessions() as session:
        sam = actor_for(session, "U0SAM0002", seed=())
        record_kpi(session, actor=sam, account_name="Globex", key="joint_revenue_growth",
                   value="7", now=FRIDAY_DUE + timedelta(weeks=1, hours=1))  # fmt: skip
        session.commit()
    engine.run_due(FRIDAY_DUE + timedelta(weeks=1, hours=1, minutes=2))
    assert [w.ts for w, m in notifier.updates if isinstance(m, Digest)] == [
        "1.000100",
        notifier.updates[-1][0].ts,
    ]
    assert notifier.updates[-1][1].iso_week == "2026-W49"  # type: ignore[attr-defined]


def test_a_refreshed_digest_updates_its_thread_and_replaces_its_chart(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        load_portfolio(session, many_accounts(60))
        with_a_figure(session, "Account 000", "U0SAM0001")  # 59 without data: in the thread
    notifier = FakeNotifier()
    engine = Engine(sessions, registry, notifier)
    engine.run_due(FRIDAY_DUE)
    [_, (_, part, thread_ts)] = digests(notifier)  # the page replies in the top message's thread
    assert isinstance(part, DigestContinuation) and len(part.no_data) == 59
    with sessions() as session:
        run = session.scalars(select(DigestRun)).one()
        [part_ts] = run.part_ts.values()  # where the thread's page went
        assert run.part_ts == {"2": part_ts} and run.chart_file == "F00000001"
    saturday = FRIDAY_DUE + timedelta(days=1)
    with sessions() as session:  # a late figure for an account listed in the thread
        sam = actor_for(session, "U0SAM0001", seed=())
        record_kpi(session, actor=sam, account_name="Account 001", key="joint_revenue_growth",
                   value="1", now=saturday)  # fmt: skip
        session.commit()
    engine.run_due(saturday + timedelta(minutes=2))
    updated = {where.ts: message for where, message in notifier.updates}
    top, rest = updated[thread_ts], updated[part_ts]  # both messages, in place
    assert isinstance(top, Digest) and isinstance(rest, DigestContinuation)
    assert [s.name for s in top.attention] == ["Account 001"] and top.totals.red == 1
    assert "Account 001" not in [s.name for s in rest.no_data] and len(rest.no_data) == 58
    check(render(rest))
    assert len(digests(notifier)) == 2  # nothing posted anew
    assert notifier.deleted == ["F00000001"]  # the old chart went, a new one came
    [_, (where, _, _)] = notifier.uploads
    assert where == Posted("#sponsor-digest", thread_ts)
    with sessions() as session:
        run = session.scalars(select(DigestRun)).one()
        assert run.chart_file == "F00000002" and run.part_ts == {"2": part_ts}
        chart = chart_module.TrendChart.model_validate(run.chart)
    totals = top.totals  # the chart's last week says what the top message says
    assert (chart.red[-1], chart.amber[-1], chart.green[-1], chart.no_data[-1]) == (
        totals.red, totals.amber, totals.green, totals.no_data,
    )  # fmt: skip
    with sessions() as session:  # the same figure again: the chart is still true
        sam = actor_for(session, "U0SAM0001", seed=())
        record_kpi(session, actor=sam, account_name="Account 001", key="joint_revenue_growth",
                   value="1", now=saturday + timedelta(hours=1))  # fmt: skip
        session.commit()
    engine.run_due(saturday + timedelta(hours=1, minutes=2))
    assert len(notifier.uploads) == 2 and len(notifier.deleted) == 1


def test_a_digest_posted_before_its_thread_was_recorded_keeps_its_thread(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        load_portfolio(session, many_accounts(60))
        with_a_figure(session, "Account 000", "U0SAM0001")
    notifier = FakeNotifier()
    engine = Engine(sessions, registry, notifier)
    engine.run_due(FRIDAY_DUE)
    with sessions() as session:  # as an upgrade finds it: nothing known of its thread
        run = session.scalars(select(DigestRun)).one()
        run.part_ts, run.chart_file, run.chart = {}, None, None
        sam = actor_for(session, "U0SAM0001", seed=())
        record_kpi(session, actor=sam, account_name="Account 001", key="joint_revenue_growth",
                   value="1", now=FRIDAY_DUE + timedelta(hours=1))  # fmt: skip
        session.commit()
    engine.run_due(FRIDAY_DUE + timedelta(hours=1, minutes=2))
    [(_, top)] = notifier.updates  # the top message only: no page or chart posted twice
    assert isinstance(top, Digest) and top.totals.red == 1
    assert len(digests(notifier)) == 2 and len(notifier.uploads) == 1 and notifier.deleted == []


def test_an_advocacy_action_that_signals_boss_mode_is_no_highlight(session: Session) -> None:
    load_portfolio(session)
    sponsor = {"account": "Acme Corp", "user": "U0SPN0001", "role": "sponsor"}
    add_checkin(session, **sponsor, period=date(2026, 11, 23), answers=[(5, 5, 5, 5, 5)],
                direction="took_over")  # fmt: skip
    for account, user, text in (
        ("Acme Corp", "U0SPN0001", "Ran the steering committee personally"),
        ("Globex", "U0SPN0002", "Opened a door to the customer's CFO"),
    ):
        session.add(AdvocacyAction(account_id=account_id(session, account),
                                   person_id=person_id(session, user), text=text,
                                   logged_at=FRIDAY_DUE - timedelta(days=1)))  # fmt: skip
    session.commit()
    pages = compose_channel(session, channel="#sponsor-digest", iso_week="2026-W48",
                            now=FRIDAY_DUE)  # fmt: skip
    assert [h.text for h in pages.head.highlights] == ["Opened a door to the customer's CFO"]
