"""Slack's rules at the real endpoint: signatures, limits, retries, errors, outages."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.client
import itertools
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import event, func, select

from bot.request import TOO_SLOW
from bot.slash.grammar import Resume
from engagement.access import account_names, actor_for
from engagement.models import ProcessedRequest
from sherpa_demo.stack import Stack, running_stack
from slack_emulator.actor import ActorResult, sign
from slack_emulator.interactions import ResponseTarget
from tests import pg
from tests.factories import load_portfolio, workspace_for

SAM = "U0SAM0001"


def request_http(
    url: str, body: bytes = b"", headers: dict[str, str] | None = None, method: str = "POST"
) -> tuple[int, str]:
    request = urllib.request.Request(
        url, data=body if method == "POST" else None, headers=headers or {}, method=method
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def send_oversized(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST a body the server refuses mid-upload: read its answer even if it hung up on us."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        connection.request("POST", parts.path, body=body, headers=headers)
    try:
        return connection.getresponse().status
    finally:
        connection.close()


def signed_headers(secret: str, body: bytes, *, age: int = 0) -> dict[str, str]:
    timestamp = str(int(time.time()) - age)
    return {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": sign(secret, timestamp, body.decode()),
        "Content-Type": "application/x-www-form-urlencoded",
    }


def replies(stack: Stack, user: str) -> list[str]:
    return [str(post.body.get("text", "")) for post in stack.emulator.responses(user)]


def processed_events(stack: Stack) -> int:
    with stack.runtime.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(ProcessedRequest)) or 0)


def test_help_through_the_signed_endpoint(stack: Stack) -> None:
    result = stack.slack.slash(SAM, "help")
    assert result.status == 200
    stack.settle()
    [text] = replies(stack, SAM)
    assert "/sponsor status [account]" in text
    assert stack.emulator.responses(SAM)[0].body["response_type"] == "ephemeral"


def slack_calls(stack: Stack) -> list[str]:
    """Web API methods Sherpa called (Bolt's one `auth.test` at the first request aside)."""
    return [call.method for call in stack.emulator.calls() if call.method != "auth.test"]


def queries_during(stack: Stack, action: Callable[[], object]) -> list[str]:
    """The SQL Sherpa ran while `action` (and the work after its ack) went on."""
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(stack.runtime.engine, "before_cursor_execute", record)
    try:
        action()
        stack.settle()
    finally:
        event.remove(stack.runtime.engine, "before_cursor_execute", record)
    return statements


@pytest.mark.parametrize("text", ["help", "", "  HELP  "])
def test_help_is_answered_in_the_ack_without_the_database(stack: Stack, text: str) -> None:
    """Slack shows a command's ack body at once: no follow-up post, not a single query."""
    sent: list[ActorResult] = []
    assert queries_during(stack, lambda: sent.append(stack.slack.slash(SAM, text))) == []
    [reply] = stack.emulator.responses(SAM)
    assert reply.via == "ack" and sent[0].json == reply.body
    assert reply.body["response_type"] == "ephemeral"
    assert "/sponsor status [account]" in reply.body["text"]
    assert slack_calls(stack) == []


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("stauts Acme Corp",
         "Unknown command 'stauts'. Did you mean `status`? Try `/sponsor help`."),
        ("pause soon",
         "'soon' is not a date like 2026-12-28. Usage: `/sponsor pause <YYYY-MM-DD>`"),
        ("resume now", "`resume` takes nothing after it. Usage: `/sponsor resume`"),
    ],
)  # fmt: skip
def test_a_mistake_that_names_no_account_is_one_line_in_the_ack(
    stack: Stack, text: str, line: str
) -> None:
    assert queries_during(stack, lambda: stack.slack.slash(SAM, text)) == []
    [reply] = stack.emulator.responses(SAM)
    assert (reply.via, reply.effect, reply.body["text"]) == ("ack", "ephemeral", line)
    assert slack_calls(stack) == []


