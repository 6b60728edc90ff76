"""A long-running process's heap, settled once it has started.

What a process loads at start-up (modules, mappers, schemas, the chart's renderer) stays
for its life. Moved out of the garbage collector's way (`gc.freeze`), a full collection
then looks only at objects made since: milliseconds instead of the hundreds that stop
every thread, several times over while a digest of thousands of accounts is composed.
"""

from __future__ import annotations

import gc
import importlib

CLOCK_MODULES = ("matplotlib.backends.backend_agg", "matplotlib.figure")
"""What the clock would load only when it first draws a chart (a digest's trend, the risks'
heat map): loaded before its heap is settled, so it is settled with the rest."""


def settle(*modules: str) -> None:
    """Load `modules`, collect once, and freeze everything alive."""
    for name in modules:
        importlib.import_module(name)
    gc.collect()
    gc.freeze()
