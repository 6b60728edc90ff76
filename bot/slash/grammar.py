"""The `/sponsor` grammar (README, "Using Sherpa in Slack"): text in, one typed command
out, or one clear line.

Parsing is pure: it needs only the known account names, so the longest account name
at a position wins and unknown ones can be answered with the closest name. It reads the
names only where the command names an account, so a caller can hand it a sequence that
loads them on first use (see `bot/listeners/commands.py`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Annotated, Literal, overload

from pydantic import BaseModel, ConfigDict, Field

from engagement.errors import Invalid
from engagement.escalations.codes import parse_code
from engagement.models import Severity
from engagement.text import (
    ControlCharacter,
    free_text,
    has_control,
    normalise_line_ends,
    problem,
)

SUMMARY_LIMIT = 3000
TEXT_LIMIT = 3000


class Command(BaseModel):
    model_config = ConfigDict(frozen=True)


class Help(Command):
    kind: Literal["help"] = "help"


class EscalateModal(Command):
    kind: Literal["escalate-modal"] = "escalate-modal"


class Escalate(Command):
    kind: Literal["escalate"] = "escalate"
    account: str
    severity: Severity
    summary: Annotated[str, Field(min_length=1, max_length=SUMMARY_LIMIT)]


class Escalations(Command):
    kind: Literal["escalations"] = "escalations"
    account: str | None = None


class Ack(Command):
    kind: Literal["ack"] = "ack"
    escalation_id: int


class Resolve(Command):
    kind: Literal["resolve"] = "resolve"
    escalation_id: int
    note: str = ""


class Cancel(Command):
    kind: Literal["cancel"] = "cancel"
    escalation_id: int


class Status(Command):
    kind: Literal["status"] = "status"
    account: str | None = None


class Kpi(Command):
    kind: Literal["kpi"] = "kpi"
    account: str
    key: str
    value: str
    """As typed ("6.2%", "+55"): the KPI's unit decides what is valid."""


class Log(Command):
    kind: Literal["log"] = "log"
    account: str
    text: Annotated[str, Field(min_length=1, max_length=TEXT_LIMIT)]


class Checkin(Command):
    kind: Literal["checkin"] = "checkin"
    account: str | None = None


class Pause(Command):
    kind: Literal["pause"] = "pause"
    until: date


class Resume(Command):
    kind: Literal["resume"] = "resume"


class Digest(Command):
    kind: Literal["digest"] = "digest"
    account: str | None = None


USAGE: dict[str, str] = {
    "help": "/sponsor help",
    "escalate": "/sponsor escalate [<account> <low|medium|high|critical> <summary…>]",
    "escalations": "/sponsor escalations [account]",
    "ack": "/sponsor ack <ESC-id>",
    "resolve": "/sponsor resolve <ESC-id> <note…>",
    "cancel": "/sponsor cancel <ESC-id>",
    "status": "/sponsor status [account]",
    "kpi": "/sponsor kpi <account> <kpi-key> <value>",
    "log": "/sponsor log <account> <advocacy note…>",
    "checkin": "/sponsor checkin [account]",
    "pause": "/sponsor pause <YYYY-MM-DD>",
    "resume": "/sponsor resume",
    "digest": "/sponsor digest [account]",
}

ACCOUNT = "The account name"

QUOTES = {'"': '"', "'": "'", "“": "”", "‘": "’"}


def _usage(name: str) -> str:
    return f"Usage: `{USAGE[name]}`"


def _split_account(
    rest: str,
    names: Sequence[str],
    name: str,
    *,
    ends_before: Sequence[str] = (),
    whole: bool = False,
) -> tuple[str, str]:
    """Take an account name off the front of `rest`: quoted, or the longest known name.

    An unknown name is named as typed: all of `rest` when the name is `whole` of it, else
    up to the first of `ends_before` (the words that follow it in this command), else
    its first word.
    """
    rest = rest.strip()
    if rest[:1] in QUOTES:
        close = rest.find(QUOTES[rest[0]], 1)
        if close > 1:
            return free_text(rest[1:close], ACCOUNT).strip(), rest[close + 1 :].strip()
    lowered = rest.lower()
    for known in sorted(names, key=len, reverse=True):
        candidate = known.lower()
        if lowered.startswith(candidate) and (
            len(lowered) == len(candidate) or lowered[len(candidate)].isspace()
        ):
            return known, rest[len(known) :].strip()
    free_text(rest.split(maxsplit=1)[0] if rest else "", ACCOUNT)  # where the name should be
    words = rest.split()
    ends = [i for i, word in enumerate(words) if i and word.lower() in ends_before]
    typed = " ".join(words if whole else words[: ends[0]] if ends else words[:1])
    raise Invalid(_unknown_account(words, typed, names, name))


def _unknown_account(words: list[str], typed: str, names: Sequence[str], name: str) -> str:
    """Name the unknown account as typed and suggest the closest known one."""
    if not words:
        return f"Which account? {_usage(name)}"
    scored = [
        (difflib.SequenceMatcher(None, guess.lower(), known.lower()).ratio(), guess, known)
        for known in names
        for guess in [" ".join(words[: len(known.split())])]
    ]
    if scored and (best := max(scored))[0] >= 0.6:
        return f"No account named '{best[1]}'. Did you mean '{best[2]}'? {_usage(name)}"
    return f"No account named '{typed}'. {_usage(name)}"


def _optional_account(rest: str, names: Sequence[str], name: str) -> str | None:
    if not rest.strip():
        return None
    account, extra = _split_account(rest, names, name, whole=True)
    if extra:
        raise Invalid(f"Unexpected text after the account name: '{extra}'. {_usage(name)}")
    return account


