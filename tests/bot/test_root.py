"""The composition root: every feature wired in one order, each surface declared once, and
a feature left out (or half registered) refused before the app starts."""

from __future__ import annotations

import pytest

from bot.handlers import general
from bot.root import FEATURES, wire
from bot.slash import grammar
from bot.surfaces import Surfaces
from engagement import people
from engagement.duework.registry import Registry
from tests.engagement.test_duework_stream_kinds import POSTING


def test_planners_run_in_the_features_order_people_first() -> None:
    """Check-ins are planned in time zones refreshed just before."""
    assert list(wire().due_work.planners) == [
        "people.refresh_profiles",
        "checkins.plan",
        "digest.plan",
        "alerts.plan",
        "risks.plan",
        "reviews.plan",
        "requests.prune",
    ]


def test_every_kind_of_due_work_has_its_handler() -> None:
    # One DM to someone who may be no sponsor or SAM (an answer to their DM, a channel's
    # notice to the admins: one per admin, channel and day), or nothing posted: no stream.
    unstreamed = {
        "people.refresh", "people.answer_dm", "alerts.evaluate", "channels.notice",
        "channels.tell",
        "channels.cleared", "kept.prune",
    }  # fmt: skip
    assert set(wire().due_work.handlers) == POSTING | unstreamed


def test_app_home_shows_the_sections_in_the_features_order() -> None:
    sections = wire().slack.home.sections
    assert [section.__module__ for section in sections] == [
        "bot.handlers.admin",  # on top: the Admin view's switch, the first run
        "bot.handlers.checkins",
        "bot.handlers.escalations",
        "bot.handlers.scorecard",
        "bot.handlers.risks",
        "bot.handlers.reviews",
    ]


def test_every_subcommand_of_the_grammar_is_answered_or_handled_once() -> None:
    surfaces = wire().slack
    commands = {kind: "answer" for kind in surfaces.answers} | {
        kind: "handler" for kind in surfaces.commands
    }
    assert set(commands) == set(grammar.Command.__subclasses__())
    assert [kind for kind, how in commands.items() if how == "answer"] == [grammar.Help]


def test_each_wiring_is_its_own() -> None:
    """No registry lives in a module: two wirings share nothing."""
    one, two = wire(), wire()
    assert one.due_work is not two.due_work and one.slack is not two.slack
    assert one.slack.actions == two.slack.actions
    one.slack.action("extra", lambda request, action: None)
    assert "extra" not in two.slack.actions


def test_a_feature_left_out_is_refused_by_name() -> None:
    without_help = tuple(feature for feature in FEATURES if feature.name != "help")
    with pytest.raises(LookupError, match=r"^no handler for /sponsor Help$"):
        wire(without_help)


def test_a_message_nobody_renders_is_refused_by_name() -> None:
    surfaces = Surfaces()
    for feature in FEATURES:
        if feature.slack is not None and feature.name != "check-ins":
            feature.slack(surfaces)
    for kind in (grammar.Checkin, grammar.Log, grammar.Pause, grammar.Resume):
        surfaces.command(kind, lambda request, command: None)
    missing = r"^no renderer for CheckinPrompt, CheckinNudge, Introduction$"
    with pytest.raises(LookupError, match=missing):
        surfaces.check()


def test_a_surface_declared_twice_is_refused() -> None:
    surfaces = Surfaces()
    general.register(surfaces)
    with pytest.raises(ValueError, match="/sponsor Help registered twice"):
        general.register(surfaces)
    with pytest.raises(ValueError, match="/sponsor Help registered twice"):
        surfaces.command(grammar.Help, lambda request, command: None)
    surfaces.action("checkin_skip", lambda request, action: None)
    with pytest.raises(ValueError, match="action checkin_skip registered twice"):
        surfaces.action("checkin_skip", lambda request, action: None)


def test_a_feature_registered_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        wire((*FEATURES, FEATURES[1]))
    registry = Registry()
    people.register(registry)
    with pytest.raises(ValueError, match=r"'people\.refresh_profiles' registered twice"):
        people.register(registry)
