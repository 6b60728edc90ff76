"""Log lines as the process writes them: logfmt by default, JSON on request."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot import logs


@pytest.fixture
def written() -> Iterator[tuple[io.StringIO, logging.Handler]]:
    """A handler with Sherpa's formatter, on a logger of its own."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("sherpa.test_logs")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    yield stream, handler
    logger.removeHandler(handler)
    logs.request_id.set("-")


def lines(stream: io.StringIO) -> list[str]:
    return stream.getvalue().splitlines()


def test_logfmt_quotes_values_with_spaces_and_keeps_one_line_per_event(
    written: tuple[io.StringIO, logging.Handler],
) -> None:
    stream, handler = written
    handler.setFormatter(logs.formatter("logfmt"))
    log = logging.getLogger("sherpa.test_logs")
    log.info("people.forgotten person=%d pseudonym=%s answers=%d", 7, "Forgotten person 7", 2)
    log.warning("health.database_unreachable error=%s", 'said "no"')
    try:
        raise ValueError("first\nsecond")
    except ValueError:
        log.exception("clock.run_failed")
    first, second, third = lines(stream)
    assert first.startswith("timestamp=") and "Z level=info logger=sherpa.test_logs" in first
    assert first.endswith(
        'event=people.forgotten person=7 pseudonym="Forgotten person 7" answers=2'
    )
    assert second.endswith(r'event=health.database_unreachable error="said \"no\""')
    assert "event=clock.run_failed exception=" in third and r"ValueError: first\nsecond" in third


def test_json_keeps_types_and_the_request_id(written: tuple[io.StringIO, logging.Handler]) -> None:
    stream, handler = written
    handler.setFormatter(logs.formatter("json"))
    logs.request_id.set("0badcafe")
    logging.getLogger("sherpa.test_logs").info(
        "checkins.sent person=%d count=%d late=%s", 3, 4, False
    )
    [line] = [json.loads(text) for text in lines(stream)]
    assert line["timestamp"].endswith("Z")
    del line["timestamp"]
    assert line == {
        "level": "info",
        "logger": "sherpa.test_logs",
        "request": "0badcafe",
        "event": "checkins.sent",
        "person": 3,
        "count": 4,
        "late": False,
    }


def test_slack_sdks_own_lines_in_the_same_format(
    written: tuple[io.StringIO, logging.Handler],
) -> None:
    """A line of another shape keeps its whole message as the event."""
    stream, handler = written
    handler.setFormatter(logs.formatter("logfmt"))
    logging.getLogger("sherpa.test_logs").warning(
        "Received a response in a non-JSON format: %s", "<html>"
    )
    [line] = lines(stream)
    assert line.endswith('event="Received a response in a non-JSON format: <html>"')
    assert " level=warning " in line
