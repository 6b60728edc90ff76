"""Domain errors: each maps to one clear line for the person who caused it."""

from __future__ import annotations


class Line(str):
    """A sentence for a person that quotes text from outside (a name someone typed, a label
    from the portfolio file). As a `str` it is the plain sentence (what the command line
    prints); `template` and `values` keep the quoted text apart, for each surface to quote
    it its own way (Slack escapes it: `bot.views.kit.said`)."""

    template: str
    values: dict[str, str]

    def __new__(cls, template: str, /, **values: str) -> Line:
        line = super().__new__(cls, template.format_map(values) if values else template)
        line.template = template
        line.values = values
        return line


class SherpaError(Exception):
    """Base class; `str(error)` is the message shown to the user, as plain text."""

    @property
    def line(self) -> str:
        """The message as raised: a `Line` when it quotes text from outside."""
        first = self.args[0] if self.args else ""
        return first if isinstance(first, str) else str(self)


class Invalid(SherpaError):
    """The input is malformed; nothing was written."""


class NotFound(SherpaError):
    """The thing named does not exist (or the caller may not know it does)."""


class NotAllowed(SherpaError):
    """The caller may not do this."""


class Conflict(SherpaError):
    """The request clashes with the current state (for example already resolved)."""


class FormInvalid(Invalid):
    """A form with fields to fix; `field_errors` maps each field name to its one-line message.

    The Slack side turns it into `response_action: errors` so the modal stays open.
    """

    def __init__(self, field_errors: dict[str, str]) -> None:
        self.field_errors = dict(field_errors)
        first = next(iter(self.field_errors.values()), "Please correct the form.")
        super().__init__(first if len(self.field_errors) == 1 else "Please correct the form.")
