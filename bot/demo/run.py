"""`sherpa demo` (for now): import the example portfolio into a fresh database and show the plan."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from engagement import db
from engagement.clock import utcnow
from engagement.portfolio.importer import import_portfolio
from engagement.portfolio.loader import read_portfolio

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "portfolio.yaml"


def run_demo(args: argparse.Namespace) -> int:
    folder = Path(tempfile.mkdtemp(prefix="sherpa-demo-"))
    url = args.database_url or f"sqlite:///{folder / 'demo.sqlite3'}"
    db.upgrade(url)
    sessions = db.session_factory(db.make_engine(url))
    with db.transaction(sessions) as session:
        plan = import_portfolio(session, read_portfolio(EXAMPLE), now=utcnow())
    print("\n".join(plan.lines()))
    print(f"database: {url}")
    return 0
