"""The digest's 12-week trend chart, drawn off-screen with matplotlib's Agg canvas.

The figure is 1200×700 px: Slack previews images about that wide, so text is set
large. Colours are the status colours, and every colour is also named in a text
legend so the chart still reads in grey or for colour-blind readers.
"""

from __future__ import annotations

import io

from pydantic import BaseModel, ConfigDict

WIDTH, HEIGHT, DPI = 1200, 700, 100
COLOURS = {"green": "#2e7d32", "amber": "#f9a825", "red": "#c62828", "no data": "#9e9e9e"}


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


def render_png(chart: TrendChart) -> bytes:
    """A PNG of exactly WIDTH×HEIGHT pixels."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    positions = list(range(len(chart.weeks)))
    bottom = [0] * len(positions)
    series = (
        ("green", chart.green),
        ("amber", chart.amber),
        ("red", chart.red),
        ("no data", chart.no_data),
    )
    for name, counts in series:
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
        ncol=5,
        fontsize=13,
        frameon=False,
    )
    axes.set_title(chart.title, fontsize=18, pad=14)
    axes.set_xlabel("ISO week", fontsize=14)
    figure.subplots_adjust(left=0.07, right=0.92, top=0.9, bottom=0.2)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
