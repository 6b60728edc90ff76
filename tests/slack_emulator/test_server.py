"""The HTTP side: both body styles, both token places, and the non-API paths."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode

import pytest

from slack_emulator import Emulator
from slack_emulator.interactions import ResponseTarget
from tests.slack_emulator.conftest import ACME
from tests.slack_emulator.kit import section


def post(url: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(url, body, headers or {}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            status, data = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, data = error.code, error.read()
    text = data.decode()
    return status, json.loads(text) if text.startswith("{") else text


def test_form_bodies_with_json_string_fields_and_a_token_argument(emu: Emulator) -> None:
    """How Slack's docs and other clients call: form fields, ``blocks`` as a JSON string."""
    form = {
        "token": emu.bot_token,
        "channel": ACME,
        "text": "x",
        "blocks": json.dumps([section("hi")]),
    }
    status, body = post(f"{emu.api_url}chat.postMessage", urlencode(form).encode())
    assert status == 200 and body["ok"], body
    assert emu.messages(ACME)[0]["blocks"][0]["text"]["text"] == "hi"
    [call] = emu.calls()
    assert "token" not in call.args and call.args["blocks"][0]["type"] == "section"


def test_json_bodies_with_a_bearer_token(emu: Emulator) -> None:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {emu.bot_token}"}
    body = json.dumps({"channel": ACME, "text": "json"}).encode()
    status, answer = post(f"{emu.api_url}chat.postMessage", body, headers)
    assert status == 200 and answer["ok"]


def test_get_with_query_arguments(emu: Emulator) -> None:
    query = urlencode({"token": emu.bot_token, "user": "U0SAM0001"})
    with urllib.request.urlopen(f"{emu.api_url}users.info?{query}", timeout=5) as response:
        assert json.loads(response.read())["user"]["name"] == "sam"


def test_a_json_body_that_is_not_an_object_is_refused(emu: Emulator) -> None:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {emu.bot_token}"}
    status, body = post(f"{emu.api_url}auth.test", b"[1, 2]", headers)
    assert (status, body["error"]) == (200, "invalid_form_data")


def test_an_argument_of_an_unexpected_type_is_a_recorded_500(
    emu: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {emu.bot_token}"}
    body = json.dumps({"channel": 5, "text": "x"}).encode()
    status, answer = post(f"{emu.api_url}chat.postMessage", body, headers)
    assert (status, answer) == (500, {"ok": False, "error": "fatal_error"})
    assert emu.calls()[0].status == 500 and "emulator failed" in caplog.text
    status, answer = post(f"{emu.api_url}auth.test", b"", headers)
    assert status == 200 and answer["ok"]  # still serving


def test_upload_url_takes_raw_bytes(emu: Emulator) -> None:
    file_id = emu.store.new_file("a.bin", 3, None).id
    assert post(f"{emu.url}upload/{file_id}", b"\x00\x01\x02") == (200, "OK - 3")
    [stored] = emu.files()
    assert stored.content == b"\x00\x01\x02"
    assert post(f"{emu.url}upload/F0NOPE", b"x") == (404, "file_not_found")


@pytest.mark.parametrize("path", ["", "nothing/here", "api/", "response/"])
def test_unknown_paths_are_404(emu: Emulator, path: str) -> None:
    status, _ = post(f"{emu.url}{path}", b"")
    assert status == 404


def test_stop_frees_the_port() -> None:
    emulator = Emulator().start()
    url = emulator.api_url
    emulator.stop()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{url}auth.test", timeout=1)


def test_a_response_url_takes_only_a_json_object(emu: Emulator) -> None:
    url = f"{emu.url}response/{emu.response_urls.register(ResponseTarget('U0SAM0001', ACME))}"
    for body in (b"[1]", b"not json"):
        assert post(url, body) == (400, {"ok": False, "error": "invalid_payload"})
    assert emu.responses() == []
