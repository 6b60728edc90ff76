"""Twelve weeks of sponsorship, simulated through Sherpa's real endpoint and due-work engine.

Time is a simulated clock shared by the due-work engine and every request, so a week
passes in seconds. People act as Slack users do: they read their DMs in the emulator,
click buttons, fill in modals and type `/sponsor` commands, each as their persona would.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from bot.views.channels import ChannelAction
from bot.views.checkins import FIELD_ACTION
from bot.views.checkins import ActionId as CheckinAction
from bot.views.checkins.common import day as short_day
from bot.views.escalations import EscalationAction
from bot.views.risks.common import RiskAction
from bot.views.rotation.common import RotationAction
from bot.views.scorecard.common import ScorecardAction
from engagement.clock import MovableClock
from engagement.models import CheckIn, DueWork, Role, WorkState
from engagement.portfolio.schema import PortfolioSpec
from sherpa_demo.personas import SAM_RATING_OF, Persona, persona_of
from sherpa_demo.stack import Stack
from sherpa_demo.workspace import ADMIN
from slack_emulator.actor import ActorResult

START = datetime(2026, 8, 31, 0, 0, tzinfo=UTC)
"""A Monday; twelve weeks from here cross both the EU and the US daylight-saving change."""

LONGEST_STEP = timedelta(hours=12)
REASSESSED = (
    "A competitor launched a joint platform like ours: sponsor to bring the roadmap review "
    "forward to this quarter's steering committee."
)
VACATION = ("U0SAM0003", START + timedelta(days=11, hours=21), START + timedelta(days=20))
"""Omar Haddad sets :palm_tree: Vacationing on Friday 11 September until Sunday 20th: no
check-in on Monday 14th, and it does not count as missed."""


@dataclass(frozen=True)
class Rotation:
    account: str
    outgoing: str
    incoming: str
    week: int

    @property
    def at(self) -> datetime:
        """Tuesday of its week, 15:00 UTC: the admin rotates from the account card."""
        return START + timedelta(weeks=self.week, days=1, hours=15)


ROTATION = Rotation("Cyberdyne Systems", "U0SPN0005", "U0SPN0007", week=5)
"""Priya Raman hands Cyberdyne Systems over to Sofia Marquez (seed 001): Sofia gets the
handover brief, Priya writes a handover note into it."""
HANDOVER_NOTE = (
    "Their CTO, Miles Dyson, decides; meet him before the Q4 steering committee. "
    "The pilot extension is agreed in principle, paperwork with their legal."
)
SUMMARIES = (
    ("high", "Legal is blocking the joint data-processing agreement"),
    ("medium", "Customer's CIO asks for an executive briefing before renewal"),
    ("critical", "Production outage on the joint platform, customer escalating"),
    ("low", "Marketing budget for the co-branded webinar not approved"),
    ("high", "Pricing desk refuses the discount agreed in the account plan"),
    ("medium", "Need a solutions architect for the pilot next month"),
)


@dataclass(order=True)
class Step:
    """Something a person will do at a simulated instant."""

    at: datetime
    order: int
    act: Callable[[], None] = field(compare=False)


@dataclass
class Simulation:
    stack: Stack
    spec: PortfolioSpec
    clock: MovableClock
    seed: int
    weeks: int
    on_week: Callable[[int], None] = lambda week: None
    rng: random.Random = field(init=False)
    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    """What people did in Slack outside Sherpa (statuses), for the transcript."""
    _queue: list[Step] = field(default_factory=list)
    _order: itertools.count[int] = field(default_factory=itertools.count)
    _seen: set[str] = field(default_factory=set)
    _read_up_to: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    # the loop --------------------------------------------------------------------------

    def run(self) -> None:
        """Jump from one instant where something happens to the next; run due work when
        there is some, and at least every few hours so the hourly planners keep up."""
        end = START + timedelta(weeks=self.weeks)
        for week in range(self.weeks):
            self._plan_week(week)
        user, leaves, returns = VACATION
        if leaves < end:
            self._later(leaves, lambda: self._vacation(user, returns))
        if ROTATION.at < end:
            self._later(ROTATION.at, self._rotate)
        moment, heartbeat, week_reported = START, START, -1
        while moment < end:
            self.clock.now = moment
            if moment >= heartbeat or self._next_due(moment, inclusive=True) is not None:
                self._tick(moment)
                heartbeat = moment + LONGEST_STEP
            self._read_new_messages(moment)
            while self._queue and self._queue[0].at <= moment:
                heapq.heappop(self._queue).act()
                self.stack.settle()
            if self._next_due(moment, inclusive=True) is not None:
                self._tick(moment)  # what people just did (an escalation, say) goes out now
                self._read_new_messages(moment)
            week = (moment - START) // timedelta(weeks=1)
            if week != week_reported:
                week_reported = week
                self.on_week(week)
            moment = self._next_moment(moment, min(heartbeat, end))
        self.clock.now = end
        self._tick(end)
        self.on_week(self.weeks)

    def _tick(self, moment: datetime) -> None:
        report = self.stack.tick(moment)
        self.counts["due work done"] = self.counts.get("due work done", 0) + report.total
        if report.failed:
            self.problems.append(f"{moment:%Y-%m-%d %H:%M}: {report.failed} due work failed")

    def _next_due(self, moment: datetime, *, inclusive: bool = False) -> datetime | None:
        """When the earliest due work falls: at or before `moment`, or after it."""
        when = DueWork.due_at <= moment if inclusive else DueWork.due_at > moment
        with self.stack.runtime.sessions() as session:
            return session.scalar(
                select(func.min(DueWork.due_at)).where(DueWork.state == WorkState.DUE, when)
            )

    def _next_moment(self, moment: datetime, limit: datetime) -> datetime:
        """The next instant anything can happen: due work, a person's step, or the limit."""
        candidates = [limit]
        if (due := self._next_due(moment)) is not None:
            candidates.append(due)
        if self._queue:
            candidates.append(max(self._queue[0].at, moment + timedelta(minutes=1)))
        return min(candidates)

    def _later(self, at: datetime, act: Callable[[], None]) -> None:
        heapq.heappush(self._queue, Step(at, next(self._order), act))

    # what SAMs do every week ------------------------------------------------------------

    def _plan_week(self, week: int) -> None:
        wednesday = START + timedelta(weeks=week, days=2, hours=15)
        for account in self.spec.accounts:
            sponsor = persona_of(account.sponsors[0])
            growth = 6.0 + sponsor.drift * 8 * week + self.rng.uniform(-1.5, 1.5)
            on_time = 97 + sponsor.drift * 20 * week + self.rng.uniform(-4, 2)
            self._later(
                wednesday,
                self._command(
                    account.sam, f"kpi {account.name} joint_revenue_growth {growth:.1f}%"
                ),
            )
            self._later(
                wednesday + timedelta(minutes=5),
                self._command(
                    account.sam, f"kpi {account.name} milestone_delivery {min(on_time, 100):.0f}%"
                ),
            )
            if self.rng.random() < 0.12:
                severity, summary = self.rng.choice(SUMMARIES)
                at = wednesday + timedelta(hours=self.rng.randint(-30, 40))
                self._later(
                    at, self._command(account.sam, f"escalate {account.name} {severity} {summary}")
                )
            for sponsor_id in self._sponsors(account.name, account.sponsors, week):
                persona = persona_of(sponsor_id)
                if persona.advocacy and self.rng.random() < 0.35:
                    note = self.rng.choice(persona.advocacy)
                    self._later(
                        wednesday + timedelta(hours=self.rng.randint(1, 30)),
                        self._command(sponsor_id, f"log {account.name} {note}"),
                    )

    def _sponsors(self, account: str, named: list[str], week: int) -> list[str]:
        """The account's sponsors in `week`: the file's, or after the rotation its new ones."""
        if account != ROTATION.account or week < ROTATION.week:
            return named
        return [ROTATION.incoming if s == ROTATION.outgoing else s for s in named]

    def _rotate(self) -> None:
        """The admin opens the account card, *Rotate sponsor*, and picks the newcomer (the
        outgoing sponsor is the account's only one: already chosen)."""
        self._check(self.stack.slack.slash(ADMIN, f"status {ROTATION.account}"), "status")
        self.stack.settle()
        card = self.stack.emulator.ephemerals(ADMIN)[-1]
        self._check(self.stack.slack.block_action(ADMIN, ScorecardAction.ROTATE, message=card),
                    "rotate sponsor")  # fmt: skip
        self.stack.settle()
        modal = self.stack.emulator.open_views(ADMIN)[-1]
        values = {"rotation_incoming": {"rotation_incoming": ROTATION.incoming}}
        self._check(self.stack.slack.submit_view(ADMIN, modal, values), "rotate")
        names = self.stack.emulator.workspace
        out, new, admin = (names.user(u) for u in (ROTATION.outgoing, ROTATION.incoming, ADMIN))
        self.notes.append(
            f"{admin.real_name if admin else ADMIN}, the admin, rotated the sponsor of "
            f"{ROTATION.account} from {out.real_name if out else ''} to "
            f"{new.real_name if new else ''} on {short_day(self.clock.now)} (*Rotate sponsor* "
            "on the account card)."
        )
        self._count("sponsors rotated")

    def _handover_note(self, user: str, rotation_id: str) -> None:
        message = self._current(user, RotationAction.NOTE, rotation_id)
        if message is None:
            return
        self._check(self.stack.slack.block_action(user, RotationAction.NOTE, message=message),
                    "write a handover note")  # fmt: skip
        self.stack.settle()
        modal = self.stack.emulator.open_views(user)[-1]
        values = {"rotation_note_text": {"rotation_note_text": HANDOVER_NOTE}}
        self._check(self.stack.slack.submit_view(user, modal, values), "handover note")
        self._count("handover notes written")

    def _vacation(self, user: str, until: datetime) -> None:
        """The person sets Slack's "Vacationing" status, which clears itself at `until`."""
        result = self.stack.slack.user_change(
            user,
            status_emoji=":palm_tree:",
            status_text="Vacationing",
            status_expiration=int(until.timestamp()),
        )
        self._check(result, f"{user} sets a vacation status")
        name = self.stack.emulator.workspace.user(user)
        self.notes.append(
            f"{name.real_name if name else user} set the Slack status :palm_tree: Vacationing "
            f"on {short_day(self.clock.now)}, until {short_day(until)}."
        )

    def _command(self, user: str, text: str) -> Callable[[], None]:
        def act() -> None:
            self._check(self.stack.slack.slash(user, text), f"/sponsor {text}")
            self._count(text.split()[0])

        return act

    # reading DMs and reacting ----------------------------------------------------------

    def _read_new_messages(self, moment: datetime) -> None:
        """Each person reads the DMs that arrived since they last looked."""
        for user in self._people():
            for message in self.stack.emulator.messages(user, after=self._read_up_to.get(user)):
                self._read_up_to[user] = message["ts"]
                for element in _buttons(message):
                    self._react(user, moment, element)

    def _people(self) -> list[str]:
        people = {a.sam for a in self.spec.accounts}
        people |= {s for a in self.spec.accounts for s in a.sponsors}
        return sorted(people | {ADMIN, ROTATION.incoming})

    def _react(self, user: str, moment: datetime, button: dict[str, Any]) -> None:
        value = str(button.get("value", ""))
        if button["action_id"] == ChannelAction.RETRY and f"channel:{value}" not in self._seen:
            self._seen.add(f"channel:{value}")  # the admin fixes it within the hour
            self._later(moment + timedelta(hours=1), lambda: self._invite_and_retry(value))
            return
        if button["action_id"] == RotationAction.NOTE and f"handover:{value}" not in self._seen:
            self._seen.add(f"handover:{value}")  # the outgoing sponsor writes it that afternoon
            self._later(moment + timedelta(hours=3), lambda: self._handover_note(user, value))
            return
        if button["action_id"] == RiskAction.UPDATE and f"risk:{value}" not in self._seen:
            self._seen.add(f"risk:{value}")  # the owner re-assesses it that morning
            self._later(moment + timedelta(hours=2), lambda: self._reassess(user, value))
            return
        persona = persona_of(user)
        if button["action_id"] == CheckinAction.ANSWER and f"checkin:{value}" not in self._seen:
            self._seen.add(f"checkin:{value}")
            choice = persona.acts(self.rng)
            if choice != "ignore":
                at = moment + timedelta(hours=persona.delay(self.rng))
                self._later(at, lambda: self._checkin(user, int(value), choice))
        elif button["action_id"] == EscalationAction.ACKNOWLEDGE and (
            f"escalation:{value}:{user}" not in self._seen
        ):
            self._seen.add(f"escalation:{value}:{user}")
            if self.rng.random() < persona.acknowledges:
                self._later(
                    moment + timedelta(hours=self.rng.randint(1, 3)),
                    lambda: self._acknowledge(user, value),
                )
            elif persona.acknowledges > 0:  # late: after the reminder, before the path
                self._later(moment + timedelta(days=5), lambda: self._acknowledge(user, value))

    def _current(self, user: str, action_id: str, value: str) -> dict[str, Any] | None:
        """The latest state of the DM that carries this button, if it still does."""
        for message in reversed(self.stack.emulator.messages(user)):
            if any(
                b["action_id"] == action_id and str(b.get("value")) == value
                for b in _buttons(message)
            ):
                return message
        return None

    def _invite_and_retry(self, channel: str) -> None:
        """`/invite @Sherpa` in the channel, then *Retry now* on the admin's DM."""
        self.stack.emulator.invite(channel)
        message = self._current(ADMIN, ChannelAction.RETRY, channel)
        if message is not None:
            result = self.stack.slack.block_action(ADMIN, ChannelAction.RETRY, message=message)
            self._check(result, f"retry {channel}")
        self._count("channels fixed by the admin")

    def _reassess(self, user: str, risk_id: str) -> None:
        """The owner finds the risk has grown: *Update…*, a higher probability, mitigating."""
        message = self._current(user, RiskAction.UPDATE, risk_id)
        if message is None:
            return
        self._check(self.stack.slack.block_action(user, RiskAction.UPDATE, message=message),
                    f"update risk {risk_id}")  # fmt: skip
        self.stack.settle()
        modal = self.stack.emulator.open_views(user)[-1]
        values = {
            "risk_probability": {"risk_probability": "4"},
            "risk_state": {"risk_state": "mitigating"},
            "risk_mitigation": {"risk_mitigation": REASSESSED},
        }
        self._check(self.stack.slack.submit_view(user, modal, values), f"save risk {risk_id}")
        self._count("risks re-assessed")

    def _checkin(self, user: str, checkin_id: int, choice: str) -> None:
        action = CheckinAction.ANSWER if choice == "answer" else CheckinAction.SKIP
        message = self._current(user, CheckinAction.ANSWER, str(checkin_id))
        if message is None:
            return  # expired or already handled from elsewhere
        result = self.stack.slack.block_action(user, action, str(checkin_id), message=message)
        self._check(result, f"{choice} check-in {checkin_id}")
        self.stack.settle()
        if choice == "skip":
            self._count("check-ins skipped")
            return
        views = self.stack.emulator.open_views(user)
        if not views:
            self.problems.append(f"no answer modal opened for check-in {checkin_id}")
            return
        result = self.stack.slack.submit_view(user, views[-1], self._answer(user, checkin_id))
        self._check(result, f"submit check-in {checkin_id}")
        if result.json and result.json.get("response_action") == "errors":
            self.problems.append(f"check-in {checkin_id} refused: {result.json['errors']}")
        self._count("check-ins answered")

    def _answer(self, user: str, checkin_id: int) -> dict[str, dict[str, str]]:
        with self.stack.runtime.sessions() as session:
            checkin = session.get_one(CheckIn, checkin_id)
            role, account_name = checkin.role, checkin.account.name
            week = (checkin.due_at - START) // timedelta(weeks=1)
        account = next(a for a in self.spec.accounts if a.name == account_name)
        sponsor: Persona = persona_of(account.sponsors[0])
        ratings = sponsor.ratings(week, self.rng)
        if role == Role.SAM:  # the SAM sees the sponsor a little less kindly, boss mode above all
            shift = SAM_RATING_OF[sponsor.direction]
            ratings["role_balance"] = max(1, round(ratings["role_balance"] + shift))
            ratings = {k: max(1, v - self.rng.choice((0, 0, 1))) for k, v in ratings.items()}
        met = self.rng.random() < 0.5 + sponsor.level / 10
        advocacy = ""
        if sponsor.advocacy and role == Role.SPONSOR:
            advocacy = self.rng.choice(sponsor.advocacy)
        values = {key: str(value) for key, value in ratings.items()}
        values |= {
            "role_direction": sponsor.direction,
            "alignment_meeting_held": "yes" if met else "no",
            "stakeholders_met": str(max(0, round(sponsor.level - 2 + self.rng.uniform(-1, 1)))),
            "advocacy": advocacy,
            "note": "",
        }
        if role == Role.SPONSOR:  # the phase's question: yes while the work stays aligned
            values["phase_check"] = "yes" if ratings["strategic_alignment"] >= 3 else "no"
        return {block: {FIELD_ACTION: value} for block, value in values.items()}

    def _acknowledge(self, user: str, escalation_id: str) -> None:
        message = self._current(user, EscalationAction.ACKNOWLEDGE, escalation_id)
        if message is None:
            return  # another sponsor acknowledged it, or it was resolved
        result = self.stack.slack.block_action(user, EscalationAction.ACKNOWLEDGE, escalation_id,
                                               message=message)  # fmt: skip
        self._check(result, f"acknowledge ESC-{escalation_id}")
        self._count("escalations acknowledged")
        if persona_of(user).acknowledges > 0.9:
            self._later(
                self.clock.now + timedelta(days=1),
                self._command(
                    user, f"resolve ESC-{escalation_id} Sorted with the customer's leadership"
                ),
            )

    # bookkeeping ---------------------------------------------------------------------

    def _check(self, result: ActorResult, what: str) -> None:
        if result.status != 200:
            self.problems.append(f"{what}: HTTP {result.status}")

    def _count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1


def _buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for block in message.get("blocks") or []:
        elements = block.get("elements") if block.get("type") == "actions" else None
        for element in elements or [block.get("accessory") or {}]:
            if element.get("type") == "button":
                found.append(element)
    return found
