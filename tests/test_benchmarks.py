"""Every benchmark command runs end to end (on tiny data here; `make bench` runs them full size)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("module", "arguments", "expected"),
    [
        ("benchmarks.ack_latency", ["--seconds", "1", "--clients", "2"], "p99 ratio sherpa/bare"),
        ("benchmarks.checkin_planning", ["--people", "300", "--accounts", "150"], "s"),
        ("benchmarks.checkin_fanout", ["--people", "60", "--database", "sqlite"], "lost"),
        ("benchmarks.digest", ["--accounts", "20", "--weeks", "8"], "SQL"),
        ("benchmarks.claim", ["--rows", "400", "--repeat", "2", "--database", "sqlite"], "CPU"),
    ],
)
def test_benchmark_runs(module: str, arguments: list[str], expected: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", module, *arguments], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert expected in result.stdout
