"""Jobs served from memory (store/recent_jobs.py) are never older than the database: a commit
to a job, from this process or another, is seen at the next read of it, and commits to other
jobs leave it cached."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from reelgate.core.ids import new_job_id
from reelgate.core.models import Asset, AssetVariant, Generation, Job, JobStatus, Phase, VideoSpec
from reelgate.store.db import JobStore
from reelgate.store.engine import sqlite_engine
from reelgate.store.pg_notices import PostgresNotices
from reelgate.store.recent_jobs import NotifiedJobs, RecentJobs, SqliteRecentJobs
from reelgate.store.retention import RetentionStore

KEPT = 10_000  # the newest change-log entries the triggers of migration 0009 keep


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


def sqlite_store(tmp_path: Path) -> JobStore:
    store = JobStore(sqlite_engine(tmp_path / "jobs.sqlite3"))
    store.create_schema()
    return store


def raw_update(store: JobStore, sql: str, *params: object) -> None:
    """A commit from a connection the store does not know of (another process, say)."""
    with sqlite3.connect(store.engine.url.database) as other:  # type: ignore[arg-type]
        other.execute(sql, params)


def test_only_the_job_that_changed_leaves_memory(tmp_path: Path):
    store = sqlite_store(tmp_path)
    job_id, other = add_job(store), add_job(store)
    first = store.get_job(job_id)
    assert store.get_job(job_id) is first
    # Another job's progress and heartbeats (a worker rendering it) leave this one cached.
    for progress in (10, 20, 30):
        raw_update(store, "UPDATE jobs SET progress = ? WHERE id = ?", progress, other)
        assert store.get_job(job_id) is first
        assert store.get_job(other).progress == progress  # type: ignore[union-attr]
    raw_update(store, "UPDATE jobs SET progress = 5 WHERE id = ?", job_id)
    changed = store.get_job(job_id)
    assert changed is not first and changed.progress == 5  # type: ignore[union-attr]
    store.close()


def test_forgetting_a_jobs_files_is_a_change_to_it(tmp_path: Path):
    store = sqlite_store(tmp_path)
    job_id = add_job(store)
    store.claim_job("w", 2000, 60)
    asset = Asset(variant=AssetVariant.VIDEO, media_type="video/mp4", size=1, sha256="0" * 64,
                  blob_key="k")  # fmt: skip
    produced = Generation(id="gen_1", job_id=job_id, index=0, width=64, height=64, seconds=1.0,
                          assets={AssetVariant.VIDEO: asset})  # fmt: skip
    assert store.complete_job(job_id, "w", 2001, [produced])
    cached = store.get_job(job_id, with_generations=True)
    assert cached is not None and cached.generations[0].assets
    assert store.get_job(job_id, with_generations=True) is cached
    assert RetentionStore(store.engine).drop_assets(job_id) == 1
    after = store.get_job(job_id, with_generations=True)
    assert after is not None and after.generations[0].assets == {}
    store.close()


def test_a_reader_that_fell_behind_the_kept_log_forgets_everything(tmp_path: Path):
    store = sqlite_store(tmp_path)
    job_id, other = add_job(store), add_job(store)
    first = store.get_job(job_id)
    assert store.get_job(job_id) is first
    with sqlite3.connect(store.engine.url.database) as busy:  # type: ignore[arg-type]
        for progress in range(KEPT + 5):  # more changes than the log keeps, in one commit
            busy.execute("UPDATE jobs SET progress = ? WHERE id = ?", (progress % 100, other))
    again = store.get_job(job_id)
    assert again is not first and again == first
    assert store.get_job(job_id) is again  # and caches again from there
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
    recent = SqliteRecentJobs(str(path))
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


def test_each_database_has_its_way_of_following_changes(database: Engine):
    cached = RecentJobs.for_engine(database)
    kind = NotifiedJobs if database.dialect.name == "postgresql" else SqliteRecentJobs
    assert isinstance(cached, kind)


def wait_until(check, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not seen in time"
        time.sleep(0.01)


def test_postgresql_serves_from_memory_while_its_notices_are_heard(database: Engine):
    if database.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's notices")
    store = JobStore(database)
    store.create_schema()
    job_id = add_job(store)
    assert store.get_job(job_id) is not store.get_job(job_id)  # no listener: every read a query
    notices = PostgresNotices(database, lambda _id: None, lambda: None, rows=store.row_changes)
    notices.start()
    try:
        first = store.get_job(job_id)
        assert store.get_job(job_id) is first
        other = add_job(store)
        with database.begin() as conn:  # another process's commit, to another job
            conn.execute(text("UPDATE jobs SET progress = 9 WHERE id = :id"), {"id": other})
        wait_until(lambda: store.get_job(other).progress == 9)  # type: ignore[union-attr]
        assert store.get_job(job_id) is first
        with database.begin() as conn:  # and to this one: the trigger's notice drops it
            conn.execute(text("UPDATE jobs SET progress = 7 WHERE id = :id"), {"id": job_id})
        wait_until(lambda: store.get_job(job_id).progress == 7)  # type: ignore[union-attr]
        assert store.delete_job(job_id, owner=None, at=4000.0)
        assert store.get_job(job_id) is None  # this process's own write: at once
    finally:
        notices.stop()
    again = store.get_job(other)
    assert again is not store.get_job(other)  # the listener stopped: nothing served from memory
    store.close()


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
