"""Many people at once: signed Slack requests from concurrent kept-alive connections, timed.

Used by the acknowledgement benchmark and by the reliability suite's load scenario. Each
client sends its requests back to back (a closed loop), cycling through `requests`.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot.emulator.actor import sign

Request = tuple[str, str, str]
"""(kind, content type, body), e.g. ("command", "application/x-www-form-urlencoded", …)."""


@dataclass
class LoadResult:
    """Ack latencies per kind, failures by what failed, and the replies the acks carried."""

    latencies_ms: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    in_acks: Counter[str] = field(default_factory=Counter)

    def count(self) -> int:
        return sum(len(values) for values in self.latencies_ms.values())

    def sent(self) -> Counter[str]:
        return Counter({kind: len(values) for kind, values in self.latencies_ms.items()})


def shown_in_ack(kind: str, body: bytes) -> bool:
    """Slack shows the person a slash command's ack body; a button's it ignores."""
    if kind != "command" or not body:
        return False
    try:
        answer = json.loads(body)
    except ValueError:
        return False
    return isinstance(answer, dict) and bool(answer.get("text") or answer.get("blocks"))


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def run_load(
    port: int,
    secret: str,
    requests: Sequence[Request],
    *,
    clients: int,
    seconds: float,
    path: str = "/slack/events",
    replied: Callable[[str, bytes], bool] = shown_in_ack,
) -> LoadResult:
    """`clients` threads, each with its own connection, for `seconds`; a failed request is
    counted by kind of failure (status or exception), and the client reconnects."""
    result = LoadResult({kind: [] for kind, _, _ in requests})
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def failed(what: str) -> None:
        with lock:
            result.errors[what] = result.errors.get(what, 0) + 1

    def client(offset: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        count = offset
        while time.monotonic() < deadline:
            kind, content_type, body = requests[count % len(requests)]
            count += 1
            stamp = str(int(time.time()))
            headers = {
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": sign(secret, stamp, body),
            }
            started = time.perf_counter()
            try:
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                answer = response.read()
            except (OSError, http.client.HTTPException) as error:
                failed(type(error).__name__)
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            elapsed = (time.perf_counter() - started) * 1000
            if response.status != 200:
                failed(f"{kind} {response.status}")
                continue
            in_ack = replied(kind, answer)
            with lock:
                result.latencies_ms[kind].append(elapsed)
                result.in_acks[kind] += in_ack
        connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return result
