"""Choosing a new job's scenario, and the per-process counters some outcomes need.

The request's header wins over the rules file; realistic pacing is folded in; the result is
stored in the job's spec. Two outcomes are decided while answering requests rather than while
running jobs, and count in this process's memory (several API replicas each count their own):

- `rate_limit=COUNTx`: per caller and scenario, COUNT creates are refused, then one is let
  through, and the cycle starts again (so a client that retries gets through, deterministically);
- `poll_errors=COUNTx`: per job, its first COUNT retrievals fail.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from reelgate.core.errors import RateLimited
from reelgate.scenarios.grammar import Scenario
from reelgate.scenarios.pace import Pace, paced
from reelgate.scenarios.rules import NewJobFacts, ScenarioRules

# Counters kept at most (oldest dropped): bounded memory however many jobs and callers come.
_MAX_COUNTERS = 10_000


class _Counter:
    """How many times each key was seen, thread-safe and bounded."""

    def __init__(self) -> None:
        self._counts: OrderedDict[tuple[str, ...], int] = OrderedDict()
        self._lock = threading.Lock()

    def next(self, key: tuple[str, ...]) -> int:
        """0 the first time `key` is seen, then 1, 2, ..."""
        with self._lock:
            seen = self._counts.pop(key, 0)
            self._counts[key] = seen + 1
            while len(self._counts) > _MAX_COUNTERS:
                self._counts.popitem(last=False)
            return seen


class Scenarios:
    def __init__(self, rules: ScenarioRules | None = None, pace: Pace = "fast") -> None:
        self.rules = rules or ScenarioRules()
        self.pace: Pace = pace
        self._creates = _Counter()
        self._polls = _Counter()

    def choose(
        self, requested: Scenario | None, facts: NewJobFacts, seconds: int, variants: int
    ) -> Scenario | None:
        """The scenario a new job gets (None: none): the request's own, else the first rule's."""
        scenario = requested
        if scenario is None:
            rule = self.rules.first_match(facts)
            scenario = rule.scenario if rule is not None else None
        return paced(scenario, self.pace, seconds, variants)

    def admit(self, scenario: Scenario | None, caller: str) -> None:
        """Raise `RateLimited` when this create (by the caller so named) is one the scenario
        refuses."""
        if scenario is None or scenario.rate_limit is None:
            return
        seen = self._creates.next(("create", caller, scenario.text))
        if seen % (scenario.rate_limit + 1) < scenario.rate_limit:
            raise RateLimited(
                "Rate limit reached for requests (scripted by the reelgate scenario "
                f"'{scenario.text}'). Please try again in {scenario.retry_after_seconds}s.",
                retry_after=scenario.retry_after_seconds,
            )

    def poll_failure(self, job_id: str, scenario: Scenario | None) -> int | None:
        """The HTTP status this retrieval of the job must fail with, or None to answer it."""
        if scenario is None or scenario.poll_errors is None:
            return None
        if self._polls.next(("poll", job_id)) < scenario.poll_errors:
            return scenario.poll_status
        return None
