"""`sherpa forget` after two weeks of the demo: everything Slack and people produced."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from engagement import db
from engagement.backup import export_all
from engagement.forget import SHERPA_WROTE
from engagement.models import AdvocacyAction, Answer, CheckIn, Person
from sherpa.cli import main
from sherpa_demo.simulate import START
from tests.engagement.test_forget import figures

WEEKS = 2


def strings(value: object) -> list[str]:
    """The text in a column's value: a JSON document's strings, not its keys (a SAM whose
    display name is "sam" shares it with the key of the SAM's view in an alert's facts)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in strings(item)]
    return []


def test_nothing_of_theirs_escapes_and_every_figure_stays(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path}/demo.sqlite3"
    out = str(tmp_path / "demo")
    demo = main(["demo", "--weeks", str(WEEKS), "--seed", "3", "--out", out, "--database-url", url])
    printed = capsys.readouterr().out
    assert demo == 0, printed
    monkeypatch.setenv("DATABASE_URL", url)
    engine = db.make_engine(url)
    sessions = db.session_factory(engine)
    end = START + timedelta(weeks=WEEKS)
    with sessions() as session:
        before = figures(session, end)
        people = {
            person.slack_user_id: (person.id, person.display_name)
            for person in session.scalars(select(Person))
        }
        channels = {
            user: set(session.scalars(
                select(CheckIn.message_channel).where(CheckIn.person_id == people[user][0])
            )) - {None}
            for user in ("U0SPN0001", "U0SAM0001")
        }  # fmt: skip
        held = io.StringIO()
        export_all(session, held)
    assert all(channels.values())  # their DMs, as the emulator numbered them
    elsewhere = "\n".join(
        line for line in held.getvalue().splitlines() if '"table": "people"' not in line
    )
    assert "U0SAM0001" in elsewhere  # in alerts queued for the SAM, not only in `people`
    assert all(channel in elsewhere for user in channels for channel in channels[user])

    for user in ("U0SPN0001", "U0SAM0001"):  # a sponsor, and a SAM of two accounts
        status, printed, _ = main(["forget", user]), *capsys.readouterr()
        assert status == 0, printed

    with sessions() as session:
        assert figures(session, end) == before
        dump = io.StringIO()
        export_all(session, dump)
        forgotten = [people[user][0] for user in ("U0SPN0001", "U0SAM0001")]
        texts = session.execute(
            select(Answer.note, Answer.advocacy)
            .join(CheckIn, CheckIn.id == Answer.checkin_id)
            .where(CheckIn.person_id.in_(forgotten))
        ).all()
        logged = session.scalars(
            select(AdvocacyAction.text).where(AdvocacyAction.person_id.in_(forgotten))
        ).all()
    engine.dispose()
    assert texts and set(texts) == {("", "")}
    assert logged and set(logged) == {""}
    exported = dump.getvalue()
    for user in ("U0SPN0001", "U0SAM0001"):
        _, name = people[user]
        for secret in (user, *channels[user]):
            assert secret not in exported, secret
        # their display name, as a word of its own, in what Sherpa wrote (alerts, queued work)
        pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")
        found = [
            (record["table"], column)
            for record in map(json.loads, exported.splitlines()[1:])
            for column, value in record["row"].items()
            if (record["table"], column) in SHERPA_WROTE
            and any(pattern.search(text) for text in strings(value))
        ]
        assert not found, (name, found)
