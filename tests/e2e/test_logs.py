"""`sherpa serve` with SHERPA_LOG_FORMAT=json: every line on stderr is a JSON object; a
request's lines carry its ID; the process says once how it started."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from datetime import datetime
from pathlib import Path

from slack_emulator import Emulator
from tests.e2e.test_serve import ROOT, free_port, sherpa_command, wait_healthy
from tests.factories import workspace_for


def test_json_lines_parse_and_carry_the_request_id(tmp_path: Path, sqlite_template: Path) -> None:
    database = tmp_path / "serve.sqlite3"
    database.write_bytes(sqlite_template.read_bytes())
    port = free_port()
    with Emulator(workspace_for()) as emulator:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": f"sqlite:///{database}",
            "SLACK_BOT_TOKEN": emulator.bot_token,
            "SLACK_SIGNING_SECRET": emulator.signing_secret,
            "SLACK_API_URL": emulator.api_url,
            "PORT": str(port),
            "WEB_CONCURRENCY": "1",
            "SHERPA_LOG_FORMAT": "json",
        }
        process = subprocess.Popen(
            [*sherpa_command(), "serve", "--no-scheduler"],
            env=env,
            cwd=tmp_path,
            stderr=subprocess.PIPE,
        )
        try:
            wait_healthy(f"http://127.0.0.1:{port}/healthz", process)
            emulator.app_url = f"http://127.0.0.1:{port}/slack/events"
            assert emulator.actor.slash("U0SAM0001", "status").status == 200
            process.send_signal(signal.SIGTERM)  # the worker finishes the reply first
            assert process.wait(timeout=40) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert process.stderr is not None
    lines = [json.loads(line) for line in process.stderr.read().decode().splitlines()]

    [started] = [line for line in lines if line["event"] == "sherpa.started"]
    assert {key: started[key] for key in ("mode", "database", "workers", "threads")} == {
        "mode": "web",
        "database": "sqlite",
        "workers": 1,
        "threads": 8,
    }
    assert started["followup_threads"] == 8 and started["version"] == "0.1.0"
    assert all(datetime.fromisoformat(line["timestamp"]).utcoffset() is not None for line in lines)
    assert all(line["timestamp"].endswith("Z") for line in lines)

    [received] = [line for line in lines if line["event"] == "request.received"]
    assert received["type"] == "command" and len(received["request"]) == 8
    replied = [line for line in lines if line["event"] == "slack.respond"]
    assert replied and replied[0]["request"] == received["request"]
    assert replied[0]["ok"] == "true" and isinstance(replied[0]["ms"], int)
