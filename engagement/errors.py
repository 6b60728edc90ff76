"""Domain errors: each maps to one clear line for the person who caused it."""


class SherpaError(Exception):
    """Base class; `str(error)` is the message shown to the user."""


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
