"""The demo's admin sets up the portfolio in Slack, as a new customer's admin would: App
Home the first time, *Add the first account*, *Add account* for each of the others,
*Scorecard* and *Add KPI* for each line, all through the signed endpoint.

What the Admin view does not set (the portfolio-wide settings, accounts' own time zones,
countries, review cadences and check-in times, risks, people's countries) then comes from
the example portfolio file, with the admin's choices as they are: the file overwrites
none of them, and the demo says so or counts it as a step that did not work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.views.admin.common import AdminAction, AdminField
from bot.views.admin.modals import HIGHER, LOWER
from bot.views.checkins.common import day as short_day
from engagement import db
from engagement.clock import Clock, MovableClock
from engagement.portfolio.importer import import_portfolio
from engagement.portfolio.schema import AccountSpec, KpiSpec, PortfolioSpec
from sherpa_demo.report import Shown, block_lines
from sherpa_demo.simulate import START
from sherpa_demo.stack import Stack
from sherpa_demo.workspace import ADMIN

SET_UP = START - timedelta(days=2, hours=9)
"""Friday 15:00 UTC before the first week: the admin sets up the portfolio, and Sherpa
looks everyone up in Slack that afternoon, before it plans any check-in in their zones."""
SET_IN_SLACK = {"name", "phase", "governance", "channel", "digest_channel", "cadence", "sam",
                "sponsor"}  # fmt: skip
"""What the *Add account* modal sets: words that start the import's notes of a change."""
_WORDS = {"timezone": "time zone", "review_months": "review cadence", "risk": "risks",
          "checkin_weekday": "check-in day", "checkin_time": "check-in time",
          "escalation_path": "escalation path", "ack_hours": "acknowledgement deadlines",
          "away_statuses": "away statuses"}  # fmt: skip


@dataclass
class SetUp:
    """What the admin saw (transcript lines) and any step that did not work."""

    seen: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def say(self, line: str, quoted: list[str] | None = None) -> None:
        """A paragraph of the transcript, with what Slack showed quoted under it."""
        shown = [part for text in quoted or [] for part in text.splitlines() if part]
        self.seen += [line, *(f"> {part}" for part in shown), ""]


def set_up_portfolio(stack: Stack, spec: PortfolioSpec, clock: MovableClock) -> SetUp:
    """At `SET_UP`, the admin adds every account and scorecard line of `spec` from App
    Home, the file sets the rest, and Sherpa's due work runs once."""
    clock.now = SET_UP
    done = SetUp()
    admin = _Admin(stack, done)
    home = admin.open_home()
    first_run = [block for block in home["blocks"] if block.get("block_id", "").startswith(
        "admin_")]  # fmt: skip
    done.say(f"{short_day(SET_UP)}, App Home the first time, at its top:",
             block_lines(first_run, _shown(stack)))  # fmt: skip
    added: list[str] = []
    for number, account in enumerate(spec.accounts):
        button = home if number == 0 else admin.admin_view()
        outcome = admin.add_account(button, account, spec, first=number == 0)
        if number == 0:
            done.say(f"*Add the first account*: {account.name}, its SAM, sponsors and channel, "
                     f"and {spec.digest.channel} for the weekly digest. The modal then:",
                     [outcome])  # fmt: skip
        else:
            added.append(account.name)
    done.say(f"*Add account* in the Admin view, {len(added)} times more, each confirmed the "
             f"same way: {', '.join(added)}.")  # fmt: skip
    card = admin.scorecard(spec.scorecard)
    done.say(f"*Scorecard*, then *Add KPI* for each of its {len(spec.scorecard)} lines. The "
             "modal then:", card)  # fmt: skip
    view = block_lines(admin.admin_view()["blocks"], _shown(stack))
    done.say("The Admin view then:", [*view[:5], "…"])
    done.say(_import_the_rest(stack, spec, clock, done))
    if (report := stack.tick(SET_UP)).failed:
        done.problems.append(f"{report.failed} due work failed after the set-up")
    return done


