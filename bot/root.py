"""The composition root: every feature of Sherpa, wired here and nowhere else, in one order.

A feature declares everything it adds in one `register` per side: the domain side
(`engagement/<feature>`: its due-work kinds and planners) into the due-work `Registry`,
the Slack side (`bot/handlers/<feature>.py`: its `/sponsor` subcommands, buttons, modals,
shortcuts, App Home section and message renderers) into `Surfaces`. Nothing registers
itself when imported, and a feature missing here is missing everywhere: `Surfaces.check`
refuses a subcommand nobody handles or a message nobody renders, `schedule` a kind of due
work nobody registered.

`FEATURES` is the order: the hourly planners run in it (people first: check-ins are
planned in freshly refreshed time zones) and App Home shows the sections in it. The
entry layer (`sherpa/`, `sherpa_demo/`) starts a process with `start`, then builds the
Bolt app and the due-work engine from what it returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from slack_bolt import App

from bot.app import create_app
from bot.handlers import admin as admin_surfaces
from bot.handlers import channels as channel_surfaces
from bot.handlers import checkins as checkin_surfaces
from bot.handlers import escalations as escalation_surfaces
from bot.handlers import general
from bot.handlers import reviews as review_surfaces
from bot.handlers import risks as risk_surfaces
from bot.handlers import rotation as rotation_surfaces
from bot.handlers import scorecard as scorecard_surfaces
from bot.runtime import Runtime
from bot.surfaces import Surfaces
from bot.web import WebApp
from engagement import (
    channels,
    checkins,
    escalations,
    people,
    replays,
    reviews,
    risks,
    rotation,
    scoring,
    sending,
)
from engagement.clock import Clock
from engagement.duework.registry import Registry
from engagement.settings import Settings


@dataclass(frozen=True)
class Feature:
    name: str
    due_work: Callable[[Registry], None] | None = None
    """Declares the feature's due-work kinds and planners."""
    slack: Callable[[Surfaces], None] | None = None
    """Declares every Slack surface of the feature."""


FEATURES: tuple[Feature, ...] = (
    Feature("admin", slack=admin_surfaces.register),  # App Home's top: the Admin view's switch
    Feature("people", due_work=people.register),  # profiles and time zones: planned first
    Feature("check-ins", due_work=checkins.register, slack=checkin_surfaces.register),
    Feature("escalations", due_work=escalations.register, slack=escalation_surfaces.register),
    Feature("scoring", due_work=scoring.register, slack=scorecard_surfaces.register),
    Feature("risks", due_work=risks.register, slack=risk_surfaces.register),
    Feature("reviews", due_work=reviews.register, slack=review_surfaces.register),
    Feature("rotation", due_work=rotation.register, slack=rotation_surfaces.register),
    Feature("request keys", due_work=replays.register),  # replays refused; old keys pruned
    Feature("channels", due_work=channels.register, slack=channel_surfaces.register),
    Feature("sending", due_work=sending.register),  # a refused token stops every process
    Feature("help", slack=general.register),
)


@dataclass(frozen=True)
class Features:
    """What every feature declared: the due work (engagement) and the Slack surfaces (bot)."""

    due_work: Registry
    slack: Surfaces


def wire(features: tuple[Feature, ...] = FEATURES) -> Features:
    """Call every feature's `register`, in order, into a new registry and new surfaces."""
    due_work, slack = Registry(), Surfaces()
    for feature in features:
        if feature.due_work is not None:
            feature.due_work(due_work)
        if feature.slack is not None:
            feature.slack(slack)
    slack.check()
    return Features(due_work=due_work, slack=slack)


@dataclass(frozen=True)
class Sherpa:
    """One process's Sherpa: its runtime and the Slack surfaces of its features."""

    runtime: Runtime
    surfaces: Surfaces

    def app(self, *, signing_secret_required: bool = True) -> App:
        """The Bolt app serving every feature's surfaces."""
        return create_app(
            self.runtime, self.surfaces, signing_secret_required=signing_secret_required
        )

    def web_app(self, *, clock_expected: bool = False) -> WebApp:
        """The WSGI app in front of it (`POST /slack/events`, `GET /healthz`); its health
        check counts a silent clock only where a clock is expected to run."""
        return WebApp(self.runtime, self.app(), clock_expected=clock_expected)


def start(settings: Settings, *, check_schema: bool = True, clock: Clock | None = None) -> Sherpa:
    """Connect to the database (refusing an out-of-date schema) with every feature wired."""
    features = wire()
    runtime = Runtime.start(
        settings,
        registry=features.due_work,
        renderers=features.slack.renderers,
        home=features.slack.home,
        check_schema=check_schema,
        clock=clock,
    )
    return Sherpa(runtime=runtime, surfaces=features.slack)
