"""The shape of every payload Sherpa reads, checked once before any listener runs.

Slack's payloads are only as well formed as their sender: a signed request from a buggy
proxy or a leaked secret can carry a user that is a string, actions that are not a list,
state values that are a list, or a view without an ID. Each kind of payload Sherpa
answers is described here with the fields its listeners read, typed and bounded; one
that does not fit is answered 400 and reaches no listener. Fields nobody reads are
allowed through untouched.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

Id = Annotated[str, Field(min_length=1, max_length=64)]
"""A Slack ID (user, channel, view, trigger…): short text."""
Text = Annotated[str, Field(max_length=20_000)]
"""Free text or a value: bounded well above Slack's own limits (3,000 for an input)."""

MAX_ROW_ID = 2**31 - 1
"""The largest row ID the database holds (PostgreSQL's INTEGER): a larger one in a payload
names nothing, and must not reach a query (SQLite raises OverflowError on it)."""
RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]
_DIGITS = re.compile(r"[0-9]{1,10}")


def row_id(value: object) -> int | None:
    """The row ID a button's value or a select's option names, or None for anything else."""
    text = str(value) if isinstance(value, str | int) else ""
    if not _DIGITS.fullmatch(text) or not 1 <= int(text) <= MAX_ROW_ID:
        return None
    return int(text)


class Shape(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class User(Shape):
    id: Id


class Option(Shape):
    value: Text


class ElementState(Shape):
    """One input's state in a submitted modal, as each kind of element reports it."""

    type: Text | None = None
    value: Text | None = None
    selected_option: Option | None = None
    selected_options: list[Option] | None = None
    selected_date: Text | None = None
    selected_user: Id | None = None
    selected_users: Annotated[list[Id], Field(max_length=100)] | None = None
    selected_conversation: Id | None = None


class State(Shape):
    values: dict[Text, dict[Text, ElementState]] = {}


class View(Shape):
    id: Id
    type: Text  # Bolt itself reads it, before any listener
    callback_id: Text = ""
    private_metadata: Text = ""
    hash: Text | None = None
    state: State = State()


class Action(Shape):
    action_id: Text
    value: Text | None = None
    selected_option: Option | None = None


class Command(Shape):
    command: Text
    user_id: Id
    text: Text = ""
    channel_id: Id | None = None
    trigger_id: Id | None = None
    response_url: Text | None = None


class BlockActions(Shape):
    user: User
    actions: Annotated[list[Action], Field(min_length=1, max_length=25)]
    trigger_id: Id | None = None
    response_url: Text | None = None
    view: View | None = None
    channel: dict[str, Any] | None = None
    container: dict[str, Any] | None = None
    message: dict[str, Any] | None = None


class ViewSubmission(Shape):
    user: User
    view: View


class Shortcut(Shape):
    user: User
    callback_id: Text
    trigger_id: Id
    message: dict[str, Any] | None = None
    channel: dict[str, Any] | None = None


class Event(Shape):
    type: Text
    user: Id | User | None = None  # an ID; a whole user object in `user_change`
    tab: Text | None = None


class HomeOpened(Event):
    user: Id


class UserChange(Event):
    user: User


class DirectMessage(Event):
    channel: Id
    text: str = ""


class EventCallback(Shape):
    event_id: Id
    event: Event


class Envelope(Shape):
    """What Bolt's own middleware reads of any payload, whatever its kind."""

    type: Text = ""  # present but null is as bad as any other wrong type: Bolt reads them
    command: Text = ""
    event: dict[str, Any] = {}
    view: dict[str, Any] = {}
    actions: list[dict[str, Any]] = []


SHAPES: dict[str, type[Shape]] = {
    "block_actions": BlockActions,
    "view_submission": ViewSubmission,
    "view_closed": ViewSubmission,
    "shortcut": Shortcut,
    "message_action": Shortcut,
    "event_callback": EventCallback,
}
EVENT_SHAPES: dict[str, type[Shape]] = {
    "app_home_opened": HomeOpened,
    "user_change": UserChange,
    "message": DirectMessage,
}


def malformed(body: dict[str, Any]) -> str | None:
    """What is wrong with a payload (a short word for the log), or None."""
    try:
        Envelope.model_validate(body)
        kind = "command" if "command" in body else body.get("type")
        shape = Command if kind == "command" else SHAPES.get(str(kind))
        if shape is not None:
            shape.model_validate(body)
        event_shape = EVENT_SHAPES.get(str((body.get("event") or {}).get("type")))
        if kind == "event_callback" and event_shape is not None:
            event_shape.model_validate(body["event"])
    except ValidationError as error:
        first = error.errors()[0]
        return f"{'.'.join(str(part) for part in first['loc'])}:{first['type']}"
    return None