class _Admin:
    """The admin's clicks and submissions, each checked."""

    def __init__(self, stack: Stack, done: SetUp) -> None:
        self.stack, self.done = stack, done

    def open_home(self) -> dict[str, Any]:
        self.stack.slack.event({"type": "app_home_opened", "user": ADMIN, "tab": "home"})
        self.stack.settle()
        return dict(self.stack.emulator.home(ADMIN) or {"blocks": []})

    def admin_view(self) -> dict[str, Any]:
        """The Admin view, as the last save left it (or reached with App Home's switch)."""
        home = dict(self.stack.emulator.home(ADMIN) or {"blocks": []})
        if AdminAction.SCORECARD not in str(home):
            self._click(AdminAction.VIEW, home, "1")
            home = dict(self.stack.emulator.home(ADMIN) or {"blocks": []})
        return home

    def add_account(self, home: dict[str, Any], account: AccountSpec, spec: PortfolioSpec, *,
                    first: bool) -> str:  # fmt: skip
        """*Add account* (the first one also names the digest channel): the modal's outcome."""
        self._click(AdminAction.ADD_ACCOUNT, home, "1")
        values: dict[str, Any] = {
            AdminField.NAME: account.name, AdminField.SAM: account.sam,
            AdminField.SPONSORS: list(account.sponsors),
            AdminField.CHANNEL: _channel_id(self.stack, account.channel or ""),
            AdminField.PHASE: str(account.phase), AdminField.GOVERNANCE: str(account.governance),
            AdminField.CADENCE: str((account.checkins or spec.checkins).cadence),
        }  # fmt: skip
        if first:
            values[AdminField.DIGEST_CHANNEL] = _channel_id(self.stack, spec.digest.channel)
        return self._submit(values, f"add account {account.name}")

    def scorecard(self, kpis: list[KpiSpec]) -> list[str]:
        """*Scorecard*, then *Add KPI* for each line: what the Scorecard modal said last."""
        self._click(AdminAction.SCORECARD, self.admin_view(), "1")
        for kpi in kpis:
            self._click(AdminAction.ADD_KPI, self._modal(), None)
            threshold = kpi.red_above if kpi.red_above is not None else kpi.red_below
            self._submit({
                AdminField.KEY: kpi.key, AdminField.LABEL: kpi.label or "",
                AdminField.UNIT: kpi.unit, AdminField.TARGET: f"{kpi.target:g}",
                AdminField.RED: f"{threshold:g}", AdminField.WEIGHT: f"{kpi.weight:g}",
                AdminField.LOWER_IS_BETTER: LOWER if kpi.red_above is not None else HIGHER,
            }, f"add KPI {kpi.key}")  # fmt: skip
        return block_lines(self._modal()["blocks"], _shown(self.stack))[:2]

    def _modal(self) -> dict[str, Any]:
        views = self.stack.emulator.open_views(ADMIN)
        return dict(views[-1]) if views else {"blocks": []}

    def _click(self, action: str, view: dict[str, Any], value: str | None) -> None:
        result = self.stack.slack.block_action(ADMIN, action, value, view=view)
        self.stack.settle()
        if result.status != 200:
            self.done.problems.append(f"{action}: HTTP {result.status}")

    def _submit(self, values: dict[str, Any], what: str) -> str:
        """Submit the open modal; the first line of what it turned into."""
        result = self.stack.slack.submit_view(
            ADMIN, self._modal(), {str(key): {str(key): value} for key, value in values.items()}
        )
        self.stack.settle()
        answer = result.json or {}
        if result.status != 200 or answer.get("response_action") != "update":
            self.done.problems.append(f"{what}: {answer.get('errors') or result.status}")
            return ""
        return next(iter(block_lines(answer["view"]["blocks"], _shown(self.stack))), "")


def _import_the_rest(stack: Stack, spec: PortfolioSpec, clock: Clock, done: SetUp) -> str:
    """The file, with the channels as the admin picked them (Slack's IDs), sets what the
    Admin view does not; what it changes, in brief."""
    rest = spec.model_copy(update={
        "digest": spec.digest.model_copy(
            update={"channel": _channel_id(stack, spec.digest.channel)}),
        "accounts": [a.model_copy(update={"channel": _channel_id(stack, a.channel or "")})
                     for a in spec.accounts],
    })  # fmt: skip
    with db.transaction(stack.runtime.sessions) as session:
        plan = import_portfolio(session, rest, now=clock())
    fields: dict[str, list[str]] = {}
    overwritten = []
    for account in plan.accounts:
        for name in dict.fromkeys(detail.split()[0] for detail in account.details):
            fields.setdefault(name, []).append(account.name)
            if name in SET_IN_SLACK:
                overwritten.append(f"{account.name}'s {name}")
    done.problems += [f"the file changed {what}, set in Slack" for what in overwritten]
    settings = [_WORDS.get(line.split()[0], line.split()[0]) for line in plan.portfolio]
    grouped: dict[tuple[str, ...], list[str]] = {}
    for name, names in fields.items():
        grouped.setdefault(tuple(names), []).append(_WORDS.get(name, name.replace("_", " ")))
    accounts = "; ".join(
        f"{_and(words)} ({'every account' if len(names) == len(spec.accounts) else _and(names)})"
        for names, words in grouped.items()
    )
    return (
        f"Then the portfolio file set what the Admin view does not set yet: the portfolio's "
        f"{_and(list(dict.fromkeys(settings))) or 'settings as they were'}; "
        f"{accounts or 'no account'}. It changed "
        f"{_and(overwritten) if overwritten else 'nothing'} of what the admin had chosen."
    )


def _and(words: Sequence[str]) -> str:
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else "".join(words)


def _channel_id(stack: Stack, name: str) -> str:
    """What Slack's channel menu gives for the channel the file names `#name`."""
    return stack.emulator.workspace.resolve(name, open_dm=False) or name


def _shown(stack: Stack) -> Shown:
    return stack.emulator.shown
