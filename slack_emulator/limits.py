"""Block Kit and text limits, checked as Slack checks them, so over-long content fails in tests.

Pure functions: each returns the ``ApiError`` Slack would answer, or None when the content
is acceptable. The rules themselves are `blockkit`'s (Slack's published limits and
slack_sdk's models), the same that Sherpa's view tests apply; notes name the offending
field with a JSON pointer, as Slack's do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from blockkit import check, limits
from slack_emulator.errors import ApiError

FILE_ALT_TEXT = 1000
"""A file's alt text (``alt_txt`` of ``files.getUploadURLExternal``), in characters."""


def check_message(args: Mapping[str, Any]) -> ApiError | None:
    """``chat.postMessage`` / ``chat.update`` / ``chat.postEphemeral`` content rules."""
    text, blocks = args.get("text"), args.get("blocks")
    if not (text or blocks or args.get("attachments")):
        return ApiError("no_text")
    if isinstance(text, str) and len(text) > limits.MESSAGE_TEXT:
        return ApiError("msg_too_long")
    if blocks is not None:
        problems = check.block_problems(blocks, "/blocks", limits.MESSAGE_BLOCKS)
        if problems:
            return ApiError("invalid_blocks", problems)
    return None


def check_view(view: Any, kind: Literal["modal", "home"]) -> ApiError | None:
    """``views.*`` rules; Slack reports every view problem as ``invalid_arguments``."""
    problems = check.view_problems(view, kind)
    return ApiError("invalid_arguments", problems) if problems else None


def check_alt_text(alt_txt: Any) -> ApiError | None:
    """``files.getUploadURLExternal``: Slack refuses an image description over its limit."""
    if isinstance(alt_txt, str) and len(alt_txt) > FILE_ALT_TEXT:
        return ApiError("alt_txt_too_large")
    return None
