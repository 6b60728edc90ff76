"""Each missing or bad variable gives one line naming it."""

from __future__ import annotations

import pytest

from engagement.errors import Invalid
from engagement.settings import load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "SLACK_API_URL",
        "DATABASE_URL",
        "PORT",
        "SHERPA_ADMINS",
    ):
        monkeypatch.delenv(name, raising=False)


def test_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: pytest.TempPathFactory) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.port == 3000
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.database_url == f"sqlite:///{tmp_path}/sherpa.sqlite3"
    assert settings.sherpa_admins == frozenset()


def test_values_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHERPA_ADMINS", "U0ADMIN01, W0ADMIN02")
    monkeypatch.setenv("DATABASE_URL", "postgresql://sherpa@db/sherpa")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-123")
    settings = load_settings()
    assert settings.sherpa_admins == {"U0ADMIN01", "W0ADMIN02"}
    assert settings.database_url == "postgresql+psycopg://sherpa@db/sherpa"
    assert "xoxb-123" not in repr(settings)  # tokens never reach logs


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PORT", "eighty", "PORT: Input should be a valid integer"),
        ("PORT", "70000", "PORT: Input should be less than or equal to 65535"),
        ("SLACK_BOT_TOKEN", "xoxp-1", "SLACK_BOT_TOKEN: must be a bot token starting with xoxb-"),
        ("SLACK_APP_TOKEN", "xoxb-1", "SLACK_APP_TOKEN: must be an app-level token starting"),
        ("SLACK_API_URL", "http://localhost/api", "SLACK_API_URL: must be an http(s) URL ending"),
        ("DATABASE_URL", "mysql://x/y", "DATABASE_URL: must be a sqlite:// or postgresql:// URL"),
        ("SHERPA_ADMINS", "U0ADMIN01,bob", "SHERPA_ADMINS: 'bob' is not a Slack user ID"),
        ("SLACK_SIGNING_SECRET", "short", "SLACK_SIGNING_SECRET: String should have at least 8"),
    ],
)
def test_bad_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(Invalid) as error:
        load_settings()
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)


def test_missing_required_setting_is_named() -> None:
    with pytest.raises(Invalid, match=r"^SLACK_BOT_TOKEN is required for this command"):
        load_settings().required("slack_bot_token")
