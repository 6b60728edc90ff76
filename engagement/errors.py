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
