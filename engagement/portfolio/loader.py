"""Reading a portfolio file: every problem at once, each named by its place in the file."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from engagement.errors import Invalid
from engagement.portfolio.schema import PortfolioSpec

MAX_BYTES = 5 * 1024 * 1024


class PortfolioInvalid(Invalid):
    """The file cannot be imported; `problems` lists every place that is wrong."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def place(loc: tuple[int | str, ...]) -> str:
    """('accounts', 3, 'sponsors', 0) -> 'accounts[3].sponsors[0]'."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _message(error: dict[str, object]) -> str:
    kind, message = error["type"], str(error["msg"]).removeprefix("Value error, ")
    if kind == "extra_forbidden":
        return "unknown key (check the spelling against the design's portfolio format)"
    if kind == "missing":
        return "required but missing"
    return message


FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML was built with it: a 5,000-account portfolio parses
in a second or two instead of half a minute."""


def parse_portfolio(text: str) -> PortfolioSpec:
    """Validate a YAML document; raise `PortfolioInvalid` naming every problem."""
    if len(text.encode()) > MAX_BYTES:
        raise PortfolioInvalid([f"file: larger than {MAX_BYTES // 1024 // 1024} MB"])
    try:
        document = yaml.load(text, Loader=FAST_LOADER)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "file"
        raise PortfolioInvalid([f"{where}: not valid YAML ({error.problem})"]) from None
    except yaml.YAMLError as error:
        raise PortfolioInvalid([f"file: not valid YAML ({error})"]) from None
    if not isinstance(document, dict):
        raise PortfolioInvalid(["file: must be a mapping with `digest` and `accounts`"])
    try:
        return PortfolioSpec.model_validate(document)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            where = place(item["loc"])
            message = _message(dict(item))
            problems.append(f"{where}: {message}" if where else message)
        raise PortfolioInvalid(problems) from None


def read_portfolio(path: Path) -> PortfolioSpec:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PortfolioInvalid([f"{path}: cannot be read ({error})"]) from None
    return parse_portfolio(text)
