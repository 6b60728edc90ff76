"""Sherpa's outbound HTTP besides the Web API client: replies to `response_url`s, through
urllib3's connection pools, with the proxy and certificates the environment names.

The proxy is the one slack_sdk takes for the Web API (`HTTPS_PROXY`, `https_proxy`,
`HTTP_PROXY`, `http_proxy`, first set wins, for every URL), except for hosts `NO_PROXY`
names; `make_client` gives the WebClient the same answer, so its calls and its file
uploads take the same way out. TLS verifies against the default certificates, which
`SSL_CERT_FILE` / `SSL_CERT_DIR` replace, as they do for slack_sdk.

Connections are pooled per host (and per proxy) and reused while the server keeps them
open; one that the server closed meanwhile is noticed before reuse and replaced.
"""

from __future__ import annotations

import http.client
import json
import ssl
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from urllib.request import proxy_bypass

import urllib3
from slack_sdk.proxy_env_variable_loader import load_http_proxy_from_env
from urllib3.exceptions import HTTPError, ProtocolError

TransportError = HTTPError
"""What a post raises when it cannot reach the server (urllib3's errors), besides `OSError`."""

STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)
"""How a kept connection that the server closed meanwhile fails: the request never got
there, so it is sent again, once, on a new connection."""

POOLED_PER_HOST = 16
"""Kept connections per host, by default: one per thread that may reply at once (a web
process's request threads and its follow-up threads, 8 of each by default); a reply
beyond that opens a connection of its own and closes it after."""


def proxy_for(url: str) -> str | None:
    """The proxy a call to `url` goes through, or None to go direct."""
    proxy = load_http_proxy_from_env()
    host = urlsplit(url).hostname or ""
    if proxy is None or proxy_bypass(host):
        return None
    return proxy


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


class Outbound:
    """POSTs JSON through a pool per proxy (or none), created on first use; thread-safe."""

    def __init__(self, *, timeout: float = 10, per_host: int = POOLED_PER_HOST) -> None:
        self.timeout = urllib3.Timeout(total=timeout)
        self.per_host = per_host
        self._ssl = ssl.create_default_context()
        self._pools: dict[str | None, urllib3.PoolManager] = {}
        self._lock = threading.Lock()

    def post_json(self, url: str, payload: dict[str, Any]) -> Answer:
        """Send `payload`; raises `TransportError` or `OSError` when it cannot.

        A connection that fails to open, or a kept one the server had closed, is tried
        again once; a request that may have arrived is not (a reply sent twice would show
        twice)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an HTTP URL: {parts.scheme}://{parts.hostname or ''}")
        pool = self._pool(proxy_for(url))
        body = json.dumps(payload).encode()
        for attempt in (1, 2):
            try:
                response = pool.request(
                    "POST",
                    url,
                    body=body,
                    headers={"Content-Type": "application/json; charset=utf-8"},
                    retries=urllib3.Retry(total=1, connect=1, read=0, redirect=0, status=0),
                    timeout=self.timeout,
                )
            except ProtocolError as error:
                if attempt == 2 or not any(isinstance(arg, STALE) for arg in error.args):
                    raise
            else:
                break
        return Answer(response.status, response.data)

    def _pool(self, proxy: str | None) -> urllib3.PoolManager:
        with self._lock:
            if proxy not in self._pools:
                options: dict[str, Any] = {"maxsize": self.per_host, "ssl_context": self._ssl}
                self._pools[proxy] = (
                    urllib3.ProxyManager(proxy, **options)
                    if proxy
                    else urllib3.PoolManager(**options)
                )
            return self._pools[proxy]
