"""`sherpa demo`: start the emulator and Sherpa's real HTTP server on loopback, set up the
example portfolio from App Home as its admin (the file sets what the Admin view does not),
simulate the weeks, then show what happened and write it to a folder."""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from engagement import db
from engagement.clock import MovableClock
from engagement.portfolio.loader import read_portfolio
from sherpa_demo import report
from sherpa_demo.admin import set_up_portfolio
from sherpa_demo.measure import measure
from sherpa_demo.simulate import START, Simulation
from sherpa_demo.stack import running_stack
from sherpa_demo.workspace import ADMIN, accounts_zones, workspace_for

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "portfolio.yaml"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", help="database to use (default: a temporary SQLite)")
    parser.add_argument("--seed", type=int, default=7, help="the simulation repeats per seed")
    parser.add_argument("--weeks", type=int, default=12, help="simulated weeks (default 12)")
    parser.add_argument("--out", default="sherpa-demo-output",
                        help="folder for the transcript and the chart")  # fmt: skip
    parser.add_argument("--portfolio", default=str(EXAMPLE), help=argparse.SUPPRESS)


def run_demo(args: argparse.Namespace) -> int:
    console = Console()
    started = time.monotonic()
    logging.getLogger().setLevel(logging.WARNING)  # the demo shows its own story
    folder = Path(args.out)
    folder.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'demo.sqlite3'}"
    db.upgrade(url)
    spec = read_portfolio(Path(args.portfolio))
    clock = MovableClock(START)
    with running_stack(url, workspace_for(spec), clock=clock, admins=ADMIN) as stack, Progress(
        TextColumn("simulated weeks"), BarColumn(), MofNCompleteColumn(), console=console,
        transient=True,
    ) as progress:  # fmt: skip
        setup = set_up_portfolio(stack, spec, clock)
        console.print(f"[bold]Sherpa demo[/bold]: {len(spec.accounts)} accounts and "
                      f"{len(spec.scorecard)} KPIs set up by the admin in App Home, "
                      f"{args.weeks} weeks from {START:%Y-%m-%d}, seed {args.seed}")  # fmt: skip
        task = progress.add_task("weeks", total=args.weeks)
        simulation = Simulation(
            stack,
            spec,
            clock,
            seed=args.seed,
            weeks=args.weeks,
            on_week=lambda week: progress.update(task, completed=week),
        )
        simulation.run()
        with stack.runtime.sessions() as session:
            shown = report.show_last_digest(console, stack.emulator, spec.digest.channel)
            alerts = report.show_alerts(console, session)
            figures = measure(session, spec, START, args.weeks)
            escalations = report.show_escalations(console, session)
        transcript = report.write_transcript(
            stack.emulator, folder, accounts_zones(spec), simulation.notes, setup=setup.seen
        )
        chart = report.write_image(stack.emulator, folder, "sponsor-digest-", "digest-chart.png")
        heat_map = report.write_image(stack.emulator, folder, "sponsor-risks-", "digest-risks.png")
        failures = [
            post.body.get("text", "") for post in stack.emulator.responses()
            if "Something went wrong" in str(post.body.get("text", ""))
        ]  # fmt: skip
    problems = [*setup.problems, *simulation.problems, *failures]
    if not shown:
        problems.append("no digest was posted")
    if chart is None:
        problems.append("no digest chart was uploaded")

    counts = ", ".join(f"{n} {what}" for what, n in sorted(simulation.counts.items()))
    console.print(f"\n{counts}; {alerts} alerts; {escalations} escalations.")
    for line in figures.lines():
        console.print(line)
    for path in (transcript, chart, heat_map):
        if path is not None:
            console.print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    console.print(f"finished in {time.monotonic() - started:.1f} s")
    if problems:
        console.print(f"[red]{len(problems)} step(s) did not work:[/red]")
        for problem in problems[:20]:
            console.print(f"  - {problem}")
        return 1
    console.print("[green]every step worked[/green]")
    return 0
