"""Reading a portfolio file: every problem at once, each named by its place in the file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

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
        return "unknown key (check the spelling against the portfolio format in the README)"
    if kind == "missing":
        return "required but missing"
    return message


def problems_by_field(error: ValidationError) -> dict[tuple[int | str, ...], str]:
    """Each place a validation error names (`loc`), with its message as the file's
    problems word it; the first message for a place wins."""
    found: dict[tuple[int | str, ...], str] = {}
    for item in error.errors():
        found.setdefault(tuple(item["loc"]), _message(dict(item)))
    return found


FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML was built with it: a 5,000-account portfolio parses
in a second or two instead of half a minute."""

MERGE = "tag:yaml.org,2002:merge"

if TYPE_CHECKING:
    _SafeLoader = yaml.SafeLoader
else:
    _SafeLoader = FAST_LOADER


class UniqueKeyLoader(_SafeLoader):
    """The safe loader, noting every key given twice in one mapping.

    Plain YAML keeps the last one silently: a second `accounts: []` further down would
    empty the portfolio. The keys are compared in the composed document, before it is
    constructed: constructing a mapping with a merge key (`<<: *defaults`) rewrites it,
    and a key the mapping sets over a merged one is no duplicate.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[str] = []

    def construct_document(self, node: yaml.Node) -> Any:
        self.duplicates = duplicate_keys(node)
        return super().construct_document(node)


def duplicate_keys(root: yaml.Node) -> list[str]:
    """'accounts: given twice, on lines 3 and 9 (…)' for each repeated key, by line."""
    found: list[tuple[int, str]] = []
    visited: set[int] = set()  # an alias is one node, however often it is used
    pending: list[tuple[yaml.Node, tuple[int | str, ...]]] = [(root, ())]
    while pending:
        node, path = pending.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            pending.extend((item, (*path, index)) for index, item in enumerate(node.value))
        elif isinstance(node, yaml.MappingNode):
            first: dict[tuple[str, str], int] = {}
            for key, value in node.value:
                if key.tag == MERGE or not isinstance(key, yaml.ScalarNode):
                    pending.append((value, path))  # merged in, or a key no file here uses
                    continue
                line, where = key.start_mark.line + 1, (*path, str(key.value))
                earlier = first.get((key.tag, key.value))
                if earlier is None:
                    first[key.tag, key.value] = line
                else:
                    lines = f"lines {earlier} and {line}" if earlier != line else f"line {line}"
                    found.append((line, f"{place(where)}: given twice, on {lines} (the second "
                                        "would silently replace the first); keep one"))  # fmt: skip
                pending.append((value, where))
    return [problem for _, problem in sorted(found)]


def parse_portfolio(text: str) -> PortfolioSpec:
    """Validate a YAML document; raise `PortfolioInvalid` naming every problem."""
    if len(text.encode()) > MAX_BYTES:
        raise PortfolioInvalid([f"file: larger than {MAX_BYTES // 1024 // 1024} MB"])
    try:
        loader = UniqueKeyLoader(text)
        try:
            document = loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "file"
        raise PortfolioInvalid([f"{where}: not valid YAML ({error.problem})"]) from None
    except yaml.YAMLError as error:
        raise PortfolioInvalid([f"file: not valid YAML ({error})"]) from None
    problems = list(loader.duplicates)  # reported with the others: all at once
    if not isinstance(document, dict):
        raise PortfolioInvalid([*problems, "file: must be a mapping with `digest` and `accounts`"])
    try:
        spec = PortfolioSpec.model_validate(document)
    except ValidationError as error:
        for item in error.errors():
            where = place(item["loc"])
            message = _message(dict(item))
            problems.append(f"{where}: {message}" if where else message)
        raise PortfolioInvalid(problems) from None
    if problems:
        raise PortfolioInvalid(problems)
    return spec


def read_portfolio(path: Path) -> PortfolioSpec:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PortfolioInvalid([f"{path}: cannot be read ({error})"]) from None
    return parse_portfolio(text)
