"""The scenario rules file (`--scenarios FILE`, REELGATE_SCENARIOS): which requests get which
scenario, without any change to the client.

YAML (or JSON, which YAML reads too):

    rules:
      - match: {model: sora-2-pro, prompt: "explosion"}
        scenario: "fail=output_moderation"
      - match: {prompt_regex: "^slow ", key: ci-bot, size: 1280x720}
        scenario: "slow=20s; poll_errors=2x503"

Every condition of a rule's `match` must hold (a rule without `match` matches every job); the
first matching rule wins. `prompt` is a case-insensitive substring, `prompt_regex` a Python
regular expression searched in the prompt, `key` the caller's API key name or owner id, `size`
WIDTHxHEIGHT. A file that does not validate stops start-up with the file, line and problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from reelgate.scenarios.grammar import Scenario, ScenarioError, parse_scenario
from reelgate.yaml_lines import ConfigFileError, line_of, load_with_lines


class ScenarioFileError(Exception):
    """A rules file that cannot be used; the message names the file, line and problem."""


class _Match(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str | None = None
    prompt: str | None = Field(default=None, min_length=1)
    prompt_regex: str | None = Field(default=None, min_length=1)
    key: str | None = None
    size: str | None = Field(default=None, pattern=r"^[1-9][0-9]{0,4}x[1-9][0-9]{0,4}$")


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    match: _Match = _Match()
    scenario: str = Field(min_length=1)


class _RulesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: list[_Rule]


@dataclass(frozen=True)
class NewJobFacts:
    """What rules can match on, for one job being created."""

    model: str
    prompt: str
    width: int
    height: int
    keys: tuple[str, ...] = ()  # the caller's key name and owner id, when known


@dataclass(frozen=True)
class ScenarioRule:
    number: int  # 1-based position in the file
    line: int
    conditions: _Match
    pattern: re.Pattern[str] | None
    scenario: Scenario

    def matches(self, facts: NewJobFacts) -> bool:
        when = self.conditions
        return (
            (when.model is None or when.model == facts.model)
            and (when.prompt is None or when.prompt.casefold() in facts.prompt.casefold())
            and (self.pattern is None or self.pattern.search(facts.prompt) is not None)
            and (when.key is None or when.key in facts.keys)
            and (when.size is None or when.size == f"{facts.width}x{facts.height}")
        )


@dataclass(frozen=True)
class ScenarioRules:
    rules: tuple[ScenarioRule, ...] = ()
    path: Path | None = None

    def first_match(self, facts: NewJobFacts) -> ScenarioRule | None:
        return next((rule for rule in self.rules if rule.matches(facts)), None)


def load_rules(path: Path) -> ScenarioRules:
    """Read and validate a rules file; `ScenarioFileError` says where and what is wrong."""
    try:
        data, lines = load_with_lines(path, "the scenarios file")
    except ConfigFileError as exc:
        raise ScenarioFileError(str(exc)) from None
    try:
        parsed = _RulesFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        location = tuple(first["loc"])
        dotted = ".".join(str(part) for part in location) or "(top level)"
        raise ScenarioFileError(
            f"{path}, line {line_of(lines, location)}: {dotted}: {first['msg']}"
        ) from None
    rules = []
    for index, entry in enumerate(parsed.rules):
        rules.append(_rule(path, lines, index, entry))
    return ScenarioRules(rules=tuple(rules), path=Path(path))


def _rule(path: Path, lines: dict[tuple[Any, ...], int], index: int, entry: _Rule) -> ScenarioRule:
    where = ("rules", index)
    try:
        scenario = parse_scenario(entry.scenario)
    except ScenarioError as exc:
        line = line_of(lines, (*where, "scenario"))
        raise ScenarioFileError(f"{path}, line {line}: rules.{index}.scenario: {exc}") from None
    if scenario is None:
        line = line_of(lines, (*where, "scenario"))
        raise ScenarioFileError(f"{path}, line {line}: rules.{index}.scenario: no terms")
    pattern = None
    if entry.match.prompt_regex is not None:
        try:
            pattern = re.compile(entry.match.prompt_regex)
        except re.error as exc:
            line = line_of(lines, (*where, "match", "prompt_regex"))
            raise ScenarioFileError(
                f"{path}, line {line}: rules.{index}.match.prompt_regex: {exc}"
            ) from None
    return ScenarioRule(
        number=index + 1,
        line=line_of(lines, where),
        conditions=entry.match,
        pattern=pattern,
        scenario=scenario,
    )