def test_a_command_naming_no_account_reads_no_account_names(stack: Stack) -> None:
    """The names a command is parsed with are the person's own accounts' (`account_names`
    with their actor), read only for a command that names an account."""

    def their_names() -> None:
        with stack.runtime.reads() as session:
            account_names(session, actor_for(session, SAM, frozenset()))

    names = queries_during(stack, their_names)[-1]
    assert names in queries_during(stack, lambda: stack.slack.slash(SAM, "status Acme Corp"))
    statements = queries_during(stack, lambda: stack.slack.slash(SAM, "escalations"))
    assert statements and names not in statements
    assert [reply.via for reply in stack.emulator.responses(SAM)] == ["response_url"] * 2


def test_a_command_naming_an_account_is_parsed_with_the_names_after_the_ack(stack: Stack) -> None:
    result = stack.slack.slash(SAM, "status acme crop")
    stack.settle()
    assert result.text == ""
    [reply] = stack.emulator.responses(SAM)
    assert reply.via == "response_url"
    assert reply.body["text"].startswith("No account named 'acme crop'. Did you mean 'Acme Corp'?")


def test_a_click_on_a_check_in_that_is_gone_is_refused_without_the_write_lock(
    stack: Stack,
) -> None:
    url_id = stack.emulator.response_urls.register(ResponseTarget(SAM, "D0SAM0001"))
    response_url = f"{stack.emulator.url}response/{url_id}"
    payload = {
        "type": "block_actions", "user": {"id": SAM}, "team": {"id": "T0EMULATE1"},
        "api_app_id": "A0SHERPA00", "trigger_id": "1.2.3", "container": {"type": "message"},
        "channel": {"id": "D0SAM0001"}, "response_url": response_url,
        "actions": [{"type": "button", "action_id": "checkin_skip", "block_id": "b",
                     "value": "999999", "action_ts": "1"}],
    }  # fmt: skip
    body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
    headers = signed_headers(stack.emulator.signing_secret, body)
    statements = queries_during(stack, lambda: request_http(stack.url, body, headers))
    assert statements and not any("IMMEDIATE" in statement for statement in statements)
    assert replies(stack, SAM) == ["That check-in no longer exists."]


def test_a_mistake_gets_one_line_and_writes_nothing(stack: Stack) -> None:
    stack.slack.slash(SAM, "stauts Acme Corp")
    stack.settle()
    assert replies(stack, SAM) == [
        "Unknown command 'stauts'. Did you mean `status`? Try `/sponsor help`."
    ]


@pytest.mark.parametrize("forgery", ["wrong secret", "stale", "missing"])
def test_bad_signatures_get_401_and_change_nothing(stack: Stack, forgery: str) -> None:
    body = b"command=%2Fsponsor&text=help&user_id=U0SAM0001&response_url=http%3A%2F%2Fx"
    if forgery == "missing":
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
    else:
        secret = "not-the-secret" if forgery == "wrong secret" else stack.emulator.signing_secret
        headers = signed_headers(secret, body, age=301 if forgery == "stale" else 0)
    status, _ = request_http(stack.url, body, headers)
    stack.settle()
    assert status == 401
    assert stack.emulator.responses() == []


def test_an_event_with_a_stale_signature_is_refused(stack: Stack) -> None:
    stale = stack.slack.with_signature(timestamp=int(time.time()) - 6 * 60)
    result = stale.event({"type": "app_home_opened", "user": SAM, "tab": "home"})
    stack.settle()
    assert result.status == 401
    assert processed_events(stack) == 0 and stack.emulator.calls("views.publish") == []


