"""The digest thread's risk heat map: the open risks of a digest channel's accounts on
seed 002's 5×5 grid of probability by impact, each cell coloured by its score band and
showing how many risks it holds (their IDs when few), with the same told in words as
the image's alt text. Uploaded after the trend chart, only when there are open risks.

Drawn off-screen with matplotlib's Agg canvas, like the trend chart (`scoring.chart`);
every colour is also named in the legend, so the map reads in grey too.
"""

from __future__ import annotations

import io
import logging
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement.duework import streams
from engagement.duework.queue import schedule
from engagement.duework.registry import WorkContext
from engagement.models import Account, DigestRun, Risk, RiskState
from engagement.notify import Posted, naming_channel
from engagement.risks.rules import HIGH_SCORE

log = logging.getLogger(__name__)

UPLOAD = "digest.heatmap"
WIDTH, HEIGHT, DPI = 1200, 900, 100
LABELS_IN_CELL = 3
"""A cell with up to this many risks names them; a fuller one shows only its count."""
LABEL_CHARS = 18
"""An account's name in a cell label is clipped to this, so three labels fit a cell."""
NAMED_HIGH = 5
"""High risks named in the alt text; more are counted."""
ALT_TEXT_LIMIT = 1000
"""Slack's limit for a file's alt text (`alt_txt_too_large` beyond it)."""

BANDS = (
    (HIGH_SCORE, "high", "#c62828"),
    (10, "significant", "#ef6c00"),
    (5, "medium", "#f9a825"),
    (1, "low", "#2e7d32"),
)
"""Score bands, worst first: (lowest score, name, colour); high is the register's own."""


def band(score: int) -> tuple[str, str]:
    """The band of a score (1–25): its name and colour."""
    return next((name, colour) for low, name, colour in BANDS if score >= low)


def band_range(name: str) -> str:
    """A band's scores as people read them: "10–14"."""
    lows = [low for low, _, _ in BANDS]
    index = [item for _, item, _ in BANDS].index(name)
    return f"{lows[index]}–{25 if index == 0 else lows[index - 1] - 1}"


class HeatCell(BaseModel):
    """One cell of the grid that holds risks."""

    model_config = ConfigDict(frozen=True)

    probability: int
    impact: int
    count: int
    labels: list[str]
    """"Globex SR-02" for each risk when the cell holds at most LABELS_IN_CELL."""

    @property
    def score(self) -> int:
        return self.probability * self.impact


class RiskHeatMap(BaseModel):
    """What the map shows, frozen when the digest is posted (it rides in the due work's
    payload, so its size is bounded: at most 25 cells and NAMED_HIGH names)."""

    model_config = ConfigDict(frozen=True)

    title: str
    cells: list[HeatCell]
    high: list[tuple[str, int]]
    """The highest risks scoring high, as (label, score), highest first."""

    @property
    def total(self) -> int:
        return sum(cell.count for cell in self.cells)

    def band_counts(self) -> dict[str, int]:
        counts = {name: 0 for _, name, _ in BANDS}
        for cell in self.cells:
            counts[band(cell.score)[0]] += cell.count
        return counts

    def alt_text(self) -> str:
        """The map in words, within Slack's limit: "7 open risks: 1 high (Globex SR-02
        scores 16), 3 significant (10–14), …"."""
        counts = self.band_counts()
        parts = []
        for name, count in counts.items():
            if not count:
                continue
            part = f"{count} {name} ({band_range(name)})"
            if name == "high":
                named = ", ".join(f"{label} scores {score}" for label, score in self.high)
                more = count - len(self.high)
                part = f"{count} high: {named}" + (f" and {more} more" if more > 0 else "")
            parts.append(part)
        fullest = max(self.cells, key=lambda cell: (cell.count, cell.score))
        plural = "s" if self.total != 1 else ""
        text = (
            f"{self.title}: a 5 by 5 grid of probability (1–5, up) by impact (1–5, across), "
            f"each cell coloured by its score band. {self.total} open risk{plural}: "
            f"{'; '.join(parts)}."
        )
        if fullest.count > 1:
            text += (
                f" The fullest cell: {fullest.count} at probability {fullest.probability} × "
                f"impact {fullest.impact}."
            )
        return _clip(text, ALT_TEXT_LIMIT)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _label(account: str, number: int) -> str:
    return f"{_clip(account, LABEL_CHARS)} SR-{number:02d}"


