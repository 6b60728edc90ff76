"""Benchmark: plan the next check-ins for 50,000 people (~25,000 accounts) on SQLite.

    PYTHONPATH=. python benchmarks/checkin_planning.py [--people 50000] [--accounts 25000]

Builds a temporary migrated SQLite database (people in eight time zones, weekly,
biweekly and monthly accounts, one SAM and one or two sponsors each, a few people
paused), then times one planning run and a second run that must create nothing.
Target: at most 5 seconds for the first run.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

from sqlalchemy import func, insert, select

from engagement import checkins, db
from engagement.checkins.planner import plan_checkins
from engagement.duework.registry import Registry
from engagement.models import Account, CheckIn, DueWork, Person, Sponsorship

ZONES = (
    "America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London",
    "Europe/Berlin", "Asia/Tokyo", "Asia/Kolkata", "Australia/Sydney",
)  # fmt: skip
CADENCES = ("weekly",) * 6 + ("biweekly",) * 3 + ("monthly",)
NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def populate(url: str, people: int, accounts: int, seed: int = 7) -> int:
    """Fill the database; returns the number of current sponsorships."""
    rng = random.Random(seed)
    engine = db.make_engine(url)
    created = NOW - timedelta(days=400)
    with engine.begin() as connection:
        connection.execute(
            insert(Person),
            [
                {
                    "id": number + 1,
                    "slack_user_id": f"U{number:08d}",
                    "display_name": f"Person {number}",
                    "timezone": rng.choice(ZONES),
                    "paused_until": date(2026, 12, 28) if number % 97 == 0 else None,
                }
                for number in range(people)
            ],
        )
        connection.execute(
            insert(Account),
            [
                {
                    "id": number + 1,
                    "name": f"Account {number:05d}",
                    "digest_channel": "#sponsor-digest",
                    "timezone": rng.choice(ZONES),
                    "cadence": rng.choice(CADENCES),
                    "checkin_weekday": rng.randrange(5),
                    "checkin_time": clock(rng.choice((8, 9, 10, 14)), rng.choice((0, 30))),
                    "created_at": created + timedelta(days=rng.randrange(300)),
                    "phase": "steady-state",
                    "governance": "direct",
                }
                for number in range(accounts)
            ],
        )
        everyone = list(range(1, people + 1))
        rng.shuffle(everyone)
        rows = []
        for account_id in range(1, accounts + 1):
            team = [("sam", everyone.pop() if everyone else rng.randrange(1, people + 1))]
            for _ in range(rng.choice((1, 1, 2))):
                team.append(("sponsor", everyone.pop() if everyone else rng.randrange(1, people)))
            for role, person_id in set(team):
                rows.append({
                    "person_id": person_id, "account_id": account_id, "role": role,
                    "started_at": created,
                })  # fmt: skip
        while everyone:  # everyone belongs somewhere: the rest sponsor a random account too
            rows.append({
                "person_id": everyone.pop(), "account_id": rng.randrange(1, accounts + 1),
                "role": "sponsor", "started_at": created,
            })  # fmt: skip
        connection.execute(insert(Sponsorship), rows)
    engine.dispose()
    return len(rows)


def timed_run(url: str, now: datetime) -> tuple[float, int]:
    engine = db.make_engine(url)
    registry = Registry()
    checkins.register(registry)
    sessions = registry.bind_sessions(db.session_factory(engine))
    started = time.perf_counter()
    with db.transaction(sessions) as session:
        created = plan_checkins(session, now=now)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed, created


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--accounts", type=int, default=25_000)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        db.upgrade(url)
        sponsorships = populate(url, arguments.people, arguments.accounts)
        print(
            f"{arguments.people:,} people, {arguments.accounts:,} accounts, "
            f"{sponsorships:,} sponsorships"
        )
        first, created = timed_run(url, NOW)
        print(f"first planning run:  {first:.2f} s, {created:,} check-ins planned")
        second, again = timed_run(url, NOW)
        print(f"second run (no-op):  {second:.2f} s, {again:,} check-ins planned")
        later, more = timed_run(url, NOW + timedelta(hours=1))
        print(f"next hour's run:     {later:.2f} s, {more:,} check-ins planned")
        engine = db.make_engine(url)
        with engine.connect() as connection:
            checkins = connection.scalar(select(func.count()).select_from(CheckIn))
            sends = connection.scalar(select(func.count()).select_from(DueWork))
        engine.dispose()
        print(f"rows: {checkins:,} check-ins, {sends:,} send rows (one per person per day)")
        print("target: first run at most 5 s:", "met" if first <= 5 else "MISSED")


if __name__ == "__main__":
    main()
