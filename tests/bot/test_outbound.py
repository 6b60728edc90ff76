"""Replies over pooled connections: one connection for many posts, a closed one replaced, and
the environment's proxy honoured."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from bot import root
from bot.notifier import SlackNotifier, make_client
from bot.outbound import Outbound, TransportError, proxy_for
from bot.render import Renderers
from engagement.notify import DeliveryError
from engagement.settings import Settings
from slack_emulator import Emulator
from slack_emulator.interactions import ResponseTarget
from tests.proxy import loopback_proxy


class _Recorder(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        *,
        close_after_each: bool,
        answer: tuple[int, bytes] = (200, b"ok"),
        together: threading.Barrier | None = None,
    ) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.close_after_each = close_after_each
        self.answer = answer
        self.together = together
        """Requests answer only once this many are in flight: connections all in use."""
        self.seen: list[tuple[int, dict[str, Any]]] = []
        """(client port, payload) per request: a new port is a new connection."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/response/1"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Recorder

    def do_POST(self) -> None:
        payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.seen.append((self.client_address[1], payload))
        if self.server.together is not None:
            self.server.together.wait(timeout=10)
        status, body = self.server.answer
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        # Closing without a `Connection: close` header: the client learns only on its next
        # request, as when a server drops an idle connection.
        self.close_connection = self.server.close_after_each

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def _serving(
    close_after_each: bool,
    answer: tuple[int, bytes] = (200, b"ok"),
    together: threading.Barrier | None = None,
) -> Iterator[_Recorder]:
    server = _Recorder(close_after_each=close_after_each, answer=answer, together=together)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def kept() -> Iterator[_Recorder]:
    with _serving(close_after_each=False) as server:
        yield server


@pytest.fixture
def dropping() -> Iterator[_Recorder]:
    with _serving(close_after_each=True) as server:
        yield server


def test_posts_from_one_thread_share_one_connection(kept: _Recorder) -> None:
    client = Outbound()
    for n in range(3):
        assert client.post_json(kept.url, {"n": n}).status == 200
    assert [payload["n"] for _, payload in kept.seen] == [0, 1, 2]
    assert len({port for port, _ in kept.seen}) == 1


def test_as_many_replies_at_once_as_the_pool_holds_keep_their_connections() -> None:
    """A reply thread never finds the pool full and drops its connection: each round of
    `threads` replies in flight together goes over the same `threads` connections."""
    threads = 6
    with _serving(close_after_each=False, together=threading.Barrier(threads)) as server:
        client = Outbound(per_host=threads)
        for round_ in range(3):
            posting = [
                threading.Thread(target=client.post_json, args=(server.url, {"n": round_}))
                for _ in range(threads)
            ]
            for thread in posting:
                thread.start()
            for thread in posting:
                thread.join()
        assert len(server.seen) == 3 * threads
        assert len({port for port, _ in server.seen}) == threads


def test_a_web_process_keeps_a_connection_for_each_thread_that_may_reply() -> None:
    settings = Settings(
        database_url="sqlite://",
        web_threads=5,
        sherpa_followup_threads=7,
        slack_bot_token="xoxb-test",
    )
    assert root.start(settings, check_schema=False).runtime.notifier.replies.per_host == 12


def test_a_connection_the_server_closed_is_replaced_and_the_post_sent_once(
    dropping: _Recorder,
) -> None:
    client = Outbound()
    for n in range(3):
        assert client.post_json(dropping.url, {"n": n}).status == 200
    assert [payload["n"] for _, payload in dropping.seen] == [0, 1, 2]
    assert len({port for port, _ in dropping.seen}) == 3


def test_a_server_that_is_not_there_fails_the_post() -> None:
    server = _Recorder(close_after_each=False)
    url = server.url
    server.server_close()
    with pytest.raises((OSError, TransportError)):
        Outbound(timeout=2).post_json(url, {"n": 0})


def test_only_http_urls_are_posted_to() -> None:
    with pytest.raises(ValueError, match="not an HTTP URL"):
        Outbound().post_json("file:///etc/passwd", {})


def test_a_reply_reaches_the_response_url_and_a_refusal_says_why() -> None:
    with Emulator({"users": [{"id": "U1", "tz": "UTC"}]}) as emulator:
        dm = emulator.workspace.dm("U1", create=True)
        assert dm is not None
        url_id = emulator.response_urls.register(ResponseTarget("U1", dm))
        notifier = SlackNotifier(make_client(emulator.bot_token, emulator.api_url), Renderers())
        notifier.respond(
            f"{emulator.url}response/{url_id}", text="hello", response_type="ephemeral"
        )
        assert [post.body["text"] for post in emulator.responses("U1")] == ["hello"]
        with pytest.raises(DeliveryError, match="response_url: no_such_response_url"):
            notifier.respond(f"{emulator.url}response/unknown", text="lost")


def test_slacks_own_refusal_in_plain_text_is_named() -> None:
    with (
        _serving(close_after_each=False, answer=(404, b"expired_url")) as server,
        pytest.raises(DeliveryError, match="response_url: expired_url"),
    ):
        origin = server.url.split("/", 3)[:3]  # replies go to Slack's hosts and the API's
        notifier = SlackNotifier(
            make_client("xoxb-unused", "/".join(origin) + "/api/"), Renderers()
        )
        notifier.respond(server.url, text="too late")


def test_a_reply_goes_nowhere_but_slack_and_the_api_host() -> None:
    with _serving(close_after_each=False, answer=(200, b"ok")) as server:
        notifier = SlackNotifier(make_client("xoxb-unused", "https://slack.com/api/"), Renderers())
        with pytest.raises(DeliveryError, match="response_url: untrusted_url"):
            notifier.respond(server.url, text="to an internal service")
        assert server.seen == []


def test_replies_and_web_api_calls_go_through_the_https_proxy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with loopback_proxy() as proxy, Emulator({"users": [{"id": "U1", "tz": "UTC"}]}) as emu:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        dm = emu.workspace.dm("U1", create=True)
        assert dm is not None
        notifier = SlackNotifier(make_client(emu.bot_token, emu.api_url), Renderers())
        for n in range(3):
            url_id = emu.response_urls.register(ResponseTarget("U1", dm))
            notifier.respond(f"{emu.url}response/{url_id}", text=f"reply {n}")
        notifier.call("auth.test")
        assert [post.body["text"] for post in emu.responses("U1")] == [
            "reply 0", "reply 1", "reply 2"
        ]  # fmt: skip
        replies = [path for path in proxy.paths() if path.startswith("/response/")]
        assert len(replies) == 3 and proxy.paths()[-1] == "/api/auth.test"
        assert len(proxy.clients) == 2  # the replies' one kept connection, the WebClient's


def test_no_proxy_hosts_go_direct(monkeypatch: pytest.MonkeyPatch, kept: _Recorder) -> None:
    with loopback_proxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
        assert proxy_for(kept.url) is None
        assert proxy_for("https://hooks.slack.com/actions/1") == proxy.url
        Outbound().post_json(kept.url, {"n": 0})
        assert proxy.seen == [] and len(kept.seen) == 1
