"""What the demo shows: the last digest in the terminal, the alerts, the escalations' fate,
and, on disk, the transcript of every message (Markdown), the digest chart and the risk
heat map (PNG)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.views.scorecard.alerts import figures, headline
from engagement.models import Account, Alert, Escalation, EscalationEvent
from engagement.scoring.messages import IndicatorAlert
from sherpa_demo.workspace import ADMIN
from slack_emulator import Emulator, Workspace
from slack_emulator.rendering import shown

EMOJI = {
    ":large_green_circle:": "🟢", ":large_yellow_circle:": "🟡", ":red_circle:": "🔴",
    ":white_circle:": "⚪", ":rotating_light:": "🚨", ":warning:": "⚠️", ":mega:": "📣",
    ":palm_tree:": "🌴", ":face_with_thermometer:": "🤒",
    ":chart_with_upwards_trend:": "📈", ":thread:": "🧵", ":arrow_down:": "⬇️",
    ":scales:": "⚖️", ":chart_with_downwards_trend:": "📉", ":hourglass:": "⌛",
    ":left_right_arrow:": "↔️", ":white_check_mark:": "✅", ":wave:": "👋",
}  # fmt: skip


Shown = Callable[[str], str]
"""Message text as a reader sees it in Slack (`Emulator.shown`): @Dana Whitfield, #acme."""

_NOBODY = Workspace()


def _alone(text: str) -> str:
    """Text shown with no workspace to name people from (a mention shows its user ID)."""
    return shown(text, _NOBODY)


def plain(text: str, show: Shown = _alone) -> str:
    """Slack mrkdwn to terminal text: as Slack shows it (`show`), with emoji codes drawn."""
    for code, emoji in EMOJI.items():
        text = text.replace(code, emoji)
    return show(text)


def block_lines(blocks: list[dict[str, Any]], show: Shown = _alone) -> list[str]:
    """The readable text of a message's blocks, one line per block (buttons in brackets)."""
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            lines.append(f"## {block['text']['text']}")
        elif kind == "section":
            if block.get("text"):
                lines.append(plain(block["text"]["text"], show))
            lines += [plain(f["text"], show) for f in block.get("fields") or []]
            if (block.get("accessory") or {}).get("type") == "button":
                lines.append(f"[{block['accessory']['text']['text']}]")
        elif kind == "context":
            lines.append(" ".join(plain(e.get("text", ""), show) for e in block["elements"]))
        elif kind == "actions":
            lines.append(" ".join(_element(e) for e in block["elements"]))
        elif kind == "divider":
            lines.append("---")
    return lines


def _element(element: dict[str, Any]) -> str:
    """A button as [Label], a menu as [Placeholder ▾]."""
    if element.get("type") == "button":
        return f"[{element['text']['text']}]"
    if element.get("type") == "static_select":
        return f"[{element['placeholder']['text']} ▾]"
    return ""


def write_transcript(
    emulator: Emulator,
    folder: Path,
    zones: dict[str, str],
    notes: list[str],
    *,
    setup: Sequence[str] = (),
) -> Path:
    """Every channel and DM, every message in its final state, threads under their parent;
    first, what the admin saw setting up the portfolio in App Home (`setup`), then what
    happened in Slack outside Sherpa: people whose Slack time zone is not their accounts'
    (`zones`: user ID -> the accounts' zone), and `notes`."""
    out = ["# Sherpa demo transcript", ""]
    if setup:
        admin = emulator.workspace.user(ADMIN)
        out += [f"## {admin.real_name if admin else ADMIN}, the admin, sets up the portfolio "
                "in App Home", "", *(plain(line) for line in setup)]  # fmt: skip
    show = emulator.shown
    workspace = emulator.workspace
    elsewhere = [
        f"{u.real_name or u.id} works in {u.tz} (their Slack time zone); the portfolio "
        f"puts their accounts in {zones[u.id]}."
        for u in workspace.users
        if u.id in zones and u.tz != zones[u.id]
    ]
    if elsewhere or notes:
        out += ["## In Slack, outside Sherpa", ""]
        out += [f"- {plain(line)}" for line in (*elsewhere, *notes)] + [""]
    places = [(f"#{c.name}", c.id) for c in workspace.channels]
    places += [(f"DM with {u.real_name or u.id}", u.id) for u in workspace.users if not u.is_bot]
    for title, where in places:
        messages = emulator.messages(where)
        if not messages:
            continue
        out += [f"## {title}", ""]
        for number, message in enumerate(messages, start=1):
            indent = "> " if message.get("thread_ts") not in (None, message["ts"]) else ""
            lines = block_lines(message.get("blocks") or [], show) or [
                plain(message.get("text", ""), show)
            ]
            lines += [  # an image as a screen reader reads it
                f"🖼️ {item.get('alt_txt') or item.get('title', '') + ' (no description)'}"
                for item in message.get("files") or []
            ]
            out.append(f"{indent}**{number}.**")
            out += [f"{indent}{line}" for line in lines if line]
            out.append("")
    path = folder / "transcript.md"
    path.write_text("\n".join(out), encoding="utf-8")
    return path


