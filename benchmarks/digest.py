"""Weekly digest benchmark: 2,000 accounts with 104 weeks of check-in answers.

    python -m benchmarks.digest [--postgres] [--accounts 2000] [--weeks 104] [--channels 1]

Generates the portfolio with bulk inserts into a fresh database (SQLite file, or a
private PostgreSQL started with `tests/pg.py`), then, in a fresh child process so
its peak memory is the digest's own, times:

* every digest channel's whole digest as it is posted each week: composed (all its
  messages rendered to Block Kit) and its trend chart drawn as a PNG, counting SQL
  statements. Last week's digest kept its completed weeks, and the week since changed
  what a week changes (check-ins sent and answered, advocacy logged, escalations
  acknowledged and resolved, KPI values recorded);
* the same with no week kept: the first digest, or the one after the KPIs change;
* the floor: one hand-written SQL aggregate over the same answers (the latest
  revision of each check-in in the same 15 weeks, grouped by account and role).

Both are timed in the same process, warm, as in a running clock process (its connection
pool open, matplotlib loaded, its heap settled: `sherpa.heap`): the best of RUNS runs each.
Targets: the digests and their chart within 1.5 s and 3× the floor, 200 MB, on each
database; a fixed number of statements, whatever the number of accounts.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, delete, event, insert, text, update

from engagement import db
from engagement.models import (
    Account,
    AdvocacyAction,
    Answer,
    CheckIn,
    Escalation,
    KpiActual,
    KpiDefinition,
    Person,
    PortfolioSettings,
    ScoreChange,
    Sponsorship,
)

NOW = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)  # Friday 16:00 in New York, ISO week 48
ZONES = ("America/New_York", "Europe/Berlin", "Asia/Tokyo", "America/Los_Angeles")
CHANNELS = ("#digest-americas", "#digest-emea", "#digest-apac", "#digest-west")
KPIS: list[dict[str, Any]] = [
    {"key": "stakeholder_engagement", "label": "Stakeholder engagement", "unit": "",
     "source": "indicator", "target": 4.0, "red_below": 3.0, "weight": 20},
    {"key": "internal_advocacy", "label": "Internal advocacy", "unit": "",
     "source": "indicator", "target": 4.0, "red_below": 3.0, "weight": 15},
    {"key": "role_balance", "label": "Role balance", "unit": "",
     "source": "indicator", "target": 4.0, "red_below": 3.0, "weight": 10},
    {"key": "response_rate", "label": "Check-in response rate", "unit": "%",
     "source": "indicator", "target": 90, "red_below": 60, "weight": 10},
    {"key": "hours_to_acknowledge", "label": "Hours to acknowledge", "unit": "h",
     "source": "indicator", "target": 24, "red_above": 72, "weight": 10},
    {"key": "joint_revenue_growth", "label": "Joint revenue growth", "unit": "%",
     "source": "manual", "target": 5, "red_below": 4, "weight": 25},
    {"key": "milestone_delivery", "label": "Joint milestones on time", "unit": "%",
     "source": "manual", "target": 95, "red_below": 90, "weight": 10},
]  # fmt: skip
CHUNK = 20_000


def _bulk(engine: Engine, model: Any, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as connection:
        for start in range(0, len(rows), CHUNK):
            connection.execute(insert(model), rows[start : start + CHUNK])


def generate(
    url: str, accounts: int, weeks: int, channels: int = 1, seed: int = 48
) -> dict[str, int]:
    """The portfolio and its history, inserted in bulk; returns row counts."""
    rng = random.Random(seed)
    engine = db.make_engine(url)
    created = NOW - timedelta(weeks=weeks + 1)
    _bulk(engine, PortfolioSettings, [{
        "id": 1, "timezone": "America/New_York", "cadence": "weekly", "checkin_weekday": 0,
        "checkin_time": clock(9), "digest_weekday": 4, "digest_time": clock(16),
        "digest_channel": CHANNELS[0], "escalation_path": "#exec-steering",
        "ack_hours": {"critical": 4, "high": 24, "medium": 72, "low": 168},
        "nudge_after_hours": 48, "expire_after_days": 7,
    }])  # fmt: skip
    sams = max(1, accounts // 10)
    people = [
        {"id": n + 1, "slack_user_id": f"U0SAM{n:05d}", "display_name": f"SAM {n}",
         "timezone": ZONES[n % 4]}
        for n in range(sams)
    ] + [
        {"id": sams + n + 1, "slack_user_id": f"U0SPN{n:05d}", "display_name": f"Sponsor {n}",
         "timezone": ZONES[n % 4]}
        for n in range(accounts)
    ]  # fmt: skip
    _bulk(engine, Person, people)
    _bulk(engine, KpiDefinition, [{**kpi, "id": n + 1, "position": n,
                                   "red_below": kpi.get("red_below"),
                                   "red_above": kpi.get("red_above")}
                                  for n, kpi in enumerate(KPIS)])  # fmt: skip
    rows: dict[str, list[dict[str, Any]]] = {
        name: [] for name in ("accounts", "sponsorships", "checkins", "answers", "escalations",
                              "advocacy", "actuals")
    }  # fmt: skip
    checkin_id = answer_id = 0
    mondays = [date(2026, 11, 23) - timedelta(weeks=back) for back in range(weeks)]
    for n in range(accounts):
        account_id, zone = n + 1, ZONES[n % 4]
        sam_id, sponsor_id = (n % sams) + 1, sams + n + 1
        rows["accounts"].append({
            "id": account_id, "name": f"Account {n:04d}", "phase": "steady-state",
            "governance": "direct", "channel": f"#account-{n:04d}",
            "digest_channel": CHANNELS[n % channels], "timezone": zone, "cadence": "weekly",
            "checkin_weekday": 0, "checkin_time": clock(9), "created_at": created,
        })  # fmt: skip
        for person_id, role in ((sam_id, "sam"), (sponsor_id, "sponsor")):
            rows["sponsorships"].append({"person_id": person_id, "account_id": account_id,
                                         "role": role, "started_at": created})  # fmt: skip
        mood = rng.uniform(1.8, 4.8)
        for back, monday in enumerate(mondays):
            due = datetime.combine(monday, clock(14), tzinfo=UTC)
            for person_id, role in ((sam_id, "sam"), (sponsor_id, "sponsor")):
                checkin_id += 1
                roll = rng.random()
                state = ("answered" if roll < 0.8 else "expired" if roll < 0.9
                         else "skipped" if roll < 0.95 else "answered")  # fmt: skip
                if back == 0:
                    state = "answered" if roll < 0.5 else "sent"
                rows["checkins"].append({
                    "id": checkin_id, "account_id": account_id, "person_id": person_id,
                    "role": role, "period_start": monday, "due_at": due, "state": state,
                    "sent_at": due, "closed_at": due + timedelta(days=2) if state != "sent"
                    else None, "deferred": False,
                })  # fmt: skip
                if state != "answered":
                    continue
                for revision in (1, 2) if rng.random() < 0.1 else (1,):
                    answer_id += 1
                    ratings = [max(1, min(5, round(rng.gauss(mood, 0.8)))) for _ in range(5)]
                    rows["answers"].append({
                        "id": answer_id, "checkin_id": checkin_id, "revision": revision,
                        "stakeholder_engagement": ratings[0], "strategic_alignment": ratings[1],
                        "internal_advocacy": ratings[2], "regular_checkins": ratings[3],
                        "role_balance": ratings[4], "alignment_meeting_held": rng.random() < 0.7,
                        "stakeholders_met": rng.randint(0, 4), "advocacy": "", "note": "",
                        "submitted_at": due + timedelta(hours=revision * 5),
                        "submitted_by": person_id,
                    })  # fmt: skip
            if rng.random() < 0.5:
                rows["advocacy"].append({
                    "account_id": account_id, "person_id": sponsor_id,
                    "text": f"Secured budget for joint initiative {back}",
                    "logged_at": due + timedelta(days=2),
                })  # fmt: skip
            if rng.random() < 0.12:
                raised = due + timedelta(days=1)
                acked = raised + timedelta(hours=rng.choice((2, 10, 30, 80)))
                open_one = back < 2 and rng.random() < 0.5
                rows["escalations"].append({
                    "account_id": account_id, "raised_by": sam_id, "severity": "high",
                    "summary": "Blocked on procurement", "details": "", "ask": "",
                    "state": "open" if open_one else "resolved", "created_at": raised,
                    "ack_deadline": raised + timedelta(hours=24),
                    "acknowledged_at": None if open_one else acked,
                    "resolved_at": None if open_one else acked + timedelta(days=2),
                })  # fmt: skip
            if back % 4 == 0:
                for kpi_id, centre in ((6, 5.0), (7, 93.0)):
                    rows["actuals"].append({
                        "account_id": account_id, "kpi_id": kpi_id,
                        "value": round(rng.gauss(centre, centre * 0.15), 2),
                        "recorded_at": due + timedelta(days=3), "recorded_by": sam_id,
                    })  # fmt: skip
    for name, model in (("accounts", Account), ("sponsorships", Sponsorship),
                        ("checkins", CheckIn), ("answers", Answer), ("escalations", Escalation),
                        ("advocacy", AdvocacyAction), ("actuals", KpiActual)):  # fmt: skip
        _bulk(engine, model, rows[name])
    with engine.begin() as connection:  # history loaded before any week was kept
        connection.execute(delete(ScoreChange))
    if url.startswith("postgresql"):
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    engine.dispose()
    return {name: len(items) for name, items in rows.items()}


FLOOR = """
SELECT c.account_id, c.role, COUNT(*),
       AVG(a.stakeholder_engagement), AVG(a.strategic_alignment), AVG(a.internal_advocacy),
       AVG(a.regular_checkins), AVG(a.role_balance)
