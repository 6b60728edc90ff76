"""Is this HTTP request from Slack? Checked on the raw bytes, before anything reads the body.

slack_sdk's verifier raises, instead of answering no, for a timestamp that is not an
integer or a signature that is not ASCII; Bolt then hands the unverified body to the
error handler. Checking the headers' shape first turns every such request into a plain
refusal, and nothing of an unverified body is ever read.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Callable

WINDOW_SECONDS = 5 * 60
"""Slack's replay window: a request signed longer ago than this is refused."""

TIMESTAMP = re.compile(r"[0-9]{1,12}")
SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


def unverified_reason(
    body: bytes,
    timestamp: str | None,
    signature: str | None,
    secret: str,
    *,
    now: Callable[[], float] = time.time,
) -> str | None:
    """Why the request is not Slack's (a short word for the log), or None when it is.

    v0 signing: HMAC-SHA256 of `v0:{timestamp}:{raw body}` with the signing secret,
    compared in constant time.
    """
    if timestamp is None or signature is None:
        return "unsigned"
    if not TIMESTAMP.fullmatch(timestamp) or not SIGNATURE.fullmatch(signature):
        return "malformed_signature"
    if abs(now() - int(timestamp)) > WINDOW_SECONDS:
        return "stale_timestamp"
    expected = hmac.new(
        secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256
    ).hexdigest()
    if not hmac.compare_digest(f"v0={expected}", signature):
        return "bad_signature"
    return None
