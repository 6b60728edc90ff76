"""Environment configuration: the variables of README.md's "Configuration" table, each
checked once at start-up, so a missing or malformed one is one line naming it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from engagement.clock import RehearsalClock
from engagement.errors import Invalid
from engagement.refs import USER_ID

POSTGRES_URL = re.compile(r"^postgres(ql)?(\+psycopg)?://")
SQLITE_URL = re.compile(r"^sqlite(\+pysqlite)?://")


def default_database_url() -> str:
    """`sherpa.sqlite3` in the working directory, the default of README.md's table."""
    return f"sqlite:///{Path.cwd() / 'sherpa.sqlite3'}"


def _prefixed(prefix: str, what: str) -> AfterValidator:
    def check(value: str | None) -> str | None:
        if value is not None and not value.startswith(prefix):
            raise ValueError(f"must be {what} starting with {prefix}")
        return value

    return AfterValidator(check)


class Settings(BaseSettings):
    """Every variable Sherpa reads; tokens are never logged or printed."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True, arbitrary_types_allowed=True)

    slack_bot_token: Annotated[str | None, _prefixed("xoxb-", "a bot token")] = Field(
        default=None, repr=False
    )
    slack_signing_secret: str | None = Field(default=None, repr=False, min_length=8)
    slack_app_token: Annotated[str | None, _prefixed("xapp-", "an app-level token")] = Field(
        default=None, repr=False
    )
    slack_api_url: str = "https://slack.com/api/"
    database_url: str = Field(default_factory=default_database_url)
    port: int = Field(default=3000, ge=1, le=65535)
    sherpa_admins: Annotated[frozenset[str], NoDecode] = frozenset()
    sherpa_post_rate: float | None = Field(default=None, gt=0)
    """chat.postMessage calls per second each process keeps under (retries included):
    a fan-out paced just below the workspace's limit instead of bursting into 429s."""
    sherpa_read_timeout: float = Field(default=10, gt=0, le=300)
    """Seconds a client has to send a whole HTTP request to `sherpa serve`: a slower one is
    dropped (Slack sends a request in milliseconds)."""
    sherpa_rehearsal_clock: Annotated[RehearsalClock | None, NoDecode] = None
    """Drills only (the reliability suite): every process runs on the same simulated time."""
    web_concurrency: int = Field(default=2, ge=1, le=64)
    """`sherpa serve`'s worker processes (Heroku and Render set it from the dyno's size)."""
    web_threads: int = Field(default=8, ge=1, le=256)
    """Threads per worker process, each answering one request at a time."""
    sherpa_followup_threads: int = Field(default=8, ge=1, le=256)
    """Threads per process for the work after an ack (mostly waiting on Slack)."""
    sherpa_followup_places: int = Field(default=4, ge=1, le=256)
    """How many of those threads run at once; one waiting on Slack lends its place."""
    sherpa_log_format: Literal["logfmt", "json"] = "logfmt"
    """`logfmt` (key=value, quoted where needed) or `json` (one object a line)."""

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not re.match(r"^https?://", value) or not value.endswith("/"):
            raise ValueError("must be an http(s) URL ending with /")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        """Heroku and Render hand out `postgres://`: every PostgreSQL spelling is driven
        by psycopg 3."""
        postgres = POSTGRES_URL.match(value)
        if postgres:
            return "postgresql+psycopg://" + value[postgres.end() :]
        if not SQLITE_URL.match(value):
            raise ValueError("must be a sqlite://, postgres:// or postgresql:// URL")
        return value

    @field_validator("sherpa_rehearsal_clock", mode="before")
    @classmethod
    def _rehearsal(cls, value: object) -> RehearsalClock | None:
        if value is None or isinstance(value, RehearsalClock):
            return value
        return RehearsalClock.parse(str(value))

    @field_validator("sherpa_admins", mode="before")
    @classmethod
    def _admins(cls, value: object) -> frozenset[str]:
        if isinstance(value, str):
            ids = [part.strip() for part in value.split(",") if part.strip()]
        elif isinstance(value, frozenset | set | list | tuple):
            ids = [str(part) for part in value]
        else:
            raise ValueError("must be comma-separated Slack user IDs")
        bad = [item for item in ids if not USER_ID.match(item)]
        if bad:
            raise ValueError(f"{bad[0]!r} is not a Slack user ID (like U0123ABCD)")
        return frozenset(ids)

    def required(self, name: str) -> str:
        """The value of a setting a mode cannot do without, or one line naming it."""
        value = getattr(self, name)
        if value is None:
            raise Invalid(f"{name.upper()} is required for this command but is not set")
        return str(value)


def load_settings(**overrides: object) -> Settings:
    """Read the environment; a bad value becomes one `Invalid` line naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise Invalid(f"{name}: {message}") from None
