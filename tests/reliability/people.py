"""Sponsors and SAMs using Sherpa through Slack while its processes die and come back.

They read their DMs as Slack shows them, click *Answer*, wait for the modal and submit
it. When Sherpa is restarting, a click fails or the modal never opens, and the person
tries again a little later, as people do. An answer counts as submitted only when
Sherpa accepted the submission and closed the modal: those must all be in the database.
SAMs also raise escalations with `/sponsor escalate`; one counts as logged when the
person saw Sherpa's confirmation.
"""

from __future__ import annotations

import heapq
import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from slack_emulator import Emulator
from tests.factories import GOOD_ANSWER

ATTEMPTS = 8
MODAL_WAIT = 5.0


def buttons(blocks: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(action_id, value) of every button of a message, in order."""
    found = []
    for block in blocks:
        elements = [block["accessory"]] if block.get("accessory") else []
        elements += block.get("elements", []) if block.get("type") == "actions" else []
        found += [(e["action_id"], e.get("value", "")) for e in elements if e["type"] == "button"]
    return found


def _checkin_of(view: dict[str, Any]) -> int | None:
    """The check-in a modal answers, from what Sherpa put in its metadata."""
    try:
        return int(json.loads(view.get("private_metadata") or "{}").get("checkin_id"))
    except (TypeError, ValueError):
        return None


@dataclass(order=True)
class _Task:
    at: float
    number: int
    kind: str = field(compare=False)
    user: str = field(compare=False)
    subject: str = field(compare=False)
    attempt: int = field(compare=False, default=1)


@dataclass
class People:
    """Everyone in the workspace, acting from a few threads on what Slack shows them."""

    emulator: Emulator
    answer_share: float = 0.5
    seed: int = 7
    threads: int = 4
    submitted: set[int] = field(default_factory=set)
    """Check-ins whose answer Sherpa accepted (the modal closed)."""
    logged: dict[str, str] = field(default_factory=dict)
    """Account name -> the confirmation the SAM saw for the escalation they raised."""
    counts: Counter[str] = field(default_factory=Counter)
    _rng: random.Random = field(init=False)
    _tasks: list[_Task] = field(default_factory=list)
    _numbers: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _seen_calls: int = 0
    _workers: list[threading.Thread] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    # what people decide to do ------------------------------------------------------------

    def read_new_dms(self) -> None:
        """Look at the check-in DMs Slack delivered since last time; answer about half."""
        calls = self.emulator.calls("chat.postMessage")
        for call in calls[self._seen_calls :]:
            if not call.ok or not str(call.args.get("text", "")).startswith("Sponsor check-in"):
                continue
            user = str(call.args["channel"])
            for action, value in buttons(call.args.get("blocks") or []):
                if action == "checkin_answer" and self._rng.random() < self.answer_share:
                    self.later(self._rng.uniform(0.2, 3.0), "answer", user, value)
        self._seen_calls = len(calls)

    def escalate(self, sam: str, account: str, summary: str) -> None:
        self.later(0, "escalate", sam, f"{account}|{summary}")

    def later(self, delay: float, kind: str, user: str, subject: str, attempt: int = 1) -> None:
        with self._lock:
            self._numbers += 1
            heapq.heappush(
                self._tasks,
                _Task(time.monotonic() + delay, self._numbers, kind, user, subject, attempt),
            )

    # acting through Slack -------------------------------------------------------------

    def start(self) -> None:
        for number in range(self.threads):
            worker = threading.Thread(target=self._work, name=f"person-{number}", daemon=True)
            worker.start()
            self._workers.append(worker)

    def stop(self) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=30)

    def pending(self) -> int:
        with self._lock:
            return len(self._tasks)

    def _next(self) -> _Task | None:
        with self._lock:
            if self._tasks and self._tasks[0].at <= time.monotonic():
                return heapq.heappop(self._tasks)
        return None

    def _work(self) -> None:
        while not self._stop.is_set():
            task = self._next()
            if task is None:
                self._stop.wait(0.05)
                continue
            try:
                done = self._act(task)
            except OSError:  # Sherpa's endpoint is down (restarting)
                done = False
            self.counts[f"{task.kind}.tries"] += 1
            if done:
                self.counts[f"{task.kind}.done"] += 1
            elif task.attempt < ATTEMPTS:
                self.later(1.0 + task.attempt, task.kind, task.user, task.subject, task.attempt + 1)
            else:
                self.counts[f"{task.kind}.gave_up"] += 1

    def _act(self, task: _Task) -> bool:
        if task.kind == "answer":
            return self._answer(task.user, int(task.subject))
        account, summary = task.subject.split("|", 1)
        return self._escalate(task.user, account, summary)

    def _answer(self, user: str, checkin_id: int) -> bool:
        message = next(
            (
                m
                for m in self.emulator.messages(user)
                if ("checkin_answer", str(checkin_id)) in buttons(m.get("blocks") or [])
            ),
            None,
        )
        if message is None:  # already recorded (the DM says so) or expired
            return checkin_id in self.submitted
        before = {view["id"] for view in self.emulator.open_views(user)}
        slack = self.emulator.actor
        click = slack.block_action(
            user, "checkin_answer", message=message, block_id=f"checkin:{checkin_id}"
        )
        if click.status != 200:
            return False
        deadline = time.monotonic() + MODAL_WAIT
        view = None
        while view is None and time.monotonic() < deadline:
            view = next(
                (
                    v
                    for v in self.emulator.open_views(user)
                    if v["id"] not in before and _checkin_of(v) == checkin_id
                ),
                None,
            )
            time.sleep(0.05)  # Sherpa opens the modal after acknowledging the click
        if view is None:
            return False
        blocks = {block.get("block_id") for block in view["blocks"]}
        values = {b: {"value": v} for b, v in GOOD_ANSWER.items() if b in blocks}
        result = slack.submit_view(user, view, values)
        if result.status == 200 and not (result.json or {}).get("response_action"):
            with self._lock:
                self.submitted.add(checkin_id)
            return True
        return False

    def _escalate(self, sam: str, account: str, summary: str) -> bool:
        before = len(self.emulator.responses(sam))
        if self.emulator.actor.slash(sam, f"escalate {account} high {summary}").status != 200:
            return False
        deadline = time.monotonic() + MODAL_WAIT
        while time.monotonic() < deadline:
            for reply in self.emulator.responses(sam)[before:]:
                shown = str(reply.body.get("text", ""))
                if shown.startswith("Logged ESC-") and account in shown:
                    with self._lock:
                        self.logged[account] = shown
                    return True
            time.sleep(0.05)  # the confirmation comes after the acknowledgement
        return False
