"""The people of the demo and how each behaves, as sponsorship goes wrong in practice:
engaged, drifting, "boss mode".

Every decision draws from one seeded random generator, so `--seed` repeats a run exactly.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from engagement.indicators import RATED


@dataclass(frozen=True)
class Persona:
    """How someone answers check-ins and escalations over the simulated weeks."""

    name: str
    answers: float  # chance of answering a check-in at all
    skips: float  # chance of pressing "Skip this one" instead
    delay_hours: tuple[int, int]  # how long after the DM they act
    level: float  # where their ratings start (1-5)
    drift: float  # rating change per week (negative: drifting away)
    direction: str  # stepped_back | balanced | took_over
    acknowledges: float  # chance of acknowledging an escalation before its deadline
    advocacy: tuple[str, ...] = ()

    def acts(self, rng: random.Random) -> str:
        """What they do with a check-in: answer, skip, or nothing."""
        roll = rng.random()
        if roll < self.answers:
            return "answer"
        if roll < self.answers + self.skips:
            return "skip"
        return "ignore"

    def delay(self, rng: random.Random) -> int:
        return rng.randint(*self.delay_hours)

    def ratings(self, week: int, rng: random.Random) -> dict[str, int]:
        base = self.level + self.drift * week
        return {key: max(1, min(5, round(base + rng.uniform(-0.6, 0.6)))) for key in RATED}


ENGAGED = Persona(
    "engaged sponsor", answers=0.95, skips=0.03, delay_hours=(1, 6), level=4.4, drift=0.0,
    direction="balanced", acknowledges=0.95,
    advocacy=("Opened a door to the customer's CFO", "Secured two solution architects",
              "Unblocked legal review of the joint offering"),
)  # fmt: skip
DRIFTING = Persona(
    "sponsor drifting away", answers=0.8, skips=0.05, delay_hours=(6, 40), level=4.2,
    drift=-0.17, direction="stepped_back", acknowledges=0.35,
    advocacy=("Forwarded the QBR deck",),
)  # fmt: skip
BOSS_MODE = Persona(
    "sponsor in boss mode", answers=0.9, skips=0.0, delay_hours=(0, 3), level=4.5, drift=0.0,
    direction="took_over", acknowledges=1.0,
    advocacy=("Ran the steering committee personally", "Renegotiated terms directly"),
)  # fmt: skip
SKIPPER = Persona(
    "sponsor who skips", answers=0.25, skips=0.6, delay_hours=(2, 30), level=3.5, drift=-0.05,
    direction="stepped_back", acknowledges=0.0,
)  # fmt: skip
DILIGENT_SAM = Persona(
    "diligent SAM", answers=0.97, skips=0.0, delay_hours=(1, 8), level=3.8, drift=0.0,
    direction="balanced", acknowledges=1.0,
)  # fmt: skip

CAST: dict[str, Persona] = {
    "U0SPN0001": ENGAGED,
    "U0SPN0002": DRIFTING,
    "U0SPN0003": BOSS_MODE,
    "U0SPN0004": SKIPPER,
    "U0SPN0005": ENGAGED,
    "U0SPN0006": ENGAGED,
    "U0SPN0007": ENGAGED,
}
"""Sponsors of `examples/portfolio.yaml`, and the one who takes over an account mid-run;
every SAM is diligent."""


def persona_of(user_id: str) -> Persona:
    return CAST.get(user_id, DILIGENT_SAM)


SAM_RATING_OF = {"took_over": -1.2, "stepped_back": -0.6, "balanced": 0.0}
"""How a SAM's view of the sponsor's role balance departs from the sponsor's own."""
