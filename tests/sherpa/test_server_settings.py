"""`sherpa serve`'s gunicorn: Sherpa's defaults from its settings, then a `gunicorn.conf.py`,
then `GUNICORN_CMD_ARGS`, as gunicorn's own command reads them; a bad one is one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engagement.errors import Invalid
from engagement.settings import load_settings
from sherpa.server import Gunicorn
from sherpa.worker import WholeRequestWorker


@pytest.fixture(autouse=True)
def elsewhere(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A working directory of the test's own, with no gunicorn settings in it."""
    monkeypatch.chdir(tmp_path)
    for name in ("GUNICORN_CMD_ARGS", "WEB_CONCURRENCY", "WEB_THREADS", "PORT"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def configured() -> Gunicorn:
    return Gunicorn(load_settings(), lambda: None)


def test_sherpas_defaults_come_from_its_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("SHERPA_READ_TIMEOUT", "4")
    cfg = configured().cfg
    assert (cfg.workers, cfg.threads, cfg.timeout, cfg.bind) == (3, 8, 30, ["0.0.0.0:3000"])
    assert issubclass(cfg.worker_class, WholeRequestWorker)
    assert cfg.worker_class.read_timeout == 4


def test_a_gunicorn_conf_py_then_gunicorn_cmd_args_override_them(
    monkeypatch: pytest.MonkeyPatch, elsewhere: Path
) -> None:
    (elsewhere / "gunicorn.conf.py").write_text("threads = 5\ntimeout = 90\nworkers = 6\n")
    monkeypatch.setenv("GUNICORN_CMD_ARGS", "--workers 4 --graceful-timeout 45")
    cfg = configured().cfg
    assert (cfg.threads, cfg.timeout, cfg.workers, cfg.graceful_timeout) == (5, 90, 4, 45)


def test_gunicorn_cmd_args_can_name_another_config_file(
    monkeypatch: pytest.MonkeyPatch, elsewhere: Path
) -> None:
    (elsewhere / "web.py").write_text("keepalive = 2\n")
    monkeypatch.setenv("GUNICORN_CMD_ARGS", f"--config {elsewhere / 'web.py'}")
    assert configured().cfg.keepalive == 2


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ("--workers two", "GUNICORN_CMD_ARGS: argument -w/--workers: invalid int value: 'two'"),
        ("--no-such-option", "GUNICORN_CMD_ARGS: unrecognized arguments: --no-such-option"),
    ],
)
def test_bad_gunicorn_cmd_args_are_one_line(
    monkeypatch: pytest.MonkeyPatch, arguments: str, message: str
) -> None:
    monkeypatch.setenv("GUNICORN_CMD_ARGS", arguments)
    with pytest.raises(Invalid) as refused:
        configured()
    assert str(refused.value) == message


def test_a_bad_value_in_gunicorn_conf_py_is_one_line(elsewhere: Path) -> None:
    (elsewhere / "gunicorn.conf.py").write_text("workers = 'two'\n")
    with pytest.raises(Invalid) as refused:
        configured()
    assert str(refused.value) == (
        f"{elsewhere}/gunicorn.conf.py: workers: invalid literal for int() with base 0: 'two'"
    )


def test_gunicorns_own_lines_are_in_sherpas_format(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SHERPA_LOG_FORMAT", "json")
    cfg = configured().cfg
    gunicorn_log = cfg.logger_class(cfg)  # as the arbiter sets it up
    gunicorn_log.info("Booting worker with pid: %s", 42)  # below its level: not written
    gunicorn_log.error("Worker (pid:%s) was sent SIGKILL!", 42)
    gunicorn_log.access(None, None, {}, None)  # access lines stay off
    [line] = [json.loads(text) for text in capsys.readouterr().err.splitlines()]
    assert (line["logger"], line["level"]) == ("gunicorn.error", "error")
    assert line["event"] == "Worker (pid:42) was sent SIGKILL!"
