"""Each missing or bad variable gives one line naming it."""

from __future__ import annotations

from datetime import UTC, datetime

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
        "SHERPA_POST_RATE",
        "SHERPA_REHEARSAL_CLOCK",
        "WEB_CONCURRENCY",
        "WEB_THREADS",
        "SHERPA_FOLLOWUP_THREADS",
        "SHERPA_FOLLOWUP_PLACES",
        "SHERPA_LOG_FORMAT",
    ):
        monkeypatch.delenv(name, raising=False)


def test_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: pytest.TempPathFactory) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.port == 3000
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.database_url == f"sqlite:///{tmp_path}/sherpa.sqlite3"
    assert settings.sherpa_admins == frozenset()
    assert settings.sherpa_rehearsal_clock is None
    assert settings.sherpa_post_rate is None  # no pacing: Slack's 429s are honoured
    assert (settings.web_concurrency, settings.web_threads) == (2, 8)
    assert (settings.sherpa_followup_threads, settings.sherpa_followup_places) == (8, 4)
    assert settings.sherpa_log_format == "logfmt"


def test_a_rehearsal_clock_runs_from_its_anchor_at_its_speed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every process given the same value reads the same time, restarted or not."""
    monkeypatch.setenv("SHERPA_REHEARSAL_CLOCK", "2026-11-23T00:00:00Z,600,1000")
    clock = load_settings().sherpa_rehearsal_clock
    assert clock is not None
    monkeypatch.setattr("engagement.clock.time.time", lambda: 1010.0)
    assert clock() == datetime(2026, 11, 23, 1, 40, tzinfo=UTC)  # 10 s x 600 = 100 min
    assert load_settings(sherpa_rehearsal_clock=str(clock)).sherpa_rehearsal_clock() == clock()


def test_values_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHERPA_ADMINS", "U0ADMIN01, W0ADMIN02")
    monkeypatch.setenv("DATABASE_URL", "postgresql://sherpa@db/sherpa")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-123")
    monkeypatch.setenv("SHERPA_POST_RATE", "45.5")
    settings = load_settings()
    assert settings.sherpa_post_rate == 45.5
    assert settings.sherpa_admins == {"U0ADMIN01", "W0ADMIN02"}
    assert settings.database_url == "postgresql+psycopg://sherpa@db/sherpa"
    assert "xoxb-123" not in repr(settings)  # tokens never reach logs


@pytest.mark.parametrize(
    "url",
    [
        "postgres://sherpa:pw@db:5432/sherpa",
        "postgresql://sherpa:pw@db:5432/sherpa",
        "postgresql+psycopg://sherpa:pw@db:5432/sherpa",
        "postgres+psycopg://sherpa:pw@db:5432/sherpa",
    ],
)
def test_every_postgres_spelling_is_driven_by_psycopg(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    """Heroku's and Render's `postgres://` (which Heroku's add-on will not let one edit)."""
    monkeypatch.setenv("DATABASE_URL", url)
    assert load_settings().database_url == "postgresql+psycopg://sherpa:pw@db:5432/sherpa"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PORT", "eighty", "PORT: Input should be a valid integer"),
        ("PORT", "70000", "PORT: Input should be less than or equal to 65535"),
        ("SLACK_BOT_TOKEN", "xoxp-1", "SLACK_BOT_TOKEN: must be a bot token starting with xoxb-"),
        ("SLACK_APP_TOKEN", "xoxb-1", "SLACK_APP_TOKEN: must be an app-level token starting"),
        ("SLACK_API_URL", "http://localhost/api", "SLACK_API_URL: must be an http(s) URL ending"),
        ("DATABASE_URL", "mysql://x/y", "DATABASE_URL: must be a sqlite://, postgres:// or"),
        ("DATABASE_URL", "postgresql+psycopg2://x/y", "DATABASE_URL: must be a sqlite://"),
        ("WEB_CONCURRENCY", "two", "WEB_CONCURRENCY: Input should be a valid integer"),
        ("WEB_THREADS", "0", "WEB_THREADS: Input should be greater than or equal to 1"),
        ("SHERPA_FOLLOWUP_PLACES", "many", "SHERPA_FOLLOWUP_PLACES: Input should be a valid"),
        ("SHERPA_LOG_FORMAT", "xml", "SHERPA_LOG_FORMAT: Input should be 'logfmt' or 'json'"),
        ("SHERPA_ADMINS", "U0ADMIN01,bob", "SHERPA_ADMINS: 'bob' is not a Slack user ID"),
        ("SHERPA_POST_RATE", "0", "SHERPA_POST_RATE: Input should be greater than 0"),
        ("SLACK_SIGNING_SECRET", "short", "SLACK_SIGNING_SECRET: String should have at least 8"),
        ("SHERPA_REHEARSAL_CLOCK", "tomorrow", "SHERPA_REHEARSAL_CLOCK: must be START,SPEED"),
        ("SHERPA_REHEARSAL_CLOCK", "2026-11-23T00:00Z,0,1", "SHERPA_REHEARSAL_CLOCK: the speed"),
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
