"""The job runner's guarantees, with a fake provider: leases, retries, failures, cancellation.

Runs on SQLite and, when configured, PostgreSQL (the `database` fixture).
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine

from reelgate.config import Settings
from reelgate.core.callers import OPEN
from reelgate.core.errors import NotFound
from reelgate.core.jobs import JobService
from reelgate.core.models import AssetVariant, JobStatus, Phase
from reelgate.core.prices import Price
from reelgate.core.usage import UsageService
from reelgate.core.video_requests import NewVideo
from reelgate.providers.base import ProgressSink, RenderedVideo, VideoTask
from reelgate.providers.registry import ProviderRegistry
from reelgate.runner.worker import WorkerPool
from reelgate.store.blobs import BlobStore
from reelgate.store.db import JobStore
from reelgate.store.usage import UsageStore


class FakeProvider:
    name = "fake"

    def __init__(self) -> None:
        self.calls: list[VideoTask] = []
        self.fail_with: Exception | None = None
        self.reported_seconds: float | None = None  # None: what was asked
        self.during: list = []  # callables run mid-render (e.g. delete the job)

    def generate_video(
        self, task: VideoTask, workdir: Path, progress: ProgressSink
    ) -> list[RenderedVideo]:
        self.calls.append(task)
        progress(10, Phase.RUNNING)
        for action in self.during:
            action()
        progress(50, Phase.RUNNING)
        if self.fail_with is not None:
            raise self.fail_with
        outputs = []
        for index in range(task.n_variants):
            folder = workdir / str(index)
            folder.mkdir()
            for name in ("video.mp4", "thumbnail.webp", "spritesheet.jpg"):
                (folder / name).write_bytes(f"{task.prompt}-{index}-{name}".encode())
            files = {
                AssetVariant.VIDEO: folder / "video.mp4",
                AssetVariant.THUMBNAIL: folder / "thumbnail.webp",
                AssetVariant.SPRITESHEET: folder / "spritesheet.jpg",
            }
            seconds = task.seconds if self.reported_seconds is None else self.reported_seconds
            outputs.append(RenderedVideo(index, task.width, task.height, float(seconds), files))
        return outputs


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def parts(tmp_path: Path, database: Engine):
    settings = Settings(data_dir=tmp_path, lease_seconds=10, max_attempts=2)
    store = JobStore(database)
    store.create_schema()
    blobs = BlobStore(settings.blobs_dir)
    provider = FakeProvider()
    registry = ProviderRegistry([provider], default="fake")
    clock = Clock()
    pool = WorkerPool(store, blobs, registry, settings, clock=clock)
    jobs = JobService(store, blobs, registry, settings, on_queued=pool.wake, clock=clock)
    yield jobs, pool, provider, clock
    store.close()


def new_job(jobs: JobService, prompt: str = "p", variants: int = 1) -> str:
    video = NewVideo(prompt=prompt, model="m", width=64, height=48, seconds=1, n_variants=variants)
    return jobs.create_video(video, OPEN).id


def test_a_job_runs_to_completion_with_stored_assets(parts):
    jobs, pool, _, _ = parts
    job_id = new_job(jobs, variants=2)
    assert pool.run_one("w1") is True
    job = jobs.get(job_id, OPEN, with_generations=True)
    assert job.status is JobStatus.COMPLETED and job.progress == 100
    assert [g.index for g in job.generations] == [0, 1]
    asset, path = jobs.content(job_id, OPEN, AssetVariant.VIDEO, index=1)
    assert path.read_bytes() == b"p-1-video.mp4" and asset.size == len(b"p-1-video.mp4")
    assert pool.run_one("w1") is False, "nothing left to claim"


def test_two_workers_never_claim_the_same_job(parts):
    jobs, pool, _, clock = parts
    new_job(jobs)
    first = pool.store.claim_job("a", clock(), 10)
    second = pool.store.claim_job("b", clock(), 10)
    assert first is not None and second is None


def test_an_expired_lease_is_claimed_again(parts):
    jobs, pool, _, clock = parts
    job_id = new_job(jobs)
    assert pool.store.claim_job("dead-worker", clock(), 10) is not None
    clock.now += 5
    assert pool.store.claim_job("other", clock(), 10) is None, "lease still valid"
    clock.now += 6
    again = pool.store.claim_job("other", clock(), 10)
    assert again is not None and again.id == job_id and again.attempts == 2


def test_a_job_that_keeps_crashing_is_failed_not_retried_forever(parts):
    jobs, pool, _, clock = parts
    job_id = new_job(jobs)
    for _ in range(2):  # max_attempts = 2 workers died holding it
        assert pool.store.claim_job("dead", clock(), 10) is not None
        clock.now += 11
    assert pool.run_one("w") is True
    job = jobs.get(job_id, OPEN)
    assert job.status is JobStatus.FAILED and job.error.code == "internal_error"


def test_a_provider_error_fails_the_job_and_leaves_no_files(parts):
    jobs, pool, provider, _ = parts
    provider.fail_with = RuntimeError("boom")
    job_id = new_job(jobs)
    pool.run_one("w")
    job = jobs.get(job_id, OPEN)
    assert job.status is JobStatus.FAILED
    assert job.error.code == "internal_error" and "boom" in job.error.message
    assert not (jobs.blobs.root / "jobs" / job_id).exists()
    assert not [p for p in (jobs.blobs.root / ".staging").rglob("*") if p.is_file()]


def test_deleting_a_running_job_stops_it(parts):
    jobs, pool, provider, _ = parts
    job_id = new_job(jobs)
    provider.during.append(lambda: jobs.delete(job_id, OPEN))
    pool.run_one("w")
    assert pool.store.get_job(job_id) is None
    assert not (jobs.blobs.root / "jobs" / job_id).exists()


def test_shutdown_puts_a_running_job_back_in_the_queue(parts):
    jobs, pool, provider, _ = parts
    job_id = new_job(jobs)
    provider.during.append(pool._stopping.set)
    pool.run_one("w")
    job = jobs.get(job_id, OPEN)
    assert (job.status, job.attempts, job.lease_owner) == (JobStatus.QUEUED, 0, None)


def test_progress_is_recorded_while_running(parts):
    jobs, pool, provider, _ = parts
    job_id = new_job(jobs)
    seen = []
    provider.during.append(lambda: seen.append(jobs.get(job_id, OPEN)))
    pool.run_one("w")
    assert seen[0].status is JobStatus.IN_PROGRESS
    assert (seen[0].progress, seen[0].phase) == (10, Phase.RUNNING)


def test_threads_pick_up_queued_work_when_woken(parts):
    jobs, pool, _, _ = parts
    done = threading.Event()
    pool.start(1)
    try:
        job_id = new_job(jobs)
        for _ in range(100):
            if jobs.get(job_id, OPEN).status is JobStatus.COMPLETED:
                done.set()
                break
            threading.Event().wait(0.02)
    finally:
        pool.stop()
    assert done.is_set()


def test_outputs_can_be_found_by_generation_id(parts):
    jobs, pool, _, _ = parts
    job_id = new_job(jobs, variants=2)
    pool.run_one("w")
    second = jobs.get(job_id, OPEN, with_generations=True).generations[1]
    job, generation = jobs.generation(second.id, OPEN)
    assert (job.id, generation.index) == (job_id, 1)
    _, path = jobs.generation_content(second.id, OPEN, AssetVariant.THUMBNAIL)
    assert path.read_bytes() == b"p-1-thumbnail.webp"
    with pytest.raises(NotFound):
        jobs.generation("gen_missing", OPEN)


def test_every_state_change_is_announced(parts, tmp_path):
    jobs, pool, _, _ = parts
    announced: list[str] = []
    pool._on_change = announced.append
    jobs._on_change = announced.append
    job_id = new_job(jobs)
    pool.run_one("w")
    jobs.delete(job_id, OPEN)
    # created, claimed, progress (10, 50, processing), completed, deleted
    assert announced.count(job_id) >= 5 and set(announced) == {job_id}


def test_concurrent_claims_take_each_job_exactly_once(parts):
    jobs, pool, _, clock = parts
    created = {new_job(jobs, prompt=f"p{n}") for n in range(40)}
    claimed: list[str] = []
    lock = threading.Lock()

    def claim_all(worker: str) -> None:
        while (job := pool.store.claim_job(worker, clock(), 60)) is not None:
            with lock:
                claimed.append(job.id)

    threads = [threading.Thread(target=claim_all, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed) == sorted(created), "every job once, none twice"


def test_a_worker_can_be_limited_to_some_providers(parts):
    jobs, pool, _, clock = parts
    new_job(jobs)
    assert pool.store.claim_job("w", clock(), 60, providers={"veo"}) is None
    assert pool.store.claim_job("w", clock(), 60, providers={"fake", "veo"}) is not None


def _sized_job(jobs: JobService, width: int, height: int, seconds: int = 4) -> str:
    video = NewVideo(prompt="p", model="m", width=width, height=height, seconds=seconds)
    return jobs.create_video(video, OPEN).id


def test_usage_is_priced_by_resolution_tier(parts, database: Engine):
    jobs, pool, _, _ = parts
    for width, height in ((1920, 1080), (1280, 720)):
        _sized_job(jobs, width, height)
        assert pool.run_one("w1") is True
    price = Price(per_second=0.05, per_second_by_resolution={"720p": 0.10, "1080p": 0.30})
    usage = UsageService(UsageStore(database), {"m": price})
    rows = usage.summary(OPEN, since=None, until=None)
    costs = {row.tier: (row.video_seconds, cost) for row, cost in rows}
    assert costs == {"1080p": (4.0, 1.2), "720p": (4.0, 0.4)}, "same length, the tiers' prices"


def test_a_job_without_a_reported_duration_is_billed_as_asked(parts, database: Engine):
    jobs, pool, provider, _ = parts
    provider.reported_seconds = 0.0  # an upstream file whose container states no duration
    job_id = _sized_job(jobs, 1280, 720, seconds=8)
    assert pool.run_one("w1") is True
    assert jobs.get(job_id, OPEN, with_generations=True).generations[0].seconds == 8
    usage = UsageService(UsageStore(database), {"m": Price(per_second=0.10)})
    ((row, cost),) = usage.summary(OPEN, since=None, until=None)
    assert (row.video_seconds, cost) == (8.0, 0.8)
