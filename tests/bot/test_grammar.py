"""The `/sponsor` grammar: every form of the design, and one clear line for every mistake."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.slash import grammar as g
from engagement.errors import Invalid
from engagement.escalations.rules import EscalationInput
from engagement.models import Severity

NAMES = ["Acme", "Acme Corp", "Globex", "Umbrella Health"]


def _escalate(account: str, severity: Severity, summary: str) -> g.Escalate:
    return g.Escalate(account=account, fields=EscalationInput(severity=severity, summary=summary))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", g.Help()),
        ("help", g.Help()),
        ("escalate", g.EscalateModal()),
        ("escalate acme corp HIGH Renewal blocked by legal",
         _escalate("Acme Corp", Severity.HIGH, "Renewal blocked by legal")),
        ("escalate Acme low Tiny thing", _escalate("Acme", Severity.LOW, "Tiny thing")),
        ('escalate "Umbrella Health" critical Outage',
         _escalate("Umbrella Health", Severity.CRITICAL, "Outage")),
        ("escalations", g.Escalations()),
        ("escalations globex", g.Escalations(account="Globex")),
        ("ack ESC-42", g.Ack(escalation_id=42)),
        ("ack 7", g.Ack(escalation_id=7)),
        ("resolve esc-42 Legal signed off", g.Resolve(escalation_id=42,
                                                      note="Legal signed off")),
        ("cancel ESC-3", g.Cancel(escalation_id=3)),
        ("status", g.Status()),
        ("status umbrella health", g.Status(account="Umbrella Health")),
        ("kpi Acme Corp joint_revenue_growth 6.2%", g.Kpi(
            account="Acme Corp", key="joint_revenue_growth", value="6.2%")),
        ("log Globex Opened the CFO meeting", g.Log(account="Globex",
                                                   text="Opened the CFO meeting")),
        ("checkin", g.Checkin()),
        ("checkin Acme", g.Checkin(account="Acme")),
        ("pause 2026-12-28", g.Pause(until=date(2026, 12, 28))),
        ("resume", g.Resume()),
        ("digest Globex", g.Digest(account="Globex")),
    ],
)  # fmt: skip
def test_every_form_of_the_grammar(text: str, expected: g.Command) -> None:
    assert g.parse(text, NAMES) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("stauts", "Unknown command 'stauts'. Did you mean `status`? Try `/sponsor help`."),
        ("frobnicate", "Unknown command 'frobnicate'. Try `/sponsor help`."),
        (
            "escalate Umbrela Health high Blocked",
            "No account named 'Umbrela Health'. Did you mean 'Umbrella Health'?",
        ),
        ("escalate Initech high Blocked", "No account named 'Initech'."),
        ("escalate Acme Corp urgent Blocked", "'urgent' is not a severity"),
        ("escalate Acme Corp", "Give a severity: low, medium, high or critical."),
        ("escalate Acme Corp high", "Say what the escalation is about."),
        (
            "escalate Acme Corp high " + "x" * 3001,
            "The summary is 3,001 characters; the limit is 3,000.",
        ),
        ("ack", "Give one escalation ID."),
        ("ack ESC-x", "'ESC-x' is not an escalation ID: use the one in the alert, like ESC-42."),
        ("cancel ESC-0", "'ESC-0' is not an escalation ID: use the one in the alert, like ESC-42."),
        (
            "resolve #ESC-",
            "'#ESC-' is not an escalation ID: use the one in the alert, like ESC-42.",
        ),
        ("kpi Acme Corp revenue", "Give a KPI key and one value."),
        ("log Globex", "Say what the sponsor did."),
        ("pause tomorrow", "'tomorrow' is not a date like 2026-12-28."),
        ("resume now", "`resume` takes nothing after it."),
        ("status Globex please", "Unexpected text after the account name: 'please'."),
    ],
)
def test_mistakes_get_one_line_with_the_right_form(text: str, message: str) -> None:
    with pytest.raises(Invalid) as error:
        g.parse(text, NAMES)
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)


def test_shell_and_sql_looking_text_is_kept_verbatim() -> None:
    text = "escalate Globex high '; DROP TABLE escalations; -- $(rm -rf /)"
    command = g.parse(text, NAMES)
    assert isinstance(command, g.Escalate)
    assert command.fields.summary == "'; DROP TABLE escalations; -- $(rm -rf /)"


@given(st.text(max_size=200))
def test_any_text_parses_or_is_refused_cleanly(text: str) -> None:
    try:
        g.parse(text, NAMES)
    except Invalid as error:
        assert str(error)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", g.Help()),
        ("help", g.Help()),
        ("escalate", g.EscalateModal()),
        ("escalations", g.Escalations()),
        ("status", g.Status()),
        ("ack ESC-42", g.Ack(escalation_id=42)),
        ("resolve ESC-42 Signed", g.Resolve(escalation_id=42, note="Signed")),
        ("pause 2026-12-28", g.Pause(until=date(2026, 12, 28))),
        ("resume", g.Resume()),
        ("status Globex", None),
        ("escalate Acme Corp high Blocked", None),
        ("kpi Acme Corp revenue 5", None),
        ("log Globex Met the CFO", None),
        ("checkin Nobody Inc", None),
    ],
)
def test_commands_that_name_no_account_parse_without_the_names(
    text: str, expected: g.Command | None
) -> None:
    """None: the command names an account, so its parse waits for the account names."""
    parsed = g.parse(text)
    assert (None if isinstance(parsed, g.AccountsNeeded) else parsed) == expected


words = st.sampled_from([*g.USAGE, "Acme", "Acme Corp", "Globex", "ESC-4", "high", "2026-12-28"])


@given(st.one_of(st.text(max_size=60), st.lists(words, max_size=5).map(" ".join)))
def test_without_the_names_the_parse_is_the_same_or_deferred(text: str) -> None:
    """Whatever is answered without the account names is what the names would have given,
    and a parse that waits for them finishes as one parse with them."""
    try:
        expected: g.Command | str = g.parse(text, NAMES)
    except Invalid as error:
        expected = str(error)
    try:
        early: g.Command | g.AccountsNeeded | str = g.parse(text)
    except Invalid as error:
        early = str(error)
    if isinstance(early, g.AccountsNeeded):
        try:
            early = early.finish(NAMES)
        except Invalid as error:
            early = str(error)
    assert early == expected


def test_an_unquoted_name_is_found_by_the_rule_of_the_accounts_themselves() -> None:
    """Case aside, the longest name wins, as a whole word; letters beyond ASCII too."""
    names = ["Électricité", "Électricité du Nord", "Ōsaka Freight"]
    assert g.parse("status électricité du nord", names) == g.Status(account="Électricité du Nord")
    assert g.parse("kpi ÉLECTRICITÉ nps 5", names) == g.Kpi(
        account="Électricité", key="nps", value="5"
    )
    assert g.parse("escalate ōsaka freight high Late", names) == _escalate(
        "Ōsaka Freight", Severity.HIGH, "Late"
    )
    with pytest.raises(Invalid, match=r"^No account named 'Électricitéx'"):
        g.parse("status Électricitéx", names)


def test_each_text_is_parsed_once() -> None:
    """The part before the account name is not parsed again when the names come."""
    parsed = g.parse("escalate Acme Corp high Renewal blocked")
    assert isinstance(parsed, g.AccountsNeeded)
    assert (parsed.command, parsed.rest) == ("escalate", "Acme Corp high Renewal blocked")
    assert parsed.finish(NAMES) == _escalate("Acme Corp", Severity.HIGH, "Renewal blocked")


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("escalate Globex high Renewal\x00 blocked", "The summary contains"),
        ("escalate Globex high \x1b[2J", "The summary contains"),
        ("resolve ESC-4 Signed\x7f", "The note contains"),
        ("log Globex Met\x08 the CFO", "The note contains"),
        ("kpi Acme Corp revenue 5\x00", "The value contains"),
        ("kpi Acme Corp rev\x00enue 5", "The KPI key contains"),
        ('status "Glo\x00bex"', "The account name contains"),
        ("status Glo\x00bex", "The account name contains"),
        ("escalate Globex hi\x00gh Renewal blocked", "The severity contains"),
        ("ack ESC-\x004", "The escalation ID contains"),
        ("pause 2026-12-28\x00", "The date contains"),
        ("resume\x00", "The command contains"),
        ("help\x1f", "The command contains"),  # a blank to Python, trimmed: still refused
        ("status Globex\x0c", "The command contains"),
        ("status Globex\x1f", "The command contains"),  # trimmed after the name: refused
        ("escalate Nowhere high Renewal\x00 blocked", "The command contains"),
    ],
)
def test_a_control_character_anywhere_is_refused_naming_its_field(text: str, field: str) -> None:
    """NUL and the rest of C0 (but tab, new line and carriage return) and DEL: one line,
    the field's name when the character is in one, and nothing parsed to act on."""
    with pytest.raises(Invalid) as error:
        g.parse(text, NAMES)
    assert str(error.value) == f"{field} a control character; remove it and try again."


def test_tabs_new_lines_and_windows_line_ends_are_text() -> None:
    command = g.parse("escalate Globex high Renewal\tblocked\r\nLegal is slow\rCall them", NAMES)
    assert isinstance(command, g.Escalate)
    assert command.fields.summary == "Renewal\tblocked\nLegal is slow\nCall them"
    note = g.parse("log Globex Met the CFO\r\nand the CTO", NAMES)
    assert note == g.Log(account="Globex", text="Met the CFO\nand the CTO")
