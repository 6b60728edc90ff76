"""One week's indicators by name: what a timeline holds for each of its weeks."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, MutableMapping
from contextlib import suppress
from typing import Any

from engagement.indicators import ALL

WEEK_KEYS = (*ALL, "escalations_overdue")
"""Every indicator a week can hold."""
_WEEK_KEYS = frozenset(WEEK_KEYS)


class WeekValues(MutableMapping[str, float]):
    """One week's indicators by name, a slot each (an empty slot: no data). A 2,000-account
    digest holds 24,000 weeks of them; a dict each was two thirds of their memory."""

    __slots__ = WEEK_KEYS

    def __getitem__(self, key: str) -> float:
        if key in _WEEK_KEYS:
            with suppress(AttributeError):
                value: float = getattr(self, key)
                return value
        raise KeyError(key)

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default) if key in _WEEK_KEYS else default

    def __setitem__(self, key: str, value: float) -> None:
        if key not in _WEEK_KEYS:
            raise KeyError(key)
        setattr(self, key, value)

    def fill(self, pairs: Iterable[tuple[str, float]]) -> None:
        """Set many at once, each straight into its slot: for the keys of `WEEK_KEYS`
        only (another raises AttributeError). A digest fills 24,000 weeks, where the
        mapping's `update` took three times as long."""
        for key, value in pairs:
            setattr(self, key, value)

    def __delitem__(self, key: str) -> None:
        try:
            delattr(self, key)
        except AttributeError:
            raise KeyError(key) from None

    def __iter__(self) -> Iterator[str]:
        return (key for key in WEEK_KEYS if hasattr(self, key))

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return f"WeekValues({dict(self)!r})"
