"""Listing jobs: cursors in both directions and filters on status and phase (SQLite, PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from reelgate.core.ids import new_job_id
from reelgate.core.models import Job, JobKind, JobStatus, Phase, VideoSpec
from reelgate.store.db import JobStore


@pytest.fixture
def store(database: Engine) -> JobStore:
    store = JobStore(database)
    store.create_schema()
    return store


def add_jobs(store: JobStore, count: int) -> list[str]:
    ids = []
    for number in range(count):
        spec = VideoSpec(prompt=f"p{number}", width=64, height=64, seconds=1)
        job = Job(id=new_job_id(), model="m", provider="x", spec=spec, created_at=1000 + number)
        store.insert_job(job)
        ids.append(job.id)
    return ids


def page(store: JobStore, **kwargs) -> tuple[list[str], bool]:
    jobs, more = store.list_jobs(kind=JobKind.VIDEO, **kwargs)
    return [job.id for job in jobs], more


def test_cursors_walk_both_ways_in_both_orders(store: JobStore):
    ids = add_jobs(store, 6)
    newest = ids[::-1]
    assert page(store, limit=2, descending=True) == (newest[:2], True)
    assert page(store, limit=2, descending=True, after=newest[1]) == (newest[2:4], True)
    assert page(store, limit=2, descending=True, after=newest[3]) == (newest[4:], False)
    assert page(store, limit=2, descending=True, before=newest[4]) == (newest[2:4], True)
    assert page(store, limit=2, descending=True, before=newest[2]) == (newest[:2], False)
    assert page(store, limit=3, descending=False, before=ids[5]) == (ids[2:5], True)
    assert page(store, limit=3, descending=False, after=ids[0], before=ids[3]) == (ids[1:3], False)


def test_filters_on_status_and_phase(store: JobStore):
    preprocessing, running, done, queued = add_jobs(store, 4)  # claims take the oldest first
    for _ in range(3):
        claimed = store.claim_job("w", 2000, 60)
        assert claimed is not None
    store.heartbeat(running, "w", lease_until=3000, progress=5, phase=Phase.RUNNING)
    store.heartbeat(done, "w", lease_until=3000, progress=5, phase=Phase.PROCESSING)
    store.complete_job(done, "w", 2500, [])

    def matching(*states) -> set[str]:
        return set(page(store, limit=10, descending=True, states=list(states))[0])

    in_progress = JobStatus.IN_PROGRESS
    assert matching((JobStatus.QUEUED, None)) == {queued}
    assert matching((in_progress, (Phase.PREPROCESSING,))) == {preprocessing}
    assert matching((in_progress, (Phase.RUNNING, None))) == {running}
    assert matching((JobStatus.COMPLETED, None), (JobStatus.QUEUED, None)) == {done, queued}
    assert matching() == set()


def test_the_gateway_lists_jobs_by_the_provider_they_are_known_by(store: JobStore):
    """`named_provider` in SQL agrees with `Job.named_provider` (the gateway dialect's ids)."""
    made = {}
    for model, provider in [
        ("openai/sora-2", "preview"),  # asked of openai, served by the preview engine
        ("openai_east/sora-2", "openai_east"),  # `_` is no wildcard
        ("openaiX/sora-2", "preview"),
        ("sora-2", "openai"),  # a plain name: the provider serving it
        ("sora-2", "preview"),
        ("replicate/owner/name", "replicate"),
    ]:
        spec = VideoSpec(prompt="p", width=64, height=64, seconds=1)
        job = Job(id=new_job_id(), model=model, provider=provider, spec=spec, created_at=1000)
        store.insert_job(job)
        made[job.id] = job

    for name in ("openai", "openai_east", "openaiX", "preview", "replicate", "open"):
        listed = set(page(store, limit=10, descending=True, named_provider=name)[0])
        assert listed == {job.id for job in made.values() if job.named_provider == name}, name
    assert len(page(store, limit=10, descending=True, named_provider="openai")[0]) == 2


def test_a_read_survives_the_server_dropping_its_connection(store: JobStore):
    """Point reads skip the ping before use (PostgreSQL): a pooled connection the server has
    closed fails its query, and the read runs once more on a fresh one."""
    (job_id,) = add_jobs(store, 1)
    assert store.get_job(job_id) is not None  # a pooled read connection now exists
    if store.engine.dialect.name == "postgresql":
        pooled = store._point_reads.raw_connection()  # the connection the next read takes
        pid = pooled.driver_connection.info.backend_pid
        pooled.close()
        with store.engine.begin() as conn:
            ended = conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            assert ended.scalar() is True
    job = store.get_job(job_id)
    assert job is not None and job.id == job_id
