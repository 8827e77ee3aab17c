"""Jobs served from memory (store/recent_jobs.py) are never older than the database: any commit,
from this process or another, is seen at the next read."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine

from reelgate.core.ids import new_job_id
from reelgate.core.models import Generation, Job, JobStatus, Phase, VideoSpec
from reelgate.store.db import JobStore
from reelgate.store.engine import sqlite_engine
from reelgate.store.recent_jobs import RecentJobs


@pytest.fixture
def store(database: Engine) -> JobStore:
    store = JobStore(database)
    store.create_schema()
    return store


def add_job(store: JobStore) -> str:
    spec = VideoSpec(prompt="polled", width=64, height=64, seconds=1)
    job = Job(id=new_job_id(), model="m", provider="x", spec=spec, created_at=1000)
    store.insert_job(job)
    return job.id


def test_every_change_is_seen_at_the_next_read(store: JobStore):
    job_id = add_job(store)
    assert store.get_job(job_id).status is JobStatus.QUEUED  # type: ignore[union-attr]
    store.claim_job("w", 2000, 60)
    assert store.get_job(job_id).status is JobStatus.IN_PROGRESS  # type: ignore[union-attr]
    store.heartbeat(job_id, "w", lease_until=3000, progress=40, phase=Phase.RUNNING)
    assert store.get_job(job_id).progress == 40  # type: ignore[union-attr]
    store.delete_job(job_id, owner=None, at=4000.0)
    assert store.get_job(job_id) is None


def test_reads_between_commits_come_from_memory(tmp_path: Path):
    store = JobStore(sqlite_engine(tmp_path / "jobs.sqlite3"))
    store.create_schema()
    job_id = add_job(store)
    first = store.get_job(job_id)
    assert store.get_job(job_id) is first
    other = add_job(store)  # any commit empties the cache, not only one to this job
    assert store.get_job(job_id) is not first
    assert store.get_job(job_id) == first
    assert store.get_job(other) is not None
    store.close()


def test_a_commit_from_another_process_is_seen(tmp_path: Path):
    path = tmp_path / "jobs.sqlite3"
    store = JobStore(sqlite_engine(path))
    store.create_schema()
    job_id = add_job(store)
    for _ in range(2):  # the second read is served from memory
        assert store.get_job(job_id).progress == 0  # type: ignore[union-attr]
    script = (
        "import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); "
        "db.execute('UPDATE jobs SET progress = 55 WHERE id = ?', (sys.argv[2],)); db.commit()"
    )
    subprocess.run([sys.executable, "-c", script, str(path), job_id], check=True)
    assert store.get_job(job_id).progress == 55  # type: ignore[union-attr]
    store.close()


def test_a_read_that_may_predate_a_commit_is_not_kept(tmp_path: Path):
    path = tmp_path / "jobs.sqlite3"
    store = JobStore(sqlite_engine(path))
    store.create_schema()
    job = store.get_job(add_job(store))
    assert job is not None
    recent = RecentJobs(str(path))
    missing, version = recent.get(job.id, False)
    assert missing is None
    with sqlite3.connect(path) as other:  # commits after the read began, before it is kept
        other.execute("UPDATE jobs SET progress = 7 WHERE id = ?", (job.id,))
    recent.keep(job, version, False)
    assert recent.get(job.id, False)[0] is None
    _, version = recent.get(job.id, False)
    recent.keep(job, version, False)
    assert recent.get(job.id, False)[0] is job
    recent.close()
    store.close()


def test_only_sqlite_can_tell_cheaply_that_nothing_changed(database: Engine):
    cached = RecentJobs.for_engine(database)
    assert (cached is None) == (database.dialect.name == "postgresql")


def test_a_job_with_its_generations_is_cached_apart_and_as_fresh(store: JobStore):
    job_id = add_job(store)
    assert store.get_job(job_id, with_generations=True).generations == ()  # type: ignore[union-attr]
    store.claim_job("w", 2000, 60)
    produced = Generation(id="gen_1", job_id=job_id, index=0, width=64, height=64, seconds=1.0)
    assert store.complete_job(job_id, "w", 2001, [produced])
    with_outputs = store.get_job(job_id, with_generations=True)
    assert with_outputs is not None and [g.id for g in with_outputs.generations] == ["gen_1"]
    assert store.get_job(job_id).generations == ()  # type: ignore[union-attr]
    store.delete_job(job_id, owner=None, at=4000.0)
    assert store.get_job(job_id, with_generations=True) is None
