"""The scenario grammar and the rules file: what parses, what is refused and where."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelgate.scenarios.grammar import FailReason, ScenarioError, parse_scenario
from reelgate.scenarios.pace import paced, poll_after_ms
from reelgate.scenarios.rules import NewJobFacts, ScenarioFileError, load_rules


def test_every_term_parses_into_its_field():
    scenario = parse_scenario(
        " queued=500ms ;slow=1.5m; rate_limit=3x@2s; poll_errors=2x502; expires=10s;"
    )
    assert scenario is not None
    assert (scenario.queued_seconds, scenario.slow_seconds) == (0.5, 90.0)
    assert (scenario.rate_limit, scenario.retry_after_seconds) == (3, 2)
    assert (scenario.poll_errors, scenario.poll_status) == (2, 502)
    assert scenario.expires_seconds == 10.0
    assert scenario.outcome_at is None
    failing = parse_scenario("fail=output_moderation")
    assert failing is not None and failing.fail is FailReason.OUTPUT_MODERATION
    assert failing.outcome_at == 100  # output moderation comes after running


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("error_at=40", "fail=internal_error; error_at=40"),
        ("cancel_at=50%", "cancel_at=50"),
        ("rate_limit=2", "rate_limit=2x@1s"),
        ("poll_errors=3", "poll_errors=3x503"),
        ("expired", "expires=0s"),
        ("SLOW = 2", "slow=2s"),
    ],
)
def test_defaults_and_canonical_spelling(text: str, canonical: str):
    scenario = parse_scenario(text)
    assert scenario is not None and scenario.text == canonical
    assert parse_scenario(scenario.text) == scenario


def test_no_terms_is_no_scenario():
    assert parse_scenario("") is None
    assert parse_scenario(" ; ;") is None


@pytest.mark.parametrize(
    ("text", "bad_term", "words"),
    [
        ("slow=2s; fial=x", "fial=x", "unknown term"),
        ("fail=bogus", "fail=bogus", "known reasons: input_moderation"),
        ("slow=fast", "slow=fast", "duration"),
        ("slow=2h", "slow=2h", "duration"),
        ("queued=7200s", "queued=7200s", "at most 3600"),
        ("error_at=101", "error_at=101", "0 to 100"),
        ("rate_limit=0x", "rate_limit=0x", "from 1"),
        ("rate_limit=x3", "rate_limit=x3", "COUNTx"),
        ("poll_errors=2x404", "poll_errors=2x404", "500, 502, 503, 504"),
        ("slow", "slow", "needs a value"),
        ("expired=1", "expired=1", "takes no value"),
        ("slow=1s; slow=2s", "slow=2s", "appears twice"),
        ("fail=input_moderation; slow=1s", "slow=1s", "refuses the job"),
        ("cancel_at=10; error_at=20", "cancel_at=10", "both fail and be cancelled"),
        ("expired; fail=internal_error", "expired", "only completed jobs"),
    ],
)
def test_errors_name_the_bad_term(text: str, bad_term: str, words: str):
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text)
    assert caught.value.term == bad_term
    assert words in str(caught.value)


def test_realistic_pace_fills_in_what_the_scenario_leaves_open():
    assert paced(None, "fast", 4, 1) is None
    realistic = paced(None, "realistic", 4, 1)
    assert realistic is not None and realistic.text == "queued=3s; slow=35s"
    own = paced(parse_scenario("slow=2s; error_at=10"), "realistic", 12, 2)
    assert own is not None and own.text == "fail=internal_error; error_at=10; queued=3s; slow=2s"
    refused = parse_scenario("fail=input_moderation")
    assert paced(refused, "realistic", 4, 1) == refused
    assert (poll_after_ms(500, "fast"), poll_after_ms(500, "realistic")) == (500, 1000)


RULES = """\
# comments are fine
rules:
  - match: {model: sora-2-pro, prompt: Explosion}
    scenario: fail=output_moderation
  - match:
      prompt_regex: "^slow "
      size: 1280x720
    scenario: slow=2s
  - match: {key: ci-bot}
    scenario: rate_limit=1x
  - scenario: poll_errors=1x
"""


def facts(**overrides) -> NewJobFacts:
    values = {"model": "sora-2", "prompt": "a cat", "width": 720, "height": 1280, **overrides}
    return NewJobFacts(**values)


def test_rules_match_in_order_on_every_condition(tmp_path: Path):
    path = tmp_path / "scenarios.yaml"
    path.write_text(RULES)
    rules = load_rules(path)
    assert [rule.line for rule in rules.rules] == [3, 5, 9, 11]

    def chosen(**overrides) -> str:
        rule = rules.first_match(facts(**overrides))
        assert rule is not None
        return rule.scenario.text

    assert chosen(model="sora-2-pro", prompt="an EXPLOSION at sea") == "fail=output_moderation"
    assert chosen(model="sora-2", prompt="an explosion") == "poll_errors=1x503"
    assert chosen(prompt="slow boat", width=1280, height=720) == "slow=2s"
    assert chosen(prompt="a slow boat", width=1280, height=720) == "poll_errors=1x503"
    assert chosen(keys=("ci-bot", "key_01")) == "rate_limit=1x@1s"


def test_json_rules_files_work_too(tmp_path: Path):
    path = tmp_path / "scenarios.json"
    path.write_text('{"rules": [{"match": {"prompt": "x"}, "scenario": "expired"}]}')
    assert load_rules(path).rules[0].scenario.expires_seconds == 0


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("rules:\n  - match: {prompt: a}\n    scenario: fail=nope\n", "line 3: rules.0.scenario"),
        ("rules:\n  - scenario: slow=1s\n  - match: {colour: red}\n    scenario: expired\n",
         "line 3: rules.1.match.colour"),
        ("rules:\n  - match: {prompt_regex: '(('}\n    scenario: slow=1s\n",
         "line 2: rules.0.match.prompt_regex"),
        ("rules:\n  - match: {size: big}\n    scenario: slow=1s\n", "line 2: rules.0.match.size"),
        ("rules:\n  - match: {prompt: a\n", "line 3: not valid YAML"),
        ("rules: 3\n", "line 1: rules"),
    ],
)  # fmt: skip
def test_a_bad_file_is_refused_with_file_and_line(tmp_path: Path, text: str, where: str):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioFileError) as caught:
        load_rules(path)
    assert str(caught.value).startswith(f"{path}, {where}"), str(caught.value)
