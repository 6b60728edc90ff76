"""The digest's 12-week trend chart, drawn off-screen with matplotlib's Agg canvas.

The figure is 1200×700 px: Slack previews images about that wide, so text is set
large. Colours are the status colours, and every colour is also named in a text
legend (of only the categories the chart shows) so the chart still reads in grey or for
colour-blind readers; `alt_text` says in words what it shows, for screen readers.
"""

from __future__ import annotations

import io
from datetime import date
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from matplotlib.figure import Figure

WIDTH, HEIGHT, DPI = 1200, 700, 100
COLOURS = {"green": "#2e7d32", "amber": "#f9a825", "red": "#c62828", "no data": "#9e9e9e"}
ALT_TEXT = 1000
"""Slack takes an image description of at most this many characters."""


class TrendChart(BaseModel):
    """Per week: how many accounts were green, amber, red or without data; the mean score."""

    model_config = ConfigDict(frozen=True)

    title: str
    weeks: list[str]
    green: list[int]
    amber: list[int]
    red: list[int]
    no_data: list[int]
    mean_score: list[float | None]


def _series(chart: TrendChart) -> tuple[tuple[str, list[int]], ...]:
    return (
        ("green", chart.green),
        ("amber", chart.amber),
        ("red", chart.red),
        ("no data", chart.no_data),
    )


def _counts(chart: TrendChart, week: int) -> str:
    """One week's accounts in words, worst first: "2 red, 3 amber, 7 green"."""
    found = {name: counts[week] for name, counts in _series(chart) if counts[week]}
    words = [f"{found[name]} {name}" for name in ("red", "amber", "green") if name in found]
    if "no data" in found:
        words.append(f"{found['no data']} without data")
    return ", ".join(words) or "no accounts"


def _week_of(label: str) -> str:
    year, number = label.split("-W")
    monday = date.fromisocalendar(int(year), int(number), 1)
    return f"{monday.day} {monday:%b %Y}"


def alt_text(chart: TrendChart) -> str:
    """What the chart shows, in words, for people who cannot see it: the last week, the
    first week with figures, and the mean score's way between them."""
    if not chart.weeks:
        return chart.title
    last = len(chart.weeks) - 1
    accounts = sum(counts[last] for _, counts in _series(chart))
    scored = [week for week in range(last + 1) if chart.green[week] + chart.amber[week]
              + chart.red[week]]  # fmt: skip
    first = scored[0] if scored else last
    text = (
        f"{chart.title}. Bars: the {accounts} accounts by status, week by week, from the week "
        f"of {_week_of(chart.weeks[0])} to the week of {_week_of(chart.weeks[last])}. "
        f"Last week: {_counts(chart, last)}."
    )
    if first != last:
        text += f" Week of {_week_of(chart.weeks[first])}, the first with figures: "
        text += f"{_counts(chart, first)}."
    scores = [score for score in chart.mean_score if score is not None]
    if len(scores) > 1:
        text += f" Line: the mean score out of 100, from {scores[0]:g} to {scores[-1]:g}."
    elif scores:
        text += f" Line: the mean score, {scores[0]:g} out of 100."
    return text if len(text) <= ALT_TEXT else text[: ALT_TEXT - 1] + "…"


def render_png(chart: TrendChart) -> bytes:
    """A PNG of exactly WIDTH×HEIGHT pixels."""
    buffer = io.BytesIO()
    draw(chart).savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def draw(chart: TrendChart) -> Figure:
    """The figure: stacked status bars, the mean score line, a legend of what is drawn."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    positions = list(range(len(chart.weeks)))
    bottom = [0] * len(positions)
    for name, counts in _series(chart):
        if not any(counts):
            continue  # never drawn, so not in the legend either
        axes.bar(
            positions,
            counts,
            bottom=bottom,
            color=COLOURS[name],
            width=0.7,
            label=f"{name.capitalize()} accounts",
            edgecolor="white",
        )
        bottom = [low + count for low, count in zip(bottom, counts, strict=True)]
    axes.set_ylabel("Accounts", fontsize=15)
    axes.set_xticks(positions, [week.split("-")[-1] for week in chart.weeks], fontsize=13)
    axes.tick_params(axis="y", labelsize=13)
    axes.set_ylim(0, max([*bottom, 1]) * 1.15)
    axes.spines[["top"]].set_visible(False)
    scores = axes.twinx()
    points = [(x, y) for x, y in zip(positions, chart.mean_score, strict=True) if y is not None]
    if points:
        scores.plot(
            [x for x, _ in points],
            [y for _, y in points],
            color="#1a237e",
            linewidth=3,
            marker="o",
            markersize=8,
            label="Mean score (right axis)",
        )
    scores.set_ylim(0, 105)
    scores.set_ylabel("Mean score (0–100)", fontsize=15)
    scores.tick_params(axis="y", labelsize=13)
    scores.spines[["top"]].set_visible(False)
    handles, labels = axes.get_legend_handles_labels()
    more_handles, more_labels = scores.get_legend_handles_labels()
    figure.legend(
        handles + more_handles,
        labels + more_labels,
        loc="lower center",
        ncol=max(1, len(labels + more_labels)),
        fontsize=13,
        frameon=False,
    )
    axes.set_title(chart.title, fontsize=18, pad=14)
    axes.set_xlabel("ISO week", fontsize=14)
    figure.subplots_adjust(left=0.07, right=0.92, top=0.9, bottom=0.2)
    return figure
