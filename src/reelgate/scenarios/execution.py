"""Carrying out a job's scenario while a worker runs it, around any provider.

The provider gets a progress sink that paces its reports over the scenario's `slow` duration
(sleeping in short slices that keep the lease alive, and showing progress move smoothly) and
ends the run with the scenario's failure or cancellation when progress reaches its point. An
outcome due "after running" (`fail=output_moderation`) is given once the provider returned.
Upstream providers see the outcome as a cancellation, so they cancel their upstream job.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from reelgate.core.models import JobError, JobStatus, Phase
from reelgate.providers.base import JobCancelled, ProgressSink
from reelgate.scenarios.grammar import FailReason, Scenario

# Longest sleep between two progress reports while a slow job waits (a heartbeat each time).
_SLICE_SECONDS = 0.25

_MESSAGES = {
    FailReason.OUTPUT_MODERATION: "The generated video was blocked by the content filter "
    "(output moderation).",
    FailReason.INTERNAL_ERROR: "The video generation failed with an internal error.",
}


class ScriptedOutcome(JobCancelled):
    """A scenario ended the run: the worker records this final state instead of outputs."""

    def __init__(self, status: JobStatus, error: JobError, progress: int) -> None:
        super().__init__(error.message)
        self.status = status
        self.error = error
        self.progress = progress


class ScriptedRun:
    """The progress sink handed to the provider in place of the runner's own."""

    def __init__(
        self,
        scenario: Scenario,
        progress: ProgressSink,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._scenario = scenario
        self._progress = progress
        self._clock = clock
        self._sleep = sleep
        self._start = clock()
        self._shown = 0.0

    def __call__(self, progress: float, phase: Phase = Phase.RUNNING) -> None:
        value = max(0.0, min(100.0, progress))
        end = self._scenario.outcome_at
        if end is not None and end < 100 and value >= end:  # 100: after running (`finish`)
            self._reach(float(end), phase)
            raise self._outcome(end)
        self._reach(value, phase)

    def finish(self) -> None:
        """The provider returned: wait out the rest of a slow run, then end as scripted."""
        self._reach(100.0, Phase.PROCESSING)
        end = self._scenario.outcome_at
        if end is not None:
            raise self._outcome(end)

    def _reach(self, value: float, phase: Phase) -> None:
        """Report `value`, but not before its share of the slow duration has passed."""
        slow = self._scenario.slow_seconds or 0.0
        due = self._start + slow * value / 100
        while (now := self._clock()) < due:
            self._show(min(value, 100 * (now - self._start) / slow), phase)
            self._sleep(min(_SLICE_SECONDS, due - now))
        self._show(value, phase)

    def _show(self, value: float, phase: Phase) -> None:
        self._shown = max(self._shown, value)
        self._progress(self._shown, phase)  # a heartbeat too; raises JobCancelled when deleted

    def _outcome(self, at: int) -> ScriptedOutcome:
        scenario = self._scenario
        if scenario.cancel_at is not None:
            error = JobError(code="cancelled", message="The video generation was cancelled.")
            return ScriptedOutcome(JobStatus.CANCELLED, error, at)
        reason = scenario.fail or FailReason.INTERNAL_ERROR
        return ScriptedOutcome(
            JobStatus.FAILED, JobError(code=reason.value, message=_MESSAGES[reason]), at
        )


def scripted_run(scenario: Scenario | None, progress: ProgressSink) -> ScriptedRun | None:
    """The sink that carries out `scenario`, or None when it changes nothing about running."""
    if scenario is None or (scenario.slow_seconds is None and scenario.outcome_at is None):
        return None
    return ScriptedRun(scenario, progress)


def expiry(scenario: Scenario | None, completed_at: float) -> float | None:
    """When a job completed at `completed_at` loses its content (None: it keeps it)."""
    if scenario is None or scenario.expires_seconds is None:
        return None
    return completed_at + scenario.expires_seconds
