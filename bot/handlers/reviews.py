"""Reviews in Slack: `/sponsor review` records one held, the sponsor's reminder DM, and
App Home's list of the reviews coming due."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.request import SlackRequest
from bot.slash.commands import RecordReview
from bot.surfaces import Surfaces
from bot.views.kit import Block
from bot.views.reviews.messages import home_section, recorded_text, reminder_message
from engagement.access import Actor
from engagement.reviews import service
from engagement.reviews.reminders import ReviewReminder


def register(surfaces: Surfaces) -> None:
    """Every Slack surface of the review cadence."""
    surfaces.command(RecordReview, record_review)
    surfaces.home_section(reviews_on_home)
    surfaces.renders(ReviewReminder, reminder_message)


def record_review(request: SlackRequest, command: RecordReview) -> None:
    with request.session() as session:
        recorded = service.record_review(
            session,
            actor=request.actor(session),
            account=command.account,
            held_on=command.held_on,
            notes=command.notes,
            now=request.now(),
        )
    request.reply(recorded_text(recorded))


def reviews_on_home(session: Session, actor: Actor, now: datetime) -> list[Block]:
    return home_section(service.reviews_for(session, actor), now.date())
