"""A settled heap: what the process loaded is frozen, so full collections skip it."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator

import pytest

from sherpa import heap


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


@pytest.mark.usefixtures("unfrozen")
def test_settle_loads_the_modules_then_freezes_everything_alive() -> None:
    sys.modules.pop("colorsys", None)  # a standard module nothing here has loaded
    assert gc.get_freeze_count() == 0

    heap.settle("colorsys")

    assert "colorsys" in sys.modules
    frozen = gc.get_freeze_count()
    assert frozen > 1000  # the interpreter's and the suite's objects, not a handful
    assert gc.get_count()[0] < 100  # nothing left young to collect


@pytest.mark.usefixtures("unfrozen")
def test_the_clock_settles_its_chart_renderer_with_the_rest() -> None:
    heap.settle(*heap.CLOCK_MODULES)

    figure = sys.modules["matplotlib.figure"]
    assert not any(tracked is figure for tracked in gc.get_objects())  # frozen: out of sight
