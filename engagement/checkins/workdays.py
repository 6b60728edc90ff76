"""Working days: weekends and public holidays (the `holidays` library) in a person's country.

The country is the person's own (`people:` in the portfolio file), else their account's,
else the portfolio's default, else the country of their IANA zone as the tz database's
`zone.tab` gives it (Asia/Tokyo is JP). A zone with no country (UTC) has weekends only.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta
from importlib import resources

import holidays

LONGEST_BREAK = timedelta(days=14)
"""No run of weekends and holidays is longer; a check-in never moves further than this."""


@functools.cache
def supported_countries() -> frozenset[str]:
    """ISO 3166 codes whose public holidays the `holidays` library knows."""
    return frozenset(holidays.list_supported_countries())


@functools.cache
def _zone_countries() -> dict[str, str]:
    """`zone.tab`'s zone -> country code, from the tzdata package."""
    text = resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8")
    found: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            code, _, name, *_ = line.split("\t")
            found[name] = code
    return found


def zone_country(zone_name: str) -> str | None:
    """The country of an IANA zone (Europe/London is GB); None for zones of no country."""
    return _zone_countries().get(zone_name)


def country_for(
    person: str | None, account: str | None, default: str | None, zone_name: str
) -> str | None:
    """Whose holidays apply: the first of person, account, portfolio default, zone."""
    return person or account or default or zone_country(zone_name)


@functools.lru_cache(maxsize=512)
def _holidays(country: str, year: int) -> dict[date, str]:
    if country not in supported_countries():
        return {}
    return dict(holidays.country_holidays(country, years=year, language="en_US").items())


def holiday(day: date, country: str | None) -> bool:
    return country is not None and day in _holidays(country, day.year)


def day_off(day: date, country: str | None) -> str:
    """What makes `day` a day off: the holiday's name, else "the weekend"."""
    name = _holidays(country, day.year).get(day) if country is not None else None
    return name or "the weekend"


def working_day(day: date, country: str | None) -> bool:
    """Monday to Friday and not a public holiday in `country`."""
    return day.weekday() < 5 and not holiday(day, country)


def next_working_day(day: date, country: str | None) -> date:
    """`day` itself if it is a working day, else the first working day after it."""
    moved = day
    while not working_day(moved, country) and moved - day < LONGEST_BREAK:
        moved += timedelta(days=1)
    return moved
