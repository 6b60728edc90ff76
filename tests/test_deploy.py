"""What an operator deploys from: the lock, the image, compose and the Kubernetes manifests."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
UV = Path(sys.executable).with_name("uv")


def test_the_lock_installs_into_a_fresh_environment_and_sherpa_runs(tmp_path: Path) -> None:
    """deploy/requirements.txt (uv.lock's runtime packages, hashes checked), then Sherpa."""
    if not UV.exists():
        pytest.skip("uv is not installed in this environment (`make` installs it)")
    venv = tmp_path / "venv"
    python = venv / "bin" / "python"
    quiet = {"check": True, "capture_output": True, "cwd": ROOT}
    subprocess.run([str(UV), "venv", "--quiet", "--python", sys.executable, str(venv)], **quiet)
    install = [str(UV), "pip", "install", "--quiet", "--python", str(python)]
    subprocess.run([*install, "--require-hashes", "-r", "deploy/requirements.txt"], **quiet)
    subprocess.run([*install, "--no-deps", str(ROOT)], **quiet)
    shown = subprocess.run(
        [str(venv / "bin" / "sherpa"), "--help"], capture_output=True, text=True, check=True
    )
    assert shown.stdout.startswith("usage: sherpa")
    assert "db" in shown.stdout and "serve" in shown.stdout


def _engine() -> tuple[str | None, str]:
    """A container engine that answers, or why there is none."""
    for name in ("docker", "podman"):
        found = shutil.which(name)
        if found is None:
            continue
        info = subprocess.run([found, "info"], capture_output=True, text=True)
        if info.returncode == 0:
            return found, ""
        return None, f"{name} is installed but its engine does not answer (`{name} info` failed)"
    return None, "neither docker nor podman is installed"


def test_the_image_builds_and_its_web_answers_healthz(tmp_path: Path) -> None:
    engine, why = _engine()
    if engine is None:
        pytest.skip(why)
    tag = f"sherpa-sponsorship:test-{uuid.uuid4().hex[:8]}"
    subprocess.run([engine, "build", "--tag", tag, str(ROOT)], check=True, capture_output=True)
    name = f"sherpa-test-{uuid.uuid4().hex[:8]}"
    settings = {
        "DATABASE_URL": "sqlite:////home/sherpa/sherpa.sqlite3",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "a-signing-secret",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
        "WEB_CONCURRENCY": "1",
    }
    options = [item for key, value in settings.items() for item in ("--env", f"{key}={value}")]
    try:
        subprocess.run(
            [engine, "run", "--detach", "--name", name, "--publish", "127.0.0.1::3000",
             *options, "--entrypoint", "sh", tag, "-c",
             "sherpa-entrypoint release && exec sherpa-entrypoint web"],
            check=True, capture_output=True,
        )  # fmt: skip
        port = (
            subprocess.run(
                [engine, "port", name, "3000"], check=True, capture_output=True, text=True
            )
            .stdout.split(":")[-1]
            .strip()
        )
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as page:
                    assert json.loads(page.read())["database"] == "ok"
                    break
            except OSError:
                assert time.monotonic() < deadline, "the container's web never answered"
                time.sleep(0.5)  # polling a starting container
        user = subprocess.run(
            [engine, "exec", name, "id", "-u"], check=True, capture_output=True, text=True
        )
        assert user.stdout.strip() == "10001"
    finally:
        subprocess.run([engine, "rm", "--force", name], capture_output=True)
        subprocess.run([engine, "rmi", "--force", tag], capture_output=True)


def _documents(path: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all((ROOT / path).read_text()) if doc]


def _container(document: dict[str, Any]) -> dict[str, Any]:
    [container] = document["spec"]["template"]["spec"]["containers"]
    return dict(container)


def test_the_kubernetes_manifests_run_web_clock_and_the_release_on_one_secret() -> None:
    web, service = _documents("deploy/kubernetes/web.yaml")
    [clock] = _documents("deploy/kubernetes/clock.yaml")
    [job] = _documents("deploy/kubernetes/migrate-job.yaml")
    [secret] = _documents("deploy/kubernetes/secret.yaml")
    assert (web["kind"], service["kind"], clock["kind"], job["kind"], secret["kind"]) == (
        "Deployment", "Service", "Deployment", "Job", "Secret",
    )  # fmt: skip
    containers = {"web": _container(web), "clock": _container(clock), "release": _container(job)}
    assert {mode: container["args"] for mode, container in containers.items()} == {
        "web": ["web"],
        "clock": ["clock"],
        "release": ["release"],
    }
    for container in containers.values():
        assert container["envFrom"] == [{"secretRef": {"name": secret["metadata"]["name"]}}]
    assert len({container["image"] for container in containers.values()}) == 1
    assert {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "DATABASE_URL"} <= set(secret["stringData"])
    for probe in ("readinessProbe", "livenessProbe"):
        assert containers["web"][probe]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert containers["web"]["ports"] == [{"name": "http", "containerPort": 3000}]
    assert service["spec"]["selector"] == web["spec"]["template"]["metadata"]["labels"]


def test_compose_runs_the_release_before_web_and_clock_on_postgresql() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "release", "web", "clock"}
    for mode in ("release", "web", "clock"):
        assert services[mode]["command"] == [mode]
        assert services[mode]["env_file"] == ".env"
        assert services[mode]["environment"]["DATABASE_URL"].startswith("postgres://")
    assert services["release"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    for mode in ("web", "clock"):
        assert services[mode]["depends_on"] == {
            "release": {"condition": "service_completed_successfully"}
        }


@pytest.mark.parametrize(
    ("argv", "runs"),
    [
        ([], "serve --no-scheduler"),
        (["web"], "serve --no-scheduler"),
        (["clock"], "scheduler"),
        (["release"], "db upgrade"),
        (["doctor"], "doctor"),
        (["sherpa-entrypoint", "clock"], "scheduler"),
    ],
)
def test_the_images_command_selects_web_clock_or_release(
    tmp_path: Path, argv: list[str], runs: str
) -> None:
    """The entrypoint script, with a stand-in `sherpa` that prints what it was asked."""
    (tmp_path / "sherpa").write_text('#!/bin/sh\necho "$@"\n')
    (tmp_path / "sherpa").chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}", "TMPDIR": str(tmp_path)}
    done = subprocess.run(
        ["sh", str(ROOT / "deploy" / "entrypoint.sh"), *argv],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert done.stdout.strip() == runs
