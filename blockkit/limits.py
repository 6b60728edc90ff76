"""Slack's published limits for messages, modals, App Home and Block Kit elements.

Written once, for every side that needs them: Sherpa's views keep to them (cutting text
visibly), the Block Kit check (`blockkit.check`) refuses what exceeds them, and the
bundled Slack emulator refuses as Slack does.
"""

from __future__ import annotations

MESSAGE_TEXT = 40_000
"""A message's fallback `text`."""
MESSAGE_BLOCKS = 50
"""Blocks in one message."""
VIEW_BLOCKS = 100
"""Blocks in one modal or App Home view."""
SECTION_TEXT = 3000
"""A section's text; also a context element's and any other mrkdwn text object's."""
SECTION_FIELDS = 10
FIELD_TEXT = 2000
"""One of a section's fields."""
HEADER_TEXT = 150
BUTTON_TEXT = 75
OPTION_TEXT = 75
"""An option's label in a select or radio group."""
OPTIONS = {
    "static_select": 100,
    "multi_static_select": 100,
    "checkboxes": 10,
    "radio_buttons": 10,
    "overflow": 5,
}
"""Options in one element, by its type."""
SELECT_OPTIONS = OPTIONS["static_select"]
VIEW_TITLE = 24
"""A modal's title, and its submit and close buttons."""
LABEL_TEXT = 2000
"""An input block's label and hint."""
PLACEHOLDER_TEXT = 150
INPUT_TEXT = 3000
"""The most a plain-text input may be set to take (`max_length`)."""
PRIVATE_METADATA = 3000
CONFIRM_TITLE = 100
CONFIRM_TEXT = 300
CONFIRM_BUTTON = 30
