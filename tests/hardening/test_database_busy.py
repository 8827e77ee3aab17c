"""A database that is busy for a while delays requests and workers; it does not fail them.

SQLite: a writer holding the database makes others wait (busy timeout), and a transaction that
still finds it locked is rolled back and run again (`store/retry.py`). PostgreSQL: a transaction
that deadlocked, could not be serialized or waited past a lock timeout is run again the same way.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.exc import OperationalError

from reelgate.core.ids import new_job_id
from reelgate.core.models import Job, VideoSpec
from reelgate.store.db import JobStore
from reelgate.store.retry import is_transient
from reelgate.store.schema import jobs
from tests.conftest import wait_for
from tests.server import ServerProcess

CLIP = {"prompt": "Busy database", "model": "sora", "width": 480, "height": 480, "n_seconds": 1}
AZURE_JOBS = "/openai/v1/video/generations/jobs?api-version=preview"


def hold_write_lock(database: Path, seconds: float) -> threading.Thread:
    """Another writer on the SQLite file, holding it for `seconds` (what a backup or a second
    tool does); returns once the lock is held."""
    held = threading.Event()

    def hold() -> None:
        with sqlite3.connect(database, isolation_level=None) as writer:
            writer.execute("PRAGMA busy_timeout=10000")
            writer.execute("BEGIN IMMEDIATE")
            held.set()
            time.sleep(seconds)
            writer.execute("ROLLBACK")

    thread = threading.Thread(target=hold)
    thread.start()
    assert held.wait(10)
    return thread


def test_requests_and_workers_wait_out_a_locked_sqlite_database(tmp_path: Path):
    with (
        ServerProcess(tmp_path / "data", workers=2, check_orphans=True) as server,
        httpx.Client(base_url=server.base_url, timeout=60) as http,
    ):
        running = [http.post(AZURE_JOBS, json=CLIP).json()["id"] for _ in range(4)]
        holder = hold_write_lock(server.data_dir / "reelgate.sqlite3", seconds=2.0)

        def create(_: int) -> httpx.Response:
            return http.post(AZURE_JOBS, json={**CLIP, "prompt": "While locked"})

        def poll(job_id: str) -> httpx.Response:
            return http.get(f"/openai/v1/video/generations/jobs/{job_id}?api-version=preview")

        with ThreadPoolExecutor(8) as pool:
            created = list(pool.map(create, range(6)))
            polled = list(pool.map(poll, running))
        holder.join()

        assert [answer.status_code for answer in created] == [200] * 6, created[0].text
        assert [answer.status_code for answer in polled] == [200] * 4
        for job_id in [*running, *(answer.json()["id"] for answer in created)]:
            assert wait_for(http, job_id)["status"] == "completed"


# -- the retry itself, beyond the database's own waiting ------------------------------------------


def short_lock_waits(engine: Engine) -> None:
    """Lock waits of 50 ms instead of the defaults, so conflicts surface as errors at once."""

    @event.listens_for(engine, "connect")
    def _short(dbapi_connection: Any, _record: Any) -> None:
        if engine.dialect.name == "sqlite":
            dbapi_connection.execute("PRAGMA busy_timeout=50")
        else:
            dbapi_connection.execute("SET lock_timeout = '50ms'")
            dbapi_connection.commit()


class ReleaseOnRetry(logging.Handler):
    """Ends the conflict when the store announces its first retry: deterministic, no timers."""

    def __init__(self, end_conflict: Callable[[], None]) -> None:
        super().__init__()
        self.end_conflict = end_conflict
        self.retries = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "retrying" in record.getMessage():
            self.retries += 1
            if self.retries == 1:
                self.end_conflict()


@pytest.fixture
def store(database: Engine) -> Iterator[JobStore]:
    short_lock_waits(database)
    job_store = JobStore(database)
    job_store.create_schema()
    yield job_store


def a_job() -> Job:
    spec = VideoSpec(prompt="p", width=64, height=64, seconds=1)
    return Job(id=new_job_id(), model="sora-2", provider="preview", spec=spec, created_at=1.0)


def lock_conflict(store: JobStore, job_id: str) -> Callable[[], None]:
    """Take the lock `delete_job(job_id)` needs, from another connection; returns the release."""
    if store.engine.dialect.name == "sqlite":
        writer = sqlite3.connect(store.engine.url.database, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")
        return lambda: (writer.execute("ROLLBACK"), writer.close())
    holder = store.engine.connect()
    holder.execute(select(jobs.c.id).where(jobs.c.id == job_id).with_for_update())
    return lambda: (holder.rollback(), holder.close())


def test_a_transaction_that_meets_a_lock_is_rolled_back_and_run_again(store: JobStore):
    job = a_job()
    store.insert_job(job)
    release = lock_conflict(store, job.id)
    released = ReleaseOnRetry(release)
    logger = logging.getLogger("reelgate.store")
    logger.addHandler(released)
    try:
        # Without the retry, the conflict is an error ("database is locked", LockNotAvailable)...
        with pytest.raises(OperationalError) as conflict:
            JobStore.delete_job.__wrapped__(store, job.id, owner=None, at=1.0)  # type: ignore[attr-defined]
        assert is_transient(conflict.value)
        # ... with it, the same call waits the conflict out.
        assert store.delete_job(job.id, owner=None, at=1.0) is True
    finally:
        logger.removeHandler(released)
        if released.retries == 0:
            release()
    assert released.retries >= 1
    assert store.get_job(job.id) is None
