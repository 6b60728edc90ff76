"""`sherpa`: the command line (README.md, "Commands"). Bad input is one line on stderr, never a
traceback."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import stat
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TextIO

from bot import logs, root
from bot.runtime import Runtime
from engagement import db
from engagement.backup import export_all, import_all
from engagement.clock import as_utc, utcnow
from engagement.db import transaction
from engagement.errors import Invalid, SherpaError
from engagement.export import write_responses_csv
from engagement.forget import forget_person, wipe_freed
from engagement.portfolio.exporter import export_portfolio
from engagement.portfolio.importer import ImportPlan, import_portfolio
from engagement.portfolio.loader import PortfolioInvalid, read_portfolio
from engagement.portfolio.schema import PortfolioSpec
from engagement.settings import Settings, load_settings

log = logging.getLogger("sherpa")

USAGE_ERROR = 2
FORMATS = {"responses": "csv", "all": "jsonl", "portfolio": "yaml"}
"""What `sherpa export` writes, and in which format."""


def _instant(value: str) -> datetime:
    try:
        return as_utc(datetime.fromisoformat(value))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an ISO-8601 instant like 2026-11-23T09:00:00Z"
        ) from None


def cmd_db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    db.upgrade(settings.database_url)
    print(f"database is at the latest schema ({db.head_revision()})")
    return 0


def cmd_db_downgrade(settings: Settings, args: argparse.Namespace) -> int:
    db.downgrade(settings.database_url, args.revision)
    print(f"database is at revision {args.revision}")
    return 0


def cmd_db_current(settings: Settings, _args: argparse.Namespace) -> int:
    engine = db.make_engine(settings.database_url)
    try:
        current = db.current_revision(engine)
    finally:
        engine.dispose()
    head = db.head_revision()
    if current == head:
        print(f"{current} (the latest)")
    else:
        print(f"{current or 'no schema'} (the latest is {head}: run `sherpa db upgrade`)")
    return 0


def cmd_db_history(_settings: Settings, _args: argparse.Namespace) -> int:
    for revision, description in db.history():
        print(f"{revision}  {description}")
    return 0


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    runtime = root.start(settings).runtime
    try:
        spec = read_portfolio(Path(args.file))
    except PortfolioInvalid as error:
        print(f"{args.file}: {len(error.problems)} problem(s), nothing imported:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    plan = _import(runtime, spec, write=not args.dry_run, accept=None if args.force else [])
    if args.dry_run:
        print("\n".join(plan.lines()))
        if plan.overwrites:
            print(f"{_overwrites(plan)}: an import applies them only with --force")
        print("dry run: nothing written")
        return 0
    if plan.overwrites and not args.force:
        if not sys.stdin.isatty():
            print(
                f"sherpa: {_overwrites(plan)} (`--dry-run` lists them): nothing imported; "
                "run it again with --force to apply them",
                file=sys.stderr,
            )
            return 1
        print("\n".join(plan.lines()))
        try:
            answer = input(f"{_overwrites(plan)}. Apply them? [y/N] ")
        except EOFError:  # the terminal closed its input: no go-ahead
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            print("sherpa: nothing imported", file=sys.stderr)
            return 1
        confirmed = plan.overwrites
        plan = _import(runtime, spec, write=True, accept=confirmed)
        if plan.overwrites != confirmed:
            print(
                "sherpa: the portfolio was changed in Slack meanwhile: nothing imported; "
                "run the import again",
                file=sys.stderr,
            )
            return 1
    print("\n".join(plan.lines()))
    log.info("portfolio.imported changes=%d overwrites=%d", plan.changes, len(plan.overwrites))
    return 0


def _overwrites(plan: ImportPlan) -> str:
    count = len(plan.overwrites)
    return f"this import would overwrite {count} change{'s' if count > 1 else ''} made in Slack"


def _import(
    runtime: Runtime, spec: PortfolioSpec, *, write: bool, accept: list[str] | None
) -> ImportPlan:
    """One import in one transaction, committed when `write` and when the changes it
    makes over changes made in Slack are none, or exactly those in `accept` (None: any)."""
    with runtime.sessions() as session, session.begin():
        plan = import_portfolio(session, spec, now=utcnow())
        if not write or (accept is not None and plan.overwrites not in ([], accept)):
            session.rollback()
    return plan


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    expected = FORMATS[args.what]
    if args.format not in (None, expected):
        raise Invalid(f"`export {args.what}` writes {expected}, not {args.format}")
    runtime = root.start(settings).runtime
    with runtime.sessions() as session, contextlib.ExitStack() as stack:
        out = stack.enter_context(_private_output(args.output)) if args.output else sys.stdout
        if args.what == "all":
            count = sum(export_all(session, out).values())
        elif args.what == "portfolio":
            exported = export_portfolio(session)
            out.write(exported.text)
            for warning in exported.warnings:
                print(f"sherpa: {warning}", file=sys.stderr)
            count = exported.accounts
        else:
            count = write_responses_csv(session, out)
    log.info("export.done what=%s rows=%d", args.what, count)
    return 0


def _private_output(path: str) -> TextIO:
    """The export file, readable by its owner only (0600) whatever the umask: it holds
    people's answers and addresses. A file already there is made private, then emptied
    (one that cannot be made private is refused, untouched)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISREG(mode):
            if stat.S_IMODE(mode) & 0o077:
                os.fchmod(fd, 0o600)
            os.ftruncate(fd, 0)
    except OSError as error:
        os.close(fd)
        raise Invalid(
            f"{path}: cannot be made readable by its owner only ({error.strerror})"
        ) from None
    return os.fdopen(fd, "w", newline="", encoding="utf-8")


