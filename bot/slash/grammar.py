"""The `/sponsor` grammar (README, "Using Sherpa in Slack"): text in, one typed command
out, or one clear line.

Each text is parsed once, and purely. Where a command names an account without quotes,
where the name ends depends on the person's account names (the longest of them at that
place, by `engagement.access`'s one rule for account names; an unknown one is answered
with the closest): `parse` stops there and returns `AccountsNeeded`, whose `finish`
parses the rest once the names are loaded. So the listener answers in the ack whatever
needs no database, and loads the names after the ack only for a command that needs
them (see `bot/listeners/commands.py`). The account itself is found once, by the domain
(`access.account_for`), by the same rule.

The grammar finds each field; the domain's own check (the one the modals use) says
whether it is valid, and the grammar adds the command's usage to the line. So each field
is checked once, with one wording on every surface.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar, overload

from bot.slash.commands import (
    HELP_TEXT as HELP_TEXT,
)
from bot.slash.commands import (  # the typed commands, re-exported with the grammar
    USAGE as USAGE,
)
from bot.slash.commands import (
    Ack as Ack,
)
from bot.slash.commands import (
    Cancel as Cancel,
)
from bot.slash.commands import (
    Checkin as Checkin,
)
from bot.slash.commands import (
    Command as Command,
)
from bot.slash.commands import (
    Digest as Digest,
)
from bot.slash.commands import (
    Escalate as Escalate,
)
from bot.slash.commands import (
    EscalateModal as EscalateModal,
)
from bot.slash.commands import (
    Escalations as Escalations,
)
from bot.slash.commands import (
    Help as Help,
)
from bot.slash.commands import (
    Kpi as Kpi,
)
from bot.slash.commands import (
    Log as Log,
)
from bot.slash.commands import (
    LogRisk as LogRisk,
)
from bot.slash.commands import (
    Pause as Pause,
)
from bot.slash.commands import (
    RecordReview as RecordReview,
)
from bot.slash.commands import (
    Resolve as Resolve,
)
from bot.slash.commands import (
    Resume as Resume,
)
from bot.slash.commands import (
    RiskModal as RiskModal,
)
from bot.slash.commands import (
    Risks as Risks,
)
from bot.slash.commands import (
    Status as Status,
)
from engagement.access import account_name_at
from engagement.checkins import advocacy
from engagement.errors import Invalid
from engagement.escalations.codes import parse_code
from engagement.escalations.rules import EscalationInput, read_note
from engagement.models import Severity
from engagement.reviews.service import read_notes
from engagement.risks.rules import RiskInput
from engagement.text import (
    ControlCharacter,
    free_text,
    has_control,
    normalise_line_ends,
    problem,
)

T = TypeVar("T")

ACCOUNT = "The account name"

QUOTES = {'"': '"', "'": "'", "“": "”", "‘": "’"}


def _usage(name: str) -> str:
    return f"Usage: `{USAGE[name]}`"


def _quoted(rest: str) -> tuple[str, str] | None:
    """A quoted account name at the front of `rest`, and what follows it; None if unquoted."""
    rest = rest.strip()
    if rest[:1] in QUOTES:
        close = rest.find(QUOTES[rest[0]], 1)
        if close > 1:
            return free_text(rest[1:close], ACCOUNT).strip(), rest[close + 1 :].strip()
    return None


def _known_account(
    rest: str,
    names: Sequence[str],
    name: str,
    *,
    ends_before: Sequence[str] = (),
    whole: bool = False,
) -> tuple[str, str]:
    """The longest of the person's account names at the front of `rest`, and what follows.

    An unknown name is named as typed: all of `rest` when the name is `whole` of it, else
    up to the first of `ends_before` (the words that follow it in this command), else
    its first word.
    """
    rest = rest.strip()
    found = account_name_at(rest, names)
    if found is not None:
        return found
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


def _escalation_id(token: str, name: str) -> int:
    """One parser for escalation IDs (`codes.parse_code`), with this command's usage."""
    token = free_text(token, "The escalation ID")
    try:
        return parse_code(token)
    except Invalid as error:
        raise Invalid(f"{error} {_usage(name)}") from None


def _field(name: str, check: Callable[[], T]) -> T:
    """A field checked by the domain's own rule; a mistake gets the command's usage (a
    control character is named without it, as everywhere)."""
    try:
        return check()
    except ControlCharacter:
        raise
    except Invalid as error:
        raise Invalid(f"{error} {_usage(name)}") from None


Then = Callable[[str, str], Command]
"""The rest of a command's parse, from its account name and the text after the name."""


@dataclass(frozen=True)
class AccountsNeeded:
    """A command parsed up to an unquoted account name: `finish` parses the rest with the
    person's account names (the names decide where the account name ends)."""

    text: str
    """The whole command, for the control-character rule."""
    command: str
    rest: str
    """The text from the account name on."""
    then: Then
    ends_before: tuple[str, ...] = ()
    whole: bool = False

    def finish(self, account_names: Sequence[str]) -> Command:
        """The command, or `Invalid` with the right form (an unknown account: the closest)."""

        def rest() -> Command:
            account, after = _known_account(
                self.rest,
                account_names,
                self.command,
                ends_before=self.ends_before,
                whole=self.whole,
            )
            return self.then(account, after)

        return _checked(self.text, rest)


