"""The manifest is valid and asks for exactly the scopes the code uses."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.scopes import METHOD_SCOPES, scopes_for

ROOT = Path(__file__).resolve().parents[2]


def methods_called() -> set[str]:
    """Every Web API method named in Sherpa's Slack layer (the emulator excluded)."""
    found: set[str] = set()
    for path in [*(ROOT / "bot").rglob("*.py"), ROOT / "sherpa" / "doctor.py"]:
        if "emulator" in path.parts:
            continue
        source = path.read_text()
        found |= set(
            re.findall(r"""["']((?:chat|views|users|files|auth|conversations)\.\w+)["']""", source)
        )
        if "files_upload_v2" in source:
            found |= {"files.getUploadURLExternal", "files.completeUploadExternal"}
    return found


def test_manifest_scopes_are_exactly_those_used() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    used = methods_called()
    assert used <= set(METHOD_SCOPES), f"unknown methods {used - set(METHOD_SCOPES)}"
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == scopes_for(used)


def test_manifest_shape() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    features = manifest["features"]
    assert features["app_home"]["home_tab_enabled"] and features["app_home"]["messages_tab_enabled"]
    assert [c["command"] for c in features["slash_commands"]] == ["/sponsor"]
    assert features["slash_commands"][0]["usage_hint"]
    assert [(s["name"], s["type"]) for s in features["shortcuts"]] == [
        ("Escalate to sponsor", "message")
    ]
    settings = manifest["settings"]
    assert settings["event_subscriptions"]["bot_events"] == [
        "app_home_opened", "message.im", "user_change", "app_uninstalled", "tokens_revoked",
    ]  # fmt: skip
    assert settings["interactivity"]["request_url"].endswith("/slack/events")
    assert settings["socket_mode_enabled"] is False


def test_procfile_runs_the_documented_processes() -> None:
    lines = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines())
    assert lines == {
        "release": "sherpa db upgrade",
        "web": "sherpa serve --no-scheduler",
        "clock": "sherpa scheduler",
    }