def _escalation_id(token: str, name: str) -> int:
    """One parser for escalation IDs (`codes.parse_code`), with this command's usage."""
    token = free_text(token, "The escalation ID")
    try:
        return parse_code(token)
    except Invalid as error:
        raise Invalid(f"{error} {_usage(name)}") from None


def _limit(text: str, what: str, limit: int) -> str:
    """Free text as typed, without surrounding blanks: no control characters, not too long."""
    text = free_text(text, f"The {what}").strip()
    if len(text) > limit:
        raise Invalid(f"The {what} is {len(text):,} characters; the limit is {limit:,}.")
    return text


def parse(text: str, account_names: Sequence[str]) -> Command:
    """Parse the text after `/sponsor`; raise `Invalid` with the right form on any mistake.

    A control character is refused wherever it is: named by its field when it is in one
    (the summary, a note, the account name…), as "the command" otherwise. A Windows line
    end becomes a new line (see `engagement.text`).
    """
    text = normalise_line_ends(text)
    try:
        command = _parse(text, account_names)
    except ControlCharacter:
        raise
    except Invalid:
        if has_control(text):  # a mistake elsewhere would otherwise echo it back
            raise ControlCharacter(problem("The command")) from None
        raise
    if has_control(text):  # in a word the grammar reads past (a blank it trimmed…)
        raise ControlCharacter(problem("The command"))
    return command


def _parse(text: str, account_names: Sequence[str]) -> Command:
    text = text.strip()
    if not text:
        return Help()
    word, _, rest = text.partition(" ")
    name = word.lower()
    rest = rest.strip()
    if name not in USAGE:
        close = difflib.get_close_matches(name, list(USAGE), n=1, cutoff=0.6)
        hint = f" Did you mean `{close[0]}`?" if close else ""
        raise Invalid(f"Unknown command '{word}'.{hint} Try `/sponsor help`.")
    if name == "help":
        return Help()
    if name == "resume":
        if rest:
            raise Invalid(f"`resume` takes nothing after it. {_usage(name)}")
        return Resume()
    if name == "escalate":
        if not rest:
            return EscalateModal()
        account, rest = _split_account(rest, account_names, name, ends_before=list(Severity))
        severity_word, _, summary = rest.partition(" ")
        if not severity_word:
            raise Invalid(f"Give a severity: low, medium, high or critical. {_usage(name)}")
        try:
            severity = Severity(free_text(severity_word, "The severity").lower())
        except ValueError:
            raise Invalid(
                f"'{severity_word}' is not a severity: use low, medium, high or critical. "
                f"{_usage(name)}"
            ) from None
        summary = _limit(summary, "summary", SUMMARY_LIMIT)
        if not summary:
            raise Invalid(f"Say what the escalation is about. {_usage(name)}")
        return Escalate(account=account, severity=severity, summary=summary)
    if name in ("escalations", "status", "checkin", "digest"):
        kinds: dict[str, type[Escalations | Status | Checkin | Digest]] = {
            "escalations": Escalations, "status": Status, "checkin": Checkin, "digest": Digest,
        }  # fmt: skip
        return kinds[name](account=_optional_account(rest, account_names, name))
    if name in ("ack", "cancel"):
        if not rest or len(rest.split()) != 1:
            raise Invalid(f"Give one escalation ID. {_usage(name)}")
        escalation_id = _escalation_id(rest, name)
        if name == "ack":
            return Ack(escalation_id=escalation_id)
        return Cancel(escalation_id=escalation_id)
    if name == "resolve":
        token, _, note = rest.partition(" ")
        if not token:
            raise Invalid(f"Give the escalation ID and a resolution note. {_usage(name)}")
        return Resolve(
            escalation_id=_escalation_id(token, name),
            note=_limit(note, "note", TEXT_LIMIT),
        )
    if name == "kpi":
        account, rest = _split_account(rest, account_names, name)
        parts = rest.split()
        if len(parts) != 2:
            raise Invalid(f"Give a KPI key and one value. {_usage(name)}")
        key, value = free_text(parts[0], "The KPI key"), free_text(parts[1], "The value")
        return Kpi(account=account, key=key.lower(), value=value)
    if name == "log":
        account, note = _split_account(rest, account_names, name)
        if not note:
            raise Invalid(f"Say what the sponsor did. {_usage(name)}")
        return Log(account=account, text=_limit(note, "note", TEXT_LIMIT))
    # pause
    try:
        until = date.fromisoformat(free_text(rest, "The date"))
    except ValueError:
        raise Invalid(f"'{rest}' is not a date like 2026-12-28. {_usage('pause')}") from None
    return Pause(until=until)


class _NamesNeeded(Exception):
    """The command names an account: it cannot be parsed without the account names."""


class _NoNames(Sequence[str]):
    """Stands in for the account names: reading them at all means they were needed."""

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        raise _NamesNeeded

    def __len__(self) -> int:
        raise _NamesNeeded

    def __iter__(self) -> Iterator[str]:
        raise _NamesNeeded


def parse_without_accounts(text: str) -> Command | None:
    """`parse` for the commands that name no account (help, resume, ack ESC-7, status…),
    and the mistakes found before an account name is read; None when the command names
    an account, so the caller parses it again with the names from the database.

    The listener uses it to answer in the ack itself whatever needs no database.
    """
    try:
        return parse(text, _NoNames())
    except _NamesNeeded:
        return None


HELP_TEXT = "\n".join(
    [
        "*Sherpa* keeps executive sponsorship of strategic accounts honest. Commands:",
        *(f"• `{usage}`" for usage in USAGE.values()),
        "Account names are matched ignoring case; quotes are optional.",
    ]
)