def heat_map(session: Session, *, channel: str, title: str) -> RiskHeatMap | None:
    """The open (and mitigating) risks of the accounts whose digest goes to `channel`;
    None when there are none."""
    rows = session.execute(
        select(Account.name, Risk.number, Risk.probability, Risk.impact)
        .join(Account, Account.id == Risk.account_id)
        .where(Account.digest_channel == channel, Risk.state != RiskState.CLOSED)
        .order_by(Risk.score.desc(), Account.name, Risk.number)
    ).all()
    if not rows:
        return None
    grid: dict[tuple[int, int], list[str]] = {}
    for account, number, probability, impact in rows:
        grid.setdefault((probability, impact), []).append(_label(account, number))
    cells = [
        HeatCell(
            probability=probability,
            impact=impact,
            count=len(labels),
            labels=labels if len(labels) <= LABELS_IN_CELL else [],
        )
        for (probability, impact), labels in sorted(grid.items())
    ]
    high = [
        (_label(account, number), probability * impact)
        for account, number, probability, impact in rows[:NAMED_HIGH]
        if probability * impact >= HIGH_SCORE
    ]
    return RiskHeatMap(title=title, cells=cells, high=high)


def queue(session: Session, run: DigestRun, *, week_start: date, now: datetime) -> None:
    """After the digest's first message: its heat map for the thread, frozen now, when
    the channel's accounts have open risks."""
    title = f"Open strategic risks — {run.channel}, week of {week_start.day} {week_start:%b %Y}"
    found = heat_map(session, channel=run.channel, title=title)
    if found is None:
        return
    schedule(
        session,
        kind=UPLOAD,
        key=f"{UPLOAD}:{run.channel}:{run.iso_week}",
        due_at=now,
        payload={"run": run.id, "map": found.model_dump()},
        stream=streams.channel(run.channel),
    )


def upload(context: WorkContext) -> None:
    """The heat map in the digest's thread. It follows the trend chart: both are in the
    channel's stream, the chart queued first, and a stream's rows run in order."""
    run = context.session.get_one(DigestRun, int(context.payload["run"]))
    assert run.message_channel and run.message_ts  # recorded before this was queued
    found = RiskHeatMap.model_validate(context.payload["map"])
    found = found.model_copy(
        update={"title": naming_channel(found.title, run.channel, context.notifier)}
    )
    context.notifier.upload(
        Posted(run.message_channel, run.message_ts),
        filename=f"sponsor-risks-{run.iso_week}.png",
        content=render_png(found),
        title=found.title,
        alt_text=found.alt_text(),
    )
    log.info("risks.heatmap channel=%s week=%s risks=%d", run.channel, run.iso_week, found.total)


def render_png(found: RiskHeatMap) -> bytes:
    """A PNG of exactly WIDTH×HEIGHT pixels: impact across, probability up."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch, Rectangle

    figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    held = {(cell.probability, cell.impact): cell for cell in found.cells}
    for probability in range(1, 6):
        for impact in range(1, 6):
            cell = held.get((probability, impact))
            name, colour = band(probability * impact)
            corner = (impact - 0.5, probability - 0.5)
            shade = 1.0 if cell else 0.22
            axes.add_patch(
                Rectangle(corner, 1, 1, facecolor=colour, alpha=shade, edgecolor="white", lw=3)
            )
            if cell is not None:
                _write(axes, cell, ink="black" if name == "medium" else "white")
    axes.set_xlim(0.5, 5.5)
    axes.set_ylim(0.5, 5.5)
    axes.set_xticks(range(1, 6), [str(n) for n in range(1, 6)], fontsize=14)
    axes.set_yticks(range(1, 6), [str(n) for n in range(1, 6)], fontsize=14)
    axes.set_xlabel("Impact (1–5)", fontsize=16)
    axes.set_ylabel("Probability (1–5)", fontsize=16)
    axes.spines[["top", "right", "bottom", "left"]].set_visible(False)
    axes.tick_params(length=0)
    counts = found.band_counts()
    figure.legend(
        handles=[
            Patch(facecolor=colour, label=f"{name.capitalize()} {band_range(name)}: {counts[name]}")
            for _, name, colour in BANDS
        ],
        loc="lower center",
        ncol=4,
        fontsize=13,
        frameon=False,
        title="Score = probability × impact; solid cells hold open risks",
        title_fontsize=13,
    )
    axes.set_title(found.title, fontsize=18, pad=14)
    figure.subplots_adjust(left=0.1, right=0.95, top=0.9, bottom=0.17)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _write(axes: Any, cell: HeatCell, *, ink: str) -> None:
    """A cell's count, large, and beneath it the IDs of its risks when few."""
    middle = {"ha": "center", "va": "center", "color": ink}
    lift = 0.18 if cell.labels else 0.0
    axes.text(cell.impact, cell.probability + lift, str(cell.count), fontsize=30,
              fontweight="bold", **middle)  # fmt: skip
    if cell.labels:
        axes.text(cell.impact, cell.probability - 0.22, "\n".join(cell.labels), fontsize=11,
                  linespacing=1.2, **middle)  # fmt: skip