def cmd_import_data(settings: Settings, args: argparse.Namespace) -> int:
    runtime = root.start(settings).runtime
    with open(args.file, encoding="utf-8") as lines, transaction(runtime.sessions) as session:
        counts = import_all(session, lines)
    print(f"imported {sum(counts.values())} rows into {len(counts)} tables")
    return 0


def cmd_forget(settings: Settings, args: argparse.Namespace) -> int:
    """A privacy request: in one transaction, rolled back for a dry run; once committed,
    the old copies the database keeps in its files are overwritten."""
    runtime = root.start(settings).runtime
    with runtime.sessions() as session, session.begin():
        result = forget_person(session, user=args.user, now=utcnow())
        if args.dry_run:
            session.rollback()
    print("\n".join(result.lines()))
    if args.dry_run:
        print("dry run: nothing written")
    elif not result.already:
        counts = result.counts()
        log.info(
            " ".join(["people.forgotten person=%d pseudonym=%s", *(f"{key}=%d" for key in counts)]),
            result.person_id,
            result.pseudonym,
            *counts.values(),
        )
    if not result.already:
        print(
            f"Also remove {args.user} from the portfolio file (an import naming them adds a "
            "new person) and from SHERPA_ADMINS; earlier backups and logs still hold them."
        )
    if not args.dry_run and not wipe_freed(runtime.engine, result.tables):
        log.warning("people.wipe_busy person=%d", result.person_id)
        print(
            "sherpa: the database was busy, so its write-ahead log still holds old copies of "
            f"what was removed: run `sherpa forget {result.reference}` again to wipe them.",
            file=sys.stderr,
        )
        return 1
    return 0


def cmd_tick(settings: Settings, args: argparse.Namespace) -> int:
    runtime = root.start(settings).runtime
    report = runtime.due_engine().run_due(args.at or utcnow())
    done = ", ".join(f"{kind}={n}" for kind, n in sorted(report.done.items())) or "nothing"
    print(f"done: {done}; retried: {report.retried}; failed: {report.failed}")
    if not report.unfinished:
        return 0
    kinds = ", ".join(f"{kind}={n}" for kind, n in sorted(report.unfinished.items()))
    print(
        f"sherpa: {report.failed} failed and {report.retried} left for a retry ({kinds}): "
        "the log says why; the clock retries those left",
        file=sys.stderr,
    )
    return 1


