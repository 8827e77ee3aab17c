"""Configuration files (YAML, or JSON which YAML reads too) whose errors name a file and a line:
the routing file and the scenario rules file share this."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

Lines = dict[tuple[Any, ...], int]


class ConfigFileError(ValueError):
    """A file that cannot be read or parsed; the message starts with `path, line N:`."""


def load_with_lines(path: Path, what: str) -> tuple[Any, Lines]:
    """The file's data, and the line of every key and list item by its path in the document.
    `what` names the file in errors ("the model routing file")."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigFileError(f"{path}: cannot read {what} ({exc.strerror})") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}, line {mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigFileError(f"{where}: not valid YAML or JSON ({problem})") from None
    return data, (_key_lines(node) if node is not None else {})


def _key_lines(node: yaml.Node, prefix: tuple[Any, ...] = ()) -> Lines:
    lines: Lines = {prefix: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = (*prefix, key.value)
            lines.update(_key_lines(value, path))
            lines[path] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines.update(_key_lines(item, (*prefix, index)))
    return lines


def line_of(lines: Lines, location: tuple[Any, ...]) -> int:
    """The line of the deepest part of `location` present in the file (a missing key is
    reported at the mapping that lacks it)."""
    for end in range(len(location), -1, -1):
        line = lines.get(tuple(str(p) if not isinstance(p, int) else p for p in location[:end]))
        if line is not None:
            return line
    return 1