def test_oversized_and_garbage_bodies_get_4xx_and_the_process_lives(stack: Stack) -> None:
    big = b"x" * (1024 * 1024 + 1)
    assert send_oversized(stack.url, big, signed_headers(stack.emulator.signing_secret, big)) == 413
    garbage = b"payload=%7Bnot json"
    status, _ = request_http(
        stack.url, garbage, signed_headers(stack.emulator.signing_secret, garbage)
    )
    assert 400 <= status < 500
    status, body = request_http(stack.url.replace("/slack/events", "/healthz"), method="GET")
    assert status == 200 and json.loads(body)["database"] == "ok"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"[1, 2]", "application/json"),
        (b'"text"', "application/json"),
        (b"payload=%5B1%5D", "application/x-www-form-urlencoded"),
        (b"payload=%7Bnot json", "application/x-www-form-urlencoded"),
        (b"command=%2Fsponsor&text=\xff\xfe", "application/x-www-form-urlencoded"),
        (b'{"type": "event_callback", "authorizations": 5}', "application/json"),
    ],
)
def test_a_body_bolt_cannot_take_is_refused_once_parsed(
    stack: Stack, body: bytes, content_type: str
) -> None:
    stamp = str(int(time.time()))
    digest = hmac.new(
        stack.emulator.signing_secret.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256
    )  # Slack signs the raw bytes, whatever they are
    headers = {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": f"v0={digest.hexdigest()}",
        "Content-Type": content_type,
    }
    status, answer = request_http(stack.url, body, headers)
    stack.settle()
    assert (status, json.loads(answer)) == (400, {"error": "malformed body"})
    assert stack.emulator.responses() == [] and processed_events(stack) == 0


def test_event_retries_are_not_processed_twice(stack: Stack) -> None:
    event = {"type": "app_home_opened", "user": SAM, "tab": "home"}
    first = stack.slack.event(event)
    stack.settle()
    again = stack.slack.event(
        event, retry_num=1, retry_reason="http_timeout", event_id=first.sent["event_id"]
    )
    stack.settle()
    assert (first.status, again.status) == (200, 200)
    assert len(stack.emulator.calls("views.publish")) == 1
    assert stack.emulator.home(SAM) is not None


def test_a_handler_error_shows_a_reference_and_logs_the_traceback(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(_invocation: Any, _command: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setitem(stack.surfaces.commands, Resume, broken)
    with caplog.at_level(logging.ERROR):
        stack.slack.slash(SAM, "resume")
        stack.settle()
    [text] = replies(stack, SAM)
    assert text.startswith("Something went wrong (reference ")
    reference = text.split("reference ")[1][:6]
    [record] = [r for r in caplog.records if reference in r.getMessage()]
    assert record.exc_info and "boom" in str(record.exc_info[1])
    assert "Traceback" not in text and "boom" not in text


@pytest.mark.skipif(not pg.available(), reason=f"no PostgreSQL binaries at {pg.PG_BIN}")
def test_database_outage_answers_unavailable_and_recovers() -> None:
    from sqlalchemy import create_engine, text

    from engagement import db

    server = pg.PostgresServer.start()
    try:
        admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("CREATE DATABASE sherpa"))
        admin.dispose()
        url = server.url("sherpa")
        db.upgrade(url)
        engine = db.make_engine(url)
        with db.session_factory(engine)() as session:
            load_portfolio(session)
        engine.dispose()
        with running_stack(url, workspace_for()) as stack:
            health = stack.url.replace("/slack/events", "/healthz")
            assert request_http(health, method="GET")[0] == 200
            server.pause()
            assert request_http(health, method="GET")[0] == 503
            stack.slack.slash(SAM, "status")
            stack.settle()
            assert replies(stack, SAM) == [
                "Sherpa is temporarily unavailable. Please try again in a minute."
            ]
            stack.slack.slash(SAM, "help")  # needs no database: answered all the same
            assert "/sponsor status [account]" in replies(stack, SAM)[-1]
            server.resume()
            assert request_http(health, method="GET")[0] == 200
            stack.slack.slash(SAM, "status")
            stack.settle()
            assert "Acme Corp" in str(stack.emulator.responses(SAM)[-1].body)
    finally:
        server.stop()


def test_a_form_sherpa_was_too_slow_to_open_asks_to_click_again(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Slack lets a trigger open a modal for 3 s; past that the person is asked to retry."""
    seconds = itertools.count(0, 10)  # each reading of Slack's clock is 10 s after the last
    monkeypatch.setattr(stack.emulator.triggers, "_clock", lambda: float(next(seconds)))
    with caplog.at_level(logging.WARNING):
        stack.slack.slash(SAM, "escalate")
        stack.settle()
    assert replies(stack, SAM) == [TOO_SLOW]
    assert stack.emulator.open_views(SAM) == []
    assert "request.trigger_expired" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
