"""Gunicorn's threaded worker, reading each request whole before a thread takes it.

gthread hands a connection to a thread as soon as it is readable; the thread then blocks
reading the headers and the body. A client that sends headers and stalls holds that
thread as long as it likes: sixteen such connections stop a server of two workers with
eight threads. Here the worker's event loop reads each request into memory without
blocking and hands only whole requests to the threads; a request not whole within
`read_timeout` seconds is dropped. A slow or stalled client costs a connection, never a
thread.
"""

from __future__ import annotations

import contextlib
import logging
import re
import selectors
import socket
import time
from functools import partial
from typing import Any

from gunicorn.workers.gthread import TConn, ThreadWorker

from bot.web import MAX_BODY

log = logging.getLogger(__name__)

MAX_HEAD = 64 * 1024
"""Headers longer than this go to gunicorn's parser as they are, which refuses them."""
_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*([0-9]{1,12})[ \t]*(?:\r\n|$)")


def whole(data: bytes | bytearray) -> bool:
    """Whether `data` holds a whole request (or one to hand on for refusal anyway)."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return len(data) > MAX_HEAD
    head = bytes(data[:end]).lower()
    body = len(data) - end - 4
    if b"\r\ntransfer-encoding:" in head:
        return data.endswith(b"0\r\n\r\n") or body > MAX_BODY
    match = _LENGTH.search(head)
    declared = int(match[1]) if match else 0
    return declared > MAX_BODY or body >= declared  # over the limit: answered 413 unread


class Prebuffered:
    """A connection's socket whose reads first return what the event loop read already."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.pending = bytearray()

    def recv(self, size: int, *flags: int) -> bytes:
        if self.pending:
            chunk = bytes(self.pending[:size])
            del self.pending[:size]
            return chunk
        return self.sock.recv(size, *flags)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sock, name)


class WholeRequestWorker(ThreadWorker):  # type: ignore[misc]
    """gthread as gunicorn 27 has it: one event loop that accepts connections and hands
    them to the threads (`enqueue_req`), and keeps kept-alive connections
    (`keepalived_conns`) on its poller until their next request starts."""

    read_timeout = 10.0
    """Seconds a client has to send a whole request (headers and body)."""

    def init_process(self) -> None:
        self._reading: dict[TConn, float] = {}
        super().init_process()

    def accept(self, listener: socket.socket) -> None:
        if self.cfg.is_ssl:  # TLS needs the raw socket; a proxy ends it in production
            super().accept(listener)
            return
        try:
            sock, client = listener.accept()
        except OSError:
            return  # none waiting, or the client gave up before it was accepted
        self.nr_conns += 1
        conn = TConn(self.cfg, Prebuffered(sock), client, listener.getsockname())
        self._reading[conn] = time.monotonic() + self.read_timeout  # from the connect
        self.poller.register(
            conn.sock, selectors.EVENT_READ, partial(self.on_client_socket_readable, conn)
        )

    def on_client_socket_readable(self, conn: TConn, client: Any) -> None:
        if self.cfg.is_ssl:
            super().on_client_socket_readable(conn, client)
            return
        if conn not in self._reading:
            try:
                self.keepalived_conns.remove(conn)  # kept alive, now starting its next request
            except ValueError:
                return  # closed as idle meanwhile
        buffered: Prebuffered = conn.sock
        try:
            data = buffered.sock.recv(65536)
        except BlockingIOError:
            data = None
        except OSError:
            data = b""
        if data == b"":
            self._close(conn)
            return
        buffered.pending += data or b""
        if not whole(buffered.pending):
            self._reading.setdefault(conn, time.monotonic() + self.read_timeout)
            return
        self._reading.pop(conn, None)
        self.poller.unregister(client)
        conn.data_ready = True  # read already: the thread must not wait for the socket
        self.enqueue_req(conn)

    def murder_keepalived(self, force: bool = False) -> None:
        """Close idle kept-alive connections (gunicorn's), and requests read too slowly."""
        super().murder_keepalived(force)
        now = time.monotonic()
        for conn, deadline in list(self._reading.items()):
            if force or deadline <= now:
                log.info("request.read_timeout seconds=%g", self.read_timeout)
                self._close(conn)

    def _close(self, conn: TConn) -> None:
        self._reading.pop(conn, None)
        self.nr_conns -= 1
        with contextlib.suppress(KeyError, ValueError, OSError):
            self.poller.unregister(conn.sock)  # unless no longer registered
        conn.close()
