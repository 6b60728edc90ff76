"""A listener thread pool that carries the request's context (its log request ID)."""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any


class ContextThreadPool(ThreadPoolExecutor):
    """Bolt runs listeners after the ack in a pool; copy contextvars into each task."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        context = contextvars.copy_context()
        return super().submit(context.run, fn, *args, **kwargs)