@overload
def parse(text: str) -> Command | AccountsNeeded: ...
@overload
def parse(text: str, account_names: Sequence[str]) -> Command: ...
def parse(text: str, account_names: Sequence[str] | None = None) -> Command | AccountsNeeded:
    """Parse the text after `/sponsor`; raise `Invalid` with the right form on any mistake.

    Without `account_names`, a command naming an account without quotes comes back as
    `AccountsNeeded`, to `finish` with them. A control character is refused wherever it
    is: named by its field when it is in one (the summary, a note, the account name…), as
    "the command" otherwise. A Windows line end becomes a new line (see `engagement.text`).
    """
    text = normalise_line_ends(text)
    parsed = _checked(text, lambda: _parse(text), deferring=True)
    if account_names is None or isinstance(parsed, Command):
        return parsed
    return parsed.finish(account_names)


def _checked(text: str, parse_it: Callable[[], T], *, deferring: bool = False) -> T:
    """Run a parse under the control-character rule (for `deferring`, until it stops at
    an account name: the rule is applied when it is finished)."""
    try:
        parsed = parse_it()
    except ControlCharacter:
        raise
    except Invalid:
        if has_control(text):  # a mistake elsewhere would otherwise echo it back
            raise ControlCharacter(problem("The command")) from None
        raise
    if has_control(text) and not (deferring and isinstance(parsed, AccountsNeeded)):
        raise ControlCharacter(problem("The command"))  # in a word read past (a blank…)
    return parsed


def _parse(command: str) -> Command | AccountsNeeded:
    text = command.strip()
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
        return _naming(command, name, rest, _escalate, ends_before=tuple(Severity))
    if name in OPTIONAL_ACCOUNT:
        if not rest:
            return OPTIONAL_ACCOUNT[name]()
        return _naming(command, name, rest, lambda account, extra: _only(name, account, extra),
                       whole=True)  # fmt: skip
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
            note=_field(name, lambda: read_note(note, required=True)),
        )
    if name == "kpi":
        return _naming(command, name, rest, _kpi)
    if name == "log":
        return _naming(command, name, rest, _log)
    if name == "risk":
        if not rest:
            return RiskModal()
        return _naming(command, name, rest, _risk, ends_before=RATINGS)
    if name == "review":
        return _naming(command, name, rest, _review)
    # pause
    try:
        until = date.fromisoformat(free_text(rest, "The date"))
    except ValueError:
        raise Invalid(f"'{rest}' is not a date like 2026-12-28. {_usage('pause')}") from None
    return Pause(until=until)


def _naming(
    text: str,
    name: str,
    rest: str,
    then: Then,
    *,
    ends_before: tuple[str, ...] = (),
    whole: bool = False,
) -> Command | AccountsNeeded:
    """A quoted account name is read at once; an unquoted one waits for the names."""
    quoted = _quoted(rest)
    if quoted is not None:
        return then(*quoted)
    return AccountsNeeded(text, name, rest, then, ends_before=ends_before, whole=whole)


def _escalate(account: str, rest: str) -> Escalate:
    severity, _, summary = rest.partition(" ")
    fields = {"severity": severity, "summary": summary}
    return Escalate(
        account=account, fields=_field("escalate", lambda: EscalationInput.read(fields))
    )


OPTIONAL_ACCOUNT: dict[str, type[Escalations | Status | Checkin | Digest | Risks]] = {
    "escalations": Escalations, "status": Status, "checkin": Checkin, "digest": Digest,
    "risks": Risks,
}  # fmt: skip
"""The commands whose one argument is an account name, or nothing."""


def _only(name: str, account: str, extra: str) -> Command:
    if extra:
        raise Invalid(f"Unexpected text after the account name: '{extra}'. {_usage(name)}")
    return OPTIONAL_ACCOUNT[name](account=account)


def _kpi(account: str, rest: str) -> Kpi:
    parts = rest.split()
    if len(parts) != 2:
        raise Invalid(f"Give a KPI key and one value. {_usage('kpi')}")
    key, value = free_text(parts[0], "The KPI key"), free_text(parts[1], "The value")
    return Kpi(account=account, key=key.lower(), value=value)


def _log(account: str, note: str) -> Log:
    return Log(account=account, text=_field("log", lambda: advocacy.read_note(note)))


RATINGS = ("1", "2", "3", "4", "5")
"""What follows the account name in `/sponsor risk`: where an unknown name ends."""


def _risk(account: str, rest: str) -> LogRisk:
    parts = rest.split(maxsplit=2)
    if len(parts) < 3:
        raise Invalid(f"Give the probability, the impact and what the risk is. {_usage('risk')}")
    probability, impact, description = parts
    fields = _field(
        "risk",
        lambda: RiskInput.read(probability=probability, impact=impact, description=description),
    )
    return LogRisk(account=account, fields=fields)


def _review(account: str, rest: str) -> RecordReview:
    first, _, notes = rest.partition(" ")
    try:
        held_on = date.fromisoformat(first) if first[:1].isdigit() else None
    except ValueError:
        raise Invalid(f"'{first}' is not a date like 2026-12-28. {_usage('review')}") from None
    if held_on is None:
        notes = rest
    return RecordReview(
        account=account, held_on=held_on, notes=_field("review", lambda: read_notes(notes))
    )