FROM answers a JOIN checkins c ON c.id = a.checkin_id
WHERE c.period_start >= :start
  AND NOT EXISTS (SELECT 1 FROM answers b
                  WHERE b.checkin_id = a.checkin_id AND b.revision > a.revision)
GROUP BY c.account_id, c.role
"""


RUNS = 3
"""Runs of each timing; the best counts (the machine's other work only ever adds)."""
LAST_WEEK = NOW - timedelta(weeks=1)


def _the_week_since(engine: Engine) -> None:
    """What changed between last week's digest and this one, written as it happened (the
    rows it touched rewritten as they are), so that their changes are logged."""
    changed = [
        (CheckIn, CheckIn.state, CheckIn.period_start >= date(2026, 11, 23)),
        (Answer, Answer.submitted_at, Answer.submitted_at > LAST_WEEK),
        (AdvocacyAction, AdvocacyAction.logged_at, AdvocacyAction.logged_at > LAST_WEEK),
        (Escalation, Escalation.resolved_at, Escalation.resolved_at > LAST_WEEK),
        (Escalation, Escalation.acknowledged_at, Escalation.acknowledged_at > LAST_WEEK),
        (Escalation, Escalation.created_at, Escalation.created_at > LAST_WEEK),
        (KpiActual, KpiActual.recorded_at, KpiActual.recorded_at > LAST_WEEK),
    ]
    with engine.begin() as connection:
        for model, column, when in changed:
            connection.execute(update(model).where(when).values({column.key: column}))


def measure(url: str, channels: int) -> dict[str, Any]:
    """Compose every channel's digest and draw its chart, then the floor query; runs in its
    own process."""
    from bot import root
    from engagement.scoring import digest as digest_module
    from engagement.scoring import weeks
    from engagement.scoring.chart import render_png
    from engagement.scoring.evaluate import History
    from sherpa import heap

    render = root.wire().slack.renderers.render
    engine = db.make_engine(url)
    sessions = db.session_factory(engine)
    statements = [0]

    def count(*_: Any) -> None:
        statements[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    with engine.connect():
        pass  # the connection pool warm, as in a running process
    import_started = time.perf_counter()
    import matplotlib.figure  # noqa: F401 (loaded once by a running process)

    chart_import = time.perf_counter() - import_started
    heap.settle(*heap.CLOCK_MODULES)  # as the clock process does once it has started

    def all_digests(now: datetime = NOW, posted: bool = False) -> tuple[int, int, float]:
        """Every channel's digest with its chart, kept weeks kept as the posted digest keeps
        them (`posted`: committed); the seconds its charts took."""
        label = weeks.label(weeks.local_week(now, "America/New_York"))
        messages = accounts = 0
        drawing = 0.0
        with sessions() as session:
            for channel in CHANNELS[:channels]:
                pages = digest_module.compose_channel(
                    session, channel=channel, iso_week=label, now=now, history=History.KEEP
                )
                for message in pages.messages:
                    render(message)
                drawn = time.perf_counter()
                render_png(pages.chart)
                drawing += time.perf_counter() - drawn
                messages += len(pages.messages)
                accounts += pages.head.total_accounts
            if posted:
                session.commit()
        return messages, accounts, drawing

    def timed() -> tuple[tuple[float, float, float], int, int, int]:
        """The best of RUNS runs of `all_digests`, none kept; its statements, messages and
        accounts."""
        timings = []
        for _ in range(RUNS):
            statements[0] = 0
            started, cpu_started = time.perf_counter(), time.process_time()
            messages, accounts, chart = all_digests()
            timings.append(
                (time.perf_counter() - started, time.process_time() - cpu_started, chart)
            )
        return min(timings), statements[0], messages, accounts

    label = weeks.label(weeks.local_week(NOW, "America/New_York"))
    (first_elapsed, _, _), first_statements, _, _ = timed()
    all_digests(LAST_WEEK, posted=True)
    _the_week_since(engine)
    (elapsed, cpu, chart_seconds), issued, messages, accounts = timed()
    resident = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tracemalloc.start()  # a last pass for memory: tracing slows Python down
    all_digests()
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    with sessions() as session:  # the same digest for one account: the same statements
        statements[0] = 0
        digest_module.compose(session, channel="#one", scope=Account.id == 1,
                              iso_week=label, now=NOW, history=History.KEEP)  # fmt: skip
        one_account = statements[0]
    start = date(2026, 11, 23) - timedelta(weeks=15)
    floors = []
    with engine.connect() as connection:
        for _ in range(RUNS):
            floor_started = time.perf_counter()
            floor_rows = len(connection.execute(text(FLOOR), {"start": start}).all())
            floors.append(time.perf_counter() - floor_started)
    with sessions() as session:  # last, what was kept changes no figure
        same = all(
            digest_module.compose_channel(session, channel=channel, iso_week=label, now=NOW)
            == digest_module.compose_channel(session, channel=channel, iso_week=label, now=NOW,
                                             history=History.COMPUTED)
            for channel in CHANNELS[:channels]
        )  # fmt: skip
    engine.dispose()
    return {
        "accounts": accounts,
        "channels": channels,
        "messages": messages,
        "seconds": round(elapsed, 3),
        "cpu_seconds": round(cpu, 3),
        "chart_seconds": round(chart_seconds, 3),
        "chart_import_seconds": round(chart_import, 3),
        "same_as_computed": same,
        "first_seconds": round(first_elapsed, 3),
        "first_statements": first_statements,
        "statements": issued,
        "statements_one_account": one_account,
        "traced_peak_mb": round(traced_peak / 2**20, 1),
        "max_rss_mb": round(resident, 1),
        "floor_seconds": round(min(floors), 3),
        "floor_rows": floor_rows,
    }


def _child(*arguments: str) -> dict[str, Any]:
    """Run a step in a fresh process, so no connection or memory carries over."""
    child = subprocess.run(
        [sys.executable, "-m", "benchmarks.digest", *arguments],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    return result


def run(url: str, accounts: int, weeks: int, channels: int) -> dict[str, Any]:
    started = time.perf_counter()
    counts = _child("--generate", url, "--accounts", f"{accounts}", "--weeks", f"{weeks}",
                    "--channels", f"{channels}")  # fmt: skip
    generated = time.perf_counter() - started
    result = _child("--measure", url, "--channels", f"{channels}")
    result["rows"] = counts
    result["generate_seconds"] = round(generated, 1)
    return result


def report(database: str, result: dict[str, Any]) -> None:
    seconds, floor = result["seconds"], result["floor_seconds"]
    ratio = seconds / floor if floor else 0.0
    print(f"\n== {database}: {result['accounts']} accounts, rows {result['rows']}")
    print(f"   generated in {result['generate_seconds']} s")
    print(f"   all digests and their chart, as posted each week: {seconds:.3f} s "
          f"({result['chart_seconds']:.3f} s of it the chart) for {result['channels']} "
          f"digest channel(s), {result['messages']} messages rendered (target ≤ 1.5 s); "
          f"{result['cpu_seconds']:.3f} s CPU in this process")  # fmt: skip
    print(f"   the first digest, no week kept yet: {result['first_seconds']:.3f} s, "
          f"{result['first_statements']} SQL statements")  # fmt: skip
    print(
        "   with kept weeks, every digest is the one computed from scratch: "
        f"{'yes' if result['same_as_computed'] else 'NO'}"
    )
    print(f"   floor (one SQL aggregate over the same answers): {floor:.3f} s, "
          f"{result['floor_rows']} rows")  # fmt: skip
    print(f"   digests and chart / floor = {ratio:.1f}× (target ≤ 3×)")
    print(f"   SQL statements: {result['statements']} for all; "
          f"{result['statements_one_account']} for a one-account digest (no N+1)")  # fmt: skip
    print(f"   peak memory: {result['max_rss_mb']} MB resident, "
          f"{result['traced_peak_mb']} MB Python allocations (target ≤ 200 MB)")  # fmt: skip
    print(f"   best of {RUNS} runs each, warm; loading matplotlib once per process "
          f"(not counted): {result['chart_import_seconds']:.3f} s")  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL")
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--channels", type=int, default=1, choices=range(1, len(CHANNELS) + 1),
                        help="digest channels the accounts are spread over")  # fmt: skip
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--generate", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.generate:
        db.upgrade(options.generate)
        print(json.dumps(generate(options.generate, options.accounts, options.weeks,
                                  options.channels)))  # fmt: skip
        return
    if options.measure:
        print(json.dumps(measure(options.measure, options.channels)))
        return
    with tempfile.TemporaryDirectory(prefix="sherpa-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        report("SQLite", run(url, options.accounts, options.weeks, options.channels))
    if options.postgres:
        from sqlalchemy.engine import make_url

        from tests import pg

        server = pg.PostgresServer.start()
        try:
            admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text("CREATE DATABASE sherpa_bench"))
            admin.dispose()
            url = server.url("sherpa_bench")
            assert make_url(url).database == "sherpa_bench"
            report("PostgreSQL", run(url, options.accounts, options.weeks, options.channels))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
