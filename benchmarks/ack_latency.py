"""Acknowledgement latency of `sherpa serve` against a bare Bolt app that only acks.

    python -m benchmarks.ack_latency [--seconds 20] [--clients 20]

Both are served the same way (gunicorn, the same workers and threads, `sherpa.server.Gunicorn`)
and driven by the same client: signed `/sponsor help` commands and button clicks, from
`--clients` concurrent connections for `--seconds` each. Prints p50 and p99 per app and
the ratio of p99s (target: Sherpa within 1.5x of the bare app).

A fast ack is worth nothing if the person never gets their answer, so it also counts
Sherpa's replies as Slack would show them: the help text in a command's ack, or what it
posts afterwards (to the `response_url`, an ephemeral, a DM; Slack ignores the body of a
button's ack). Every request sent, warm-up included, must have had its reply within
`GRACE` seconds of the last one, or the benchmark fails.
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
import time
import urllib.parse
from collections import Counter
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from benchmarks.load import LoadResult, percentile, run_load, shown_in_ack
from engagement import db
from engagement.clock import utcnow
from engagement.portfolio.importer import import_portfolio
from engagement.portfolio.loader import read_portfolio
from slack_emulator import Emulator
from slack_emulator.interactions import ResponseTarget

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "portfolio.yaml"
SECRET = "benchmark-signing-secret"
USER = "U0SAM0001"
KINDS = ("command", "button")
REPLIES = {"command": "/sponsor status [account]", "button": "That check-in no longer exists."}
"""What the person must be told, per request: the help text; the unknown check-in's line."""
GRACE = 2.0
"""Seconds after the last request by which every reply must have reached Slack."""


def bare_app(port: int) -> None:
    """A Bolt app that only acks `/sponsor` and button clicks, served like Sherpa."""
    from slack_bolt import App
    from slack_bolt.adapter.wsgi import SlackRequestHandler
    from slack_sdk import WebClient

    from engagement.settings import load_settings
    from sherpa.server import Gunicorn

    def load() -> Any:
        client = WebClient(token=os.environ["SLACK_BOT_TOKEN"],
                           base_url=os.environ["SLACK_API_URL"])  # fmt: skip
        app = App(client=client, signing_secret=SECRET, token_verification_enabled=False)
        app.command("/sponsor")(lambda ack: ack())
        app.action("checkin_skip")(lambda ack: ack())
        return SlackRequestHandler(app)

    Gunicorn(load_settings(port=port), load).run()


def _requests(user: str, response_url: str) -> list[tuple[str, str]]:
    """A `/sponsor help` and a click on *Skip* of a check-in that does not exist, as Slack
    sends them: both carry the response_url where the reply goes."""
    slash = urllib.parse.urlencode({
        "command": "/sponsor", "text": "help", "user_id": user, "user_name": "sam",
        "team_id": "T0EMULATE1", "channel_id": "D0SAM0001", "trigger_id": "1.2.3",
        "response_url": response_url, "api_app_id": "A0SHERPA00",
    })  # fmt: skip
    click = urllib.parse.urlencode({"payload": json.dumps({
        "type": "block_actions", "user": {"id": user}, "team": {"id": "T0EMULATE1"},
        "api_app_id": "A0SHERPA00", "trigger_id": "1.2.3", "container": {"type": "message"},
        "channel": {"id": "D0SAM0001"}, "response_url": response_url,
        "actions": [{"type": "button", "action_id": "checkin_skip", "block_id": "b",
                     "value": "999999999", "action_ts": "1"}],
    })})  # fmt: skip
    return [("command", slash), ("button", click)]


def _reply_in_ack(kind: str, body: bytes) -> bool:
    """The help text in a command's ack (Slack shows it; a button's ack body it ignores)."""
    return shown_in_ack(kind, body) and REPLIES[kind] in body.decode(errors="replace")


def _load(port: int, seconds: float, clients: int, response_url: str) -> LoadResult:
    """`clients` kept-alive connections for `seconds`; any failed request fails the run."""
    form = "application/x-www-form-urlencoded"
    requests = [(kind, form, body) for kind, body in _requests(USER, response_url)]
    result = run_load(
        port, SECRET, requests, clients=clients, seconds=seconds, replied=_reply_in_ack
    )
    if result.errors:
        raise RuntimeError(f"requests failed: {result.errors}")
    return result


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


