"""`--pace realistic|fast`: how long jobs take when no scenario says otherwise.

`fast` (the default) renders as fast as the machine can. `realistic` makes every job behave
like a hosted video service, so polling loops run the way production runs them: a few seconds
queued, then progress spread over tens of seconds per clip, and a slower poll hint.
"""

from __future__ import annotations

from typing import Literal

from reelgate.scenarios.grammar import Scenario

Pace = Literal["fast", "realistic"]

REALISTIC_QUEUED_SECONDS = 3.0
# A run takes a fixed part plus a part per second of video made (every variant counts):
# a 4 s clip 35 s, an 8 s clip 55 s, two 12 s variants 135 s.
REALISTIC_BASE_SECONDS = 15.0
REALISTIC_SECONDS_PER_VIDEO_SECOND = 5.0
# The hint OpenAI's SDK assumes when a response carries none.
REALISTIC_POLL_AFTER_MS = 1000


def realistic_run_seconds(seconds: int, n_variants: int) -> float:
    return REALISTIC_BASE_SECONDS + REALISTIC_SECONDS_PER_VIDEO_SECOND * seconds * n_variants


def paced(scenario: Scenario | None, pace: Pace, seconds: int, n_variants: int) -> Scenario | None:
    """The scenario a new job runs under: realistic pacing fills in `queued` and `slow` where the
    scenario itself does not set them (a job refused at creation never runs, so stays as is)."""
    if pace == "fast" or (scenario is not None and scenario.refused_at_creation):
        return scenario
    base = scenario or Scenario()
    return base.model_copy(
        update={
            "queued_seconds": (
                REALISTIC_QUEUED_SECONDS if base.queued_seconds is None else base.queued_seconds
            ),
            "slow_seconds": (
                realistic_run_seconds(seconds, n_variants)
                if base.slow_seconds is None
                else base.slow_seconds
            ),
        }
    )


def poll_after_ms(configured: int, pace: Pace) -> int:
    """The `openai-poll-after-ms` hint for unfinished videos."""
    return max(configured, REALISTIC_POLL_AFTER_MS) if pace == "realistic" else configured
