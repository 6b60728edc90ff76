"""The demo's Slack workspace: everyone in the example portfolio, in their own time zones."""

from __future__ import annotations

import hashlib
from typing import Any

from engagement.portfolio.schema import PortfolioSpec
from slack_emulator import Bot

NAMES = {
    "U0SPN0001": "Dana Whitfield", "U0SPN0002": "Marco Bellini", "U0SPN0003": "Grace Okafor",
    "U0SPN0004": "Henrik Lund", "U0SPN0005": "Priya Raman", "U0SPN0006": "Kenji Watanabe",
    "U0SAM0001": "Sam Carter", "U0SAM0002": "Lena Fischer", "U0SAM0003": "Omar Haddad",
    "U0SAM0004": "Julia Becker", "U0SAM0005": "Ravi Menon", "U0SAM0006": "Aiko Tanaka",
    "U0SPN0007": "Sofia Marquez",
}  # fmt: skip


ELSEWHERE = {"U0SAM0002": "Europe/London"}
"""People whose Slack zone is not their accounts': Lena Fischer manages New York accounts
from London, so her check-ins come at 09:00 London time."""
NEWCOMERS = {"U0SPN0007": "America/Los_Angeles"}
"""People in Slack whom the portfolio does not name: Sofia Marquez, in Los Angeles (not the
portfolio's New York), takes over a Los Angeles account mid-run (`simulate.ROTATION`)."""
ADMIN = "U0ADMIN001"
"""Sherpa's admin in the demo (`SHERPA_ADMINS`): told when a channel refuses Sherpa."""


def _channel_id(name: str) -> str:
    return "C" + hashlib.sha1(name.encode()).hexdigest()[:8].upper()


def accounts_zones(spec: PortfolioSpec) -> dict[str, str]:
    """Each person with the zone of the first account that names them."""
    zones: dict[str, str] = {}
    for account in spec.accounts:
        for user_id in (account.sam, *account.sponsors):
            zones.setdefault(user_id, account.timezone or spec.timezone)
    return zones


def workspace_for(spec: PortfolioSpec) -> dict[str, Any]:
    """Each person lives in the zone of the first account that names them, unless they
    live `ELSEWHERE`."""
    users: dict[str, dict[str, Any]] = {}
    channels = {spec.digest.channel, spec.escalation_path or "#exec-steering"}
    for user_id, zone in accounts_zones(spec).items():
        name = NAMES.get(user_id, user_id)
        users[user_id] = {
            "id": user_id, "name": name.split()[0].lower(), "real_name": name,
            "tz": ELSEWHERE.get(user_id, zone), "email": f"{name.split()[0].lower()}@example.com",
        }  # fmt: skip
    for account in spec.accounts:
        if account.digest_channel:
            channels.add(account.digest_channel)
        if account.channel:
            channels.add(account.channel)
    for user_id, zone in NEWCOMERS.items():
        name = NAMES[user_id]
        users[user_id] = {
            "id": user_id, "name": name.split()[0].lower(), "real_name": name, "tz": zone,
            "email": f"{name.split()[0].lower()}@example.com",
        }  # fmt: skip
    users[ADMIN] = {"id": ADMIN, "name": "morgan", "real_name": "Morgan Lee", "tz": spec.timezone}
    for user in users.values():  # as their mentions read in Slack: "@Dana Whitfield"
        user["display_name"] = user["real_name"]
    members = [*users, Bot().user_id]  # Sherpa invited to each, as the README's install says
    path = spec.escalation_path or "#exec-steering"
    return {
        "team": {"name": "Summit Partners"},
        "users": list(users.values()),
        "channels": [
            {"id": _channel_id(name), "name": name.lstrip("#"), "members": members}
            if name != path  # private, and nobody invited Sherpa: the admin is told
            else {"id": _channel_id(name), "name": name.lstrip("#"), "members": [*users],
                  "is_private": True}
            for name in sorted(channels)
        ],
    }  # fmt: skip