def cmd_scheduler(settings: Settings, _args: argparse.Namespace) -> int:
    from sherpa import heap
    from sherpa.clock import run_clock
    from sherpa.startup import log_start

    runtime = root.start(settings).runtime
    heap.settle(*heap.CLOCK_MODULES)
    log_start("clock", runtime)
    run_clock(runtime)
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from sherpa.server import serve

    serve(settings, scheduler=not args.no_scheduler)
    return 0


def cmd_dev(settings: Settings, args: argparse.Namespace) -> int:
    from sherpa.server import dev

    dev(settings, scheduler=not args.no_scheduler)
    return 0


def cmd_doctor(_settings: Settings | None, _args: argparse.Namespace) -> int:
    """Reads the settings itself: a bad setting is one of the failures it reports."""
    from sherpa.doctor import run_checks

    return 0 if run_checks() else 1


def cmd_demo(_settings: Settings | None, args: argparse.Namespace) -> int:
    """Needs no settings: the demo brings its own Slack and database."""
    from sherpa_demo.run import run_demo

    return run_demo(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sherpa", description="Executive-sponsor engagement for strategic accounts."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, handler: Callable[..., int], help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    database = commands.add_parser("db", help="database schema")
    database_commands = database.add_subparsers(dest="db_command", required=True)
    for name, handler, help_text in [
        ("upgrade", cmd_db_upgrade, "apply every pending migration"),
        ("current", cmd_db_current, "the database's revision and the latest"),
        ("history", cmd_db_history, "every revision, newest first"),
        ("downgrade", cmd_db_downgrade, "undo the migrations after a revision"),
    ]:
        sub = database_commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
    sub.add_argument("revision", help="the revision to go back to (`base`: an empty database)")

    importer = add("import", cmd_import, "upsert a portfolio file")
    importer.add_argument("file", help="portfolio YAML file")
    importer.add_argument("--dry-run", action="store_true", help="show the changes only")
    importer.add_argument(
        "--force", action="store_true", help="apply it even over changes made in Slack"
    )

    export = add(
        "export",
        cmd_export,
        "export responses (CSV), every table (JSON lines) or the portfolio file (YAML)",
    )
    export.add_argument("what", choices=list(FORMATS))
    export.add_argument(
        "--format",
        choices=sorted(set(FORMATS.values())),
        help="csv for responses, jsonl for all, yaml for portfolio (the defaults)",
    )
    export.add_argument("--output", help="file to write (default: standard output)")

    restore = add("import-data", cmd_import_data, "load `export all` into an empty database")
    restore.add_argument("file", help="a file written by `sherpa export all`")

    forget = add(
        "forget", cmd_forget, "remove a person's identity and free text, keeping the figures"
    )
    forget.add_argument("user", help="their Slack user ID or e-mail address")
    forget.add_argument("--dry-run", action="store_true", help="show the counts only")

    tick = add("tick", cmd_tick, "run everything due as of an instant once, then exit")
    tick.add_argument("--at", type=_instant, help="ISO-8601 instant (default: now)")

    serve = add("serve", cmd_serve, "HTTP mode: POST /slack/events and GET /healthz")
    serve.add_argument(
        "--no-scheduler", action="store_true", help="leave due work to a separate clock process"
    )
    socket_mode = add(
        "dev", cmd_dev, "Socket Mode (no public URL) and the scheduler in one process"
    )
    socket_mode.add_argument(
        "--no-scheduler", action="store_true", help="leave due work to separate clock processes"
    )
    add("scheduler", cmd_scheduler, "the clock process: run due work every minute")

    doctor = add("doctor", cmd_doctor, "check settings, database, migrations and the Slack token")
    doctor.set_defaults(reads_own_settings=True)

    demo = add("demo", cmd_demo, "the whole product, offline, against the bundled emulator")
    demo.set_defaults(reads_own_settings=True)
    from sherpa_demo.run import add_arguments

    add_arguments(demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logs.configure()
    args = build_parser().parse_args(argv)
    try:
        if getattr(args, "reads_own_settings", False):
            return int(args.handler(None, args))
        settings = load_settings()
        logs.configure(settings.sherpa_log_format)
        return int(args.handler(settings, args))
    except SherpaError as error:
        print(f"sherpa: {error}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
