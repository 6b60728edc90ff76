"""App Home: each feature contributes a section; the view is published on `app_home_opened`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.views.kit import VIEW_BLOCKS, Block, context, divider, fit, header
from engagement.access import Actor

HomeSection = Callable[[Session, Actor, datetime], list[Block]]
"""(session, the person, now from the runtime's clock) -> the section's blocks, or []."""
_sections: list[tuple[int, HomeSection]] = []


def home_section(order: int) -> Callable[[HomeSection], HomeSection]:
    """Register a section builder; lower `order` comes first."""

    def register(builder: HomeSection) -> HomeSection:
        _sections.append((order, builder))
        _sections.sort(key=lambda item: item[0])
        return builder

    return register


def home_view(session: Session, actor: Actor, now: datetime) -> dict[str, Any]:
    blocks: list[Block] = [header("Sherpa")]
    for _, builder in _sections:
        part = builder(session, actor, now)
        if part:
            blocks += [divider(), *part]
    if len(blocks) == 1:
        blocks.append(context("You are not a sponsor or SAM of any account yet."))
    return {"type": "home", "blocks": fit([], [[block] for block in blocks], VIEW_BLOCKS)}