def write_image(emulator: Emulator, folder: Path, prefix: str, name: str) -> Path | None:
    """The last PNG uploaded whose file name starts with `prefix`, as `name` in `folder`."""
    images = [
        f.content
        for f in emulator.files()
        if f.name.startswith(prefix) and f.content and f.content[:4] == b"\x89PNG"
    ]
    if not images:
        return None
    path = folder / name
    path.write_bytes(images[-1])
    return path


def show_last_digest(console: Console, emulator: Emulator, channel: str) -> bool:
    heads = [m for m in emulator.messages(channel) if m.get("thread_ts") in (None, m["ts"])]
    if not heads:
        console.print(f"[red]No digest was posted to {channel}.[/red]")
        return False
    head = heads[-1]
    thread = emulator.messages(channel, head["ts"])[1:]
    show = emulator.shown
    lines = block_lines(head.get("blocks") or [], show)
    for reply in thread:
        lines += block_lines(reply.get("blocks") or [], show)
    console.print(Panel("\n".join(lines), title=f"Last weekly digest in {channel}",
                        border_style="cyan"))  # fmt: skip
    return True


def show_alerts(console: Console, session: Session) -> int:
    rows = session.execute(
        select(Alert.created_at, Account.name, Alert.condition, Alert.message)
        .join(Account, Alert.account_id == Account.id).order_by(Alert.created_at)
    ).all()  # fmt: skip
    table = Table(title=f"Alerts raised ({len(rows)})", show_lines=False)
    for column in ("week of", "account", "condition", "what changed"):
        table.add_column(column)
    for created, account, condition, message in rows[-25:]:
        alert = IndicatorAlert.model_validate_json(message)
        before, after = figures(alert)
        table.add_row(f"{created:%Y-%m-%d}", account, condition,
                      f"{headline(alert)}: {before} → {after}"[:90])  # fmt: skip
    if len(rows) > 25:
        table.caption = f"the last 25 of {len(rows)}; all are in the transcript"
    console.print(table)
    return len(rows)


def show_escalations(console: Console, session: Session) -> int:
    escalations = session.scalars(select(Escalation).order_by(Escalation.id)).all()
    table = Table(title=f"Escalations and their fate ({len(escalations)})")
    for column in ("id", "account", "severity", "raised", "fate"):
        table.add_column(column)
    for escalation in escalations:
        kinds = [
            e.kind
            for e in session.scalars(
                select(EscalationEvent)
                .where(EscalationEvent.escalation_id == escalation.id)
                .order_by(EscalationEvent.id)
            )
        ]
        table.add_row(
            escalation.code,
            escalation.account.name,
            escalation.severity,
            f"{escalation.created_at:%Y-%m-%d %H:%M}",
            _fate(escalation, kinds),
        )
    console.print(table)  # fmt: skip
    return len(escalations)


def _fate(escalation: Escalation, kinds: list[str]) -> str:
    parts = []
    if escalation.acknowledged_at:
        late = escalation.acknowledged_at > escalation.ack_deadline
        hours = (escalation.acknowledged_at - escalation.created_at).total_seconds() / 3600
        parts.append(f"acknowledged after {hours:.0f} h" + (" (late)" if late else ""))
    if "reminded" in kinds:
        parts.append("sponsor reminded")
    if "escalated" in kinds:
        parts.append("sent to the escalation path")
    parts.append(escalation.state)
    return "; ".join(parts)
