"""Acknowledgement latency of `sherpa serve` against a bare Bolt app that only acks.

    python -m benchmarks.ack_latency [--seconds 20] [--clients 20]

Both are served the same way (gunicorn, the same workers and threads, `bot.server.Gunicorn`)
and driven by the same client: signed `/sponsor help` commands and button clicks, from
`--clients` concurrent connections for `--seconds` each. Prints p50 and p99 per app and
the ratio of p99s (target: Sherpa within 1.5x of the bare app).
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bot.emulator import Emulator
from bot.emulator.actor import sign
from engagement import db
from engagement.clock import utcnow
from engagement.portfolio.importer import import_portfolio
from engagement.portfolio.loader import read_portfolio

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "portfolio.yaml"
SECRET = "benchmark-signing-secret"
USER = "U0SAM0001"


def bare_app(port: int) -> None:
    """A Bolt app that only acks `/sponsor` and button clicks, served like Sherpa."""
    from slack_bolt import App
    from slack_bolt.adapter.wsgi import SlackRequestHandler
    from slack_sdk import WebClient

    from bot.server import Gunicorn

    def load() -> Any:
        client = WebClient(token=os.environ["SLACK_BOT_TOKEN"],
                           base_url=os.environ["SLACK_API_URL"])  # fmt: skip
        app = App(client=client, signing_secret=SECRET, token_verification_enabled=False)
        app.command("/sponsor")(lambda ack: ack())
        app.action("checkin_skip")(lambda ack: ack())
        return SlackRequestHandler(app)

    Gunicorn(port, load).run()


def _requests(user: str) -> list[tuple[str, str]]:
    slash = urllib.parse.urlencode({
        "command": "/sponsor", "text": "help", "user_id": user, "user_name": "sam",
        "team_id": "T0EMULATE1", "channel_id": "D0SAM0001", "trigger_id": "1.2.3",
        "response_url": "", "api_app_id": "A0SHERPA00",
    })  # fmt: skip
    click = urllib.parse.urlencode({"payload": json.dumps({
        "type": "block_actions", "user": {"id": user}, "team": {"id": "T0EMULATE1"},
        "api_app_id": "A0SHERPA00", "trigger_id": "1.2.3", "container": {"type": "message"},
        "channel": {"id": "D0SAM0001"}, "response_url": "",
        "actions": [{"type": "button", "action_id": "checkin_skip", "block_id": "b",
                     "value": "999999999", "action_ts": "1"}],
    })})  # fmt: skip
    return [("command", slash), ("button", click)]


def _load(port: int, seconds: float, clients: int, response_url: str) -> dict[str, list[float]]:
    """`clients` threads, each with a kept-alive connection, for `seconds`."""
    latencies: dict[str, list[float]] = {"command": [], "button": []}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    bodies = [
        (kind, body.replace("response_url=&", f"response_url={urllib.parse.quote(response_url)}&")
         .replace('"response_url": ""', f'"response_url": "{response_url}"'))
        for kind, body in _requests(USER)
    ]  # fmt: skip

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        count = 0
        while time.monotonic() < deadline:
            kind, body = bodies[count % 2]
            count += 1
            stamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": sign(SECRET, stamp, body),
            }
            started = time.perf_counter()
            connection.request("POST", "/slack/events", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            if response.status != 200:
                raise RuntimeError(f"{kind} answered {response.status}")
            with lock:
                latencies[kind].append(elapsed * 1000)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def _wait_ready(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("server exited during start-up")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _serve(command: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
    _wait_ready(port, process)
    return process


def serve_slack(pipe: Connection) -> None:
    """The emulator in a process of its own, as Slack is remote: its work (answering the
    replies Sherpa posts after each ack) must not slow the clients that measure acks."""
    with Emulator({"users": [{"id": USER, "tz": "America/New_York"}]},
                  signing_secret=SECRET) as emulator:  # fmt: skip
        pipe.send((emulator.api_url, emulator.bot_token, emulator.url))
        pipe.recv()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare:
        bare_app(args.port)
        return

    folder = Path(tempfile.mkdtemp(prefix="sherpa-bench-"))
    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    db.upgrade(url)
    with db.transaction(db.session_factory(db.make_engine(url))) as session:
        import_portfolio(session, read_portfolio(EXAMPLE), now=utcnow())

    ours, theirs = multiprocessing.Pipe()
    slack = multiprocessing.get_context("spawn").Process(
        target=serve_slack, args=(theirs,), daemon=True
    )
    slack.start()
    api_url, token, slack_url = ours.recv()
    try:
        response_url = f"{slack_url}response/benchmark"
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": url,
            "SLACK_BOT_TOKEN": token,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": api_url,
            "WEB_CONCURRENCY": "2",
            "WEB_THREADS": "8",
        }
        results: dict[str, dict[str, list[float]]] = {}
        for name in ("bare Bolt app", "sherpa serve"):
            port = _free_port()
            env["PORT"] = str(port)
            command = (
                [sys.executable, "-m", "benchmarks.ack_latency", "--bare", "--port", str(port)]
                if name == "bare Bolt app"
                else [sys.executable, "-m", "bot.cli", "serve", "--no-scheduler"]
            )
            process = _serve(command, env, port)
            try:
                _load(port, 2, args.clients, response_url)  # warm-up
                results[name] = _load(port, args.seconds, args.clients, response_url)
            finally:
                process.terminate()
                process.wait(timeout=60)
    finally:
        ours.send("done")
        slack.join(timeout=10)

    print(f"{args.clients} concurrent clients, {args.seconds:.0f} s per app, same gunicorn set-up")
    print(f"{'app':<16}{'request':<10}{'count':>8}{'p50 ms':>10}{'p99 ms':>10}")
    for name, by_kind in results.items():
        for kind, values in by_kind.items():
            print(
                f"{name:<16}{kind:<10}{len(values):>8}{statistics.median(values):>10.1f}"
                f"{_percentile(values, 0.99):>10.1f}"
            )
    for kind in ("command", "button"):
        ratio = _percentile(results["sherpa serve"][kind], 0.99) / _percentile(
            results["bare Bolt app"][kind], 0.99
        )
        print(f"p99 ratio sherpa/bare, {kind}: {ratio:.2f} (target <= 1.5)")


if __name__ == "__main__":
    main()
