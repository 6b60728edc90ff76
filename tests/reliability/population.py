"""A large company's portfolio and its Slack workspace, built to size.

Two people per account: 40 % of them are SAMs with two or three accounts each (so some
get one DM for several accounts), the rest sponsors, some accounts having two. Accounts
are spread over five time zones and the five weekdays, and report to twenty regional
digest channels, as a global alliance organisation would.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from slack_emulator import Bot

ZONES = ("America/Los_Angeles", "America/New_York", "Europe/London", "Europe/Berlin", "Asia/Tokyo")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
DIGEST_CHANNELS = 20
ESCALATION_PATH = "#exec-steering"


@dataclass(frozen=True)
class Population:
    portfolio: dict[str, Any]
    workspace: dict[str, Any]

    @property
    def accounts(self) -> list[dict[str, Any]]:
        return list(self.portfolio["accounts"])

    @property
    def people(self) -> int:
        return len(self.workspace["users"])


def account_name(number: int) -> str:
    return f"Account {number:05d}"


def population(accounts: int) -> Population:
    """`accounts` accounts and twice as many people."""
    sams = [f"U0S{n:07d}" for n in range(math.ceil(accounts * 0.4))]
    sponsors = [f"U0P{n:07d}" for n in range(2 * accounts - len(sams))]
    second_sponsors = len(sponsors) - accounts  # accounts with two sponsors
    rows: list[dict[str, Any]] = []
    users: dict[str, dict[str, Any]] = {}
    channels: list[dict[str, Any]] = []
    for number in range(accounts):
        zone, weekday = ZONES[number % 5], WEEKDAYS[(number // 5) % 5]
        sam = sams[number % len(sams)]
        named = [sponsors[number]]
        if number < second_sponsors:
            named.append(sponsors[accounts + number])
        channel = f"#acct-{number:05d}"
        rows.append({
            "name": account_name(number), "sam": sam, "sponsors": named, "timezone": zone,
            "channel": channel, "digest_channel": f"#digest-{number % DIGEST_CHANNELS:02d}",
            "checkins": {"cadence": "weekly", "weekday": weekday, "time": "09:00"},
        })  # fmt: skip
        for user_id in (sam, *named):
            users.setdefault(user_id, {
                "id": user_id, "name": user_id.lower(), "real_name": f"Person {user_id}",
                "tz": zone, "email": f"{user_id.lower()}@example.com",
            })  # fmt: skip
        channels.append({"id": f"C{number:08d}A", "name": channel[1:], "members": [sam, *named]})
    everyone = list(users)
    shared = [f"#digest-{n:02d}" for n in range(DIGEST_CHANNELS)]
    shared += ["#sponsor-digest", ESCALATION_PATH]
    channels += [  # Sherpa is invited where it shares the digest's chart
        {"id": f"C{n:08d}B", "name": name[1:], "members": [*everyone[:50], Bot().user_id]}
        for n, name in enumerate(shared)
    ]
    document = {
        "timezone": "America/New_York",
        "checkins": {"cadence": "weekly", "weekday": "mon", "time": "09:00"},
        "digest": {"weekday": "fri", "time": "16:00", "channel": "#sponsor-digest"},
        "escalation_path": ESCALATION_PATH,
        "scorecard": [  # what the check-ins measure: a week with answers has a digest
            {
                "key": "stakeholder_engagement",
                "source": "indicator",
                "target": 4.0,
                "red_below": 3.0,
                "weight": 100,
            },
        ],
        "accounts": rows,
    }
    return Population(document, {"users": list(users.values()), "channels": channels})
