"""App Home: each feature contributes a section (`Surfaces.home_section`), in the order
the composition root registers the features; `Runtime.publish_home` publishes it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.views.kit import VIEW_BLOCKS, Block, context, divider, fit, header
from engagement.access import Actor

HomeSection = Callable[[Session, Actor, datetime], list[Block]]
"""(session, the person, now from the runtime's clock) -> the section's blocks, or []."""


class Home:
    """The sections of App Home, top to bottom."""

    def __init__(self) -> None:
        self.sections: list[HomeSection] = []

    def add(self, section: HomeSection) -> None:
        self.sections.append(section)

    def view(self, session: Session, actor: Actor, now: datetime) -> dict[str, Any]:
        blocks: list[Block] = [header("Sherpa")]
        for builder in self.sections:
            part = builder(session, actor, now)
            if part:
                blocks += [divider(), *part]
        if len(blocks) == 1:
            blocks.append(context("You are not a sponsor or SAM of any account yet."))
        return {"type": "home", "blocks": fit([], [[block] for block in blocks], VIEW_BLOCKS)}