def _serve(command: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
    _wait_ready(port, process)
    return process


def _tally(emulator: Emulator) -> Counter[str]:
    """Replies that reached the person (response_url posts, ephemerals and DMs), by the
    kind of request they answer."""
    told = [str(p.body.get("text", "")) for p in emulator.responses(USER) if p.error is None]
    told += [
        str(call.args.get("text", ""))
        for method in ("chat.postEphemeral", "chat.postMessage")
        for call in emulator.calls(method)
        if call.ok
    ]
    return Counter(
        next((kind for kind, reply in REPLIES.items() if reply in text), "other") for text in told
    )


def serve_slack(pipe: Connection) -> None:
    """The emulator in a process of its own, as Slack is remote: its work (answering the
    replies Sherpa posts after each ack) must not slow the clients that measure acks.

    It hands out one response_url for the benchmark's user in their DM and, asked
    "tally", says how many replies have reached it."""
    with Emulator({"users": [{"id": USER, "tz": "America/New_York"}]},
                  signing_secret=SECRET) as emulator:  # fmt: skip
        dm = emulator.workspace.dm(USER, create=True)
        assert dm is not None
        url_id = emulator.response_urls.register(ResponseTarget(USER, dm))
        pipe.send((emulator.api_url, emulator.bot_token, f"{emulator.url}response/{url_id}"))
        while pipe.recv() == "tally":
            pipe.send(_tally(emulator))


def _await_replies(
    pipe: Connection, before: Counter[str], loads: list[LoadResult]
) -> tuple[Counter[str], float]:
    """Replies per kind (in acks and via Slack) once all have come, or `GRACE` is up; and
    how long after the last request that was."""
    wanted = sum((load.sent() for load in loads), Counter[str]())
    in_acks = sum((load.in_acks for load in loads), Counter[str]())
    started = time.monotonic()
    while True:
        pipe.send("tally")
        told: Counter[str] = pipe.recv()
        got = Counter({kind: in_acks[kind] + told[kind] - before[kind] for kind in KINDS})
        waited = time.monotonic() - started
        if all(got[kind] >= wanted[kind] for kind in KINDS) or waited > GRACE:
            return got, waited
        time.sleep(0.05)


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
    api_url, token, response_url = ours.recv()
    try:
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
        results: dict[str, LoadResult] = {}
        replies: dict[str, tuple[Counter[str], Counter[str], float]] = {}
        for name in ("bare Bolt app", "sherpa serve"):
            port = _free_port()
            env["PORT"] = str(port)
            command = (
                [sys.executable, "-m", "benchmarks.ack_latency", "--bare", "--port", str(port)]
                if name == "bare Bolt app"
                else [sys.executable, "-m", "sherpa.cli", "serve", "--no-scheduler"]
            )
            process = _serve(command, env, port)
            try:
                ours.send("tally")
                before: Counter[str] = ours.recv()
                warm_up = _load(port, 2, args.clients, response_url)
                results[name] = _load(port, args.seconds, args.clients, response_url)
                if name == "sherpa serve":  # the bare app only acks: it tells nobody anything
                    loads = [warm_up, results[name]]
                    sent = sum((load.sent() for load in loads), Counter[str]())
                    replies[name] = (sent, *_await_replies(ours, before, loads))
            finally:
                process.terminate()
                process.wait(timeout=60)
    finally:
        ours.send("done")
        slack.join(timeout=10)

    print(f"{args.clients} concurrent clients, {args.seconds:.0f} s per app, same gunicorn set-up")
    print(f"{'app':<16}{'request':<10}{'count':>8}{'p50 ms':>10}{'p99 ms':>10}{'in ack':>8}")
    for name, load in results.items():
        for kind, values in load.latencies_ms.items():
            print(
                f"{name:<16}{kind:<10}{len(values):>8}{statistics.median(values):>10.1f}"
                f"{percentile(values, 0.99):>10.1f}{load.in_acks[kind]:>8}"
            )
    for kind in KINDS:
        ratio = percentile(results["sherpa serve"].latencies_ms[kind], 0.99) / percentile(
            results["bare Bolt app"].latencies_ms[kind], 0.99
        )
        print(f"p99 ratio sherpa/bare, {kind}: {ratio:.2f} (target <= 1.5)")
    missing = 0
    for name, (sent, got, waited) in replies.items():
        for kind in KINDS:
            print(f"{name} replies, {kind}: {got[kind]} of {sent[kind]}")
            missing += max(0, sent[kind] - got[kind])
        print(f"{name}: the last reply came {waited:.1f} s after the last request")
    if missing:
        sys.exit(f"FAILED: {missing} people were not told their answer {GRACE:.0f} s after the run")


if __name__ == "__main__":
    main()
