"""Carrying scenarios out, with a fake clock: pacing, outcomes at their progress, the counters
behind `rate_limit` and `poll_errors`, and the store's part (held jobs, cancellation, expiry)."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import Engine

from reelgate.core.errors import RateLimited
from reelgate.core.ids import new_job_id
from reelgate.core.models import Job, JobError, JobStatus, Phase, VideoSpec
from reelgate.providers.base import JobCancelled
from reelgate.scenarios.choice import Scenarios
from reelgate.scenarios.execution import ScriptedOutcome, ScriptedRun, expiry, scripted_run
from reelgate.scenarios.grammar import Scenario, parse_scenario
from reelgate.store.db import JobStore


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.now += seconds


def scenario(text: str) -> Scenario:
    parsed = parse_scenario(text)
    assert parsed is not None
    return parsed


def run_for(text: str, time: FakeTime, seen: list[tuple[float, float, Phase]]) -> ScriptedRun:
    def sink(progress: float, phase: Phase = Phase.RUNNING) -> None:
        seen.append((time.now, progress, phase))

    return ScriptedRun(scenario(text), sink, clock=time.clock, sleep=time.sleep)


def test_slow_spreads_progress_over_the_duration():
    time, seen = FakeTime(), []
    run = run_for("slow=10s", time, seen)
    run(0, Phase.PREPROCESSING)
    run(50)  # the provider is fast: the sink holds it back to its share of the 10 s
    assert time.now == pytest.approx(105.0)
    run.finish()
    assert time.now == pytest.approx(110.0)
    shown = [progress for _, progress, _ in seen]
    assert shown == sorted(shown) and shown[-1] == 100
    assert len({round(value) for value in shown}) > 10  # moved smoothly, not in two jumps
    times = [at for at, _, _ in seen]
    assert all(later - earlier <= 0.25 + 1e-9 for earlier, later in itertools.pairwise(times))


def test_error_at_fails_at_that_progress_and_time():
    time, seen = FakeTime(), []
    run = run_for("error_at=40; slow=10s", time, seen)
    run(10)
    with pytest.raises(ScriptedOutcome) as caught:
        run(47.5)
    outcome = caught.value
    assert (outcome.status, outcome.error.code, outcome.progress) == (
        JobStatus.FAILED,
        "internal_error",
        40,
    )
    assert seen[-1][1] == 40 and time.now == pytest.approx(104.0)
    assert isinstance(outcome, JobCancelled)  # upstream providers cancel their upstream job


def test_outcomes_due_after_running_and_cancellation():
    time = FakeTime()
    run = run_for("fail=output_moderation", time, [])
    run(100, Phase.PROCESSING)  # reaching 100 is "after running"
    with pytest.raises(ScriptedOutcome) as caught:
        run.finish()
    assert caught.value.error.code == "output_moderation"

    cancelled = run_for("cancel_at=0", time, [])
    with pytest.raises(ScriptedOutcome) as caught:
        cancelled(0, Phase.PREPROCESSING)
    assert (caught.value.status, caught.value.progress) == (JobStatus.CANCELLED, 0)


def test_scenarios_that_change_nothing_about_running_leave_the_sink_alone():
    def sink(progress: float, phase: Phase = Phase.RUNNING) -> None: ...

    assert scripted_run(None, sink) is None
    assert scripted_run(scenario("poll_errors=2x; rate_limit=1x; expired"), sink) is None
    assert scripted_run(scenario("slow=1s"), sink) is not None
    assert expiry(scenario("expires=30s"), 1000.0) == 1030.0
    assert expiry(None, 1000.0) is None


def test_rate_limit_cycles_per_caller_and_poll_errors_count_per_job():
    scenarios = Scenarios()
    limited = scenario("rate_limit=2x@3s")
    answers = []
    for _ in range(6):
        try:
            scenarios.admit(limited, "ci")
            answers.append("ok")
        except RateLimited as exc:
            answers.append(exc.retry_after)
    assert answers == [3, 3, "ok", 3, 3, "ok"]
    with pytest.raises(RateLimited):
        scenarios.admit(limited, "another caller")  # a caller's count is its own

    flaky = scenario("poll_errors=2x500")
    assert [scenarios.poll_failure("video_a", flaky) for _ in range(3)] == [500, 500, None]
    assert scenarios.poll_failure("video_b", flaky) == 500
    assert scenarios.poll_failure("video_a", None) is None


@pytest.fixture
def store(database: Engine) -> JobStore:
    store = JobStore(database)
    store.create_schema()
    return store


def add_job(store: JobStore, *, created_at: float, hold_until: float | None = None) -> str:
    spec = VideoSpec(prompt="p", width=64, height=64, seconds=1)
    job = Job(
        id=new_job_id(),
        model="m",
        provider="preview",
        spec=spec,
        created_at=created_at,
        lease_until=hold_until,
    )
    store.insert_job(job)
    return job.id


def test_a_held_job_stays_queued_until_its_time(store: JobStore):
    held = add_job(store, created_at=1000, hold_until=1005)
    other = add_job(store, created_at=1001)
    first = store.claim_job("w", 1002, 60)
    assert first is not None and first.id == other  # the held job does not block the queue
    assert store.claim_job("w", 1004.9, 60) is None
    queued = store.get_job(held)
    assert queued is not None and queued.status is JobStatus.QUEUED
    claimed = store.claim_job("w", 1005, 60)
    assert claimed is not None and claimed.id == held


def test_cancelled_and_expiring_finishes(store: JobStore):
    cancelled, expiring = add_job(store, created_at=1000), add_job(store, created_at=1001)
    store.claim_job("w", 1002, 60)
    store.claim_job("w", 1002, 60)
    error = JobError(code="cancelled", message="The video generation was cancelled.")
    assert store.fail_job(cancelled, 1003, error, "w", status=JobStatus.CANCELLED)
    assert store.complete_job(expiring, "w", 1004, [], expires_at=1004)
    done = store.get_job(cancelled)
    assert done is not None and done.status is JobStatus.CANCELLED
    kept = store.get_job(expiring)
    assert kept is not None and (kept.status, kept.expires_at) == (JobStatus.COMPLETED, 1004)
