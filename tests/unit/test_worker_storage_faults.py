"""A worker that meets a full disk retries its writes a bounded number of times, one log line a
retry, then fails the job with `storage_error` and goes on to the next job.

Faults are injected into the blob store (ENOSPC moving outputs into place) and the job store
(SQLite's real SQLITE_FULL when the failure is recorded); retries pause milliseconds here.
"""

from __future__ import annotations

import errno
import logging
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from reelgate.config import Settings
from reelgate.core.callers import OPEN
from reelgate.core.jobs import JobService
from reelgate.core.models import JobStatus
from reelgate.core.video_requests import NewVideo
from reelgate.providers.registry import ProviderRegistry
from reelgate.runner.storage_retry import LONGEST_CLAIM_PAUSE, ClaimBackoff, with_storage_retries
from reelgate.runner.worker import WorkerPool
from reelgate.store.blobs import BlobStore, StoredBlob
from reelgate.store.db import JobStore
from tests.unit.test_runner import Clock, FakeProvider
from tests.unit.test_storage_fault_words import sqlite_full

RETRIES = 3
ENOSPC_WORDS = "Storage failed: No space left on device (ENOSPC)."


class FullBlobs(BlobStore):
    """Moving a file into place fails with ENOSPC `failures` more times."""

    failures = 0

    def put_file(self, key: str, source: Path) -> StoredBlob:
        if self.failures > 0:
            self.failures -= 1
            raise OSError(errno.ENOSPC, "No space left on device", str(source))
        return super().put_file(key, source)


class FullStore(JobStore):
    """Recording a failure meets a full database `failures` more times."""

    failures = 0
    full: DBAPIError

    def fail_job(self, *args: Any, **kwargs: Any) -> bool:
        if self.failures > 0:
            self.failures -= 1
            raise self.full
        return super().fail_job(*args, **kwargs)


@pytest.fixture
def parts(tmp_path: Path, database: Engine):
    settings = Settings(
        data_dir=tmp_path, lease_seconds=10, storage_retries=RETRIES, storage_retry_seconds=0.001
    )
    store = FullStore(database)
    store.create_schema()
    store.full = sqlite_full(tmp_path)
    blobs = FullBlobs(settings.blobs_dir)
    registry = ProviderRegistry([FakeProvider()], default="fake")
    clock = Clock()
    pool = WorkerPool(store, blobs, registry, settings, clock=clock)
    jobs = JobService(store, blobs, registry, settings, on_queued=pool.wake, clock=clock)
    yield jobs, pool, store, blobs
    store.close()


def new_job(jobs: JobService) -> str:
    video = NewVideo(prompt="p", model="m", width=64, height=48, seconds=1)
    return jobs.create_video(video, OPEN).id


def retry_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if "Retry " in r.getMessage()]


def test_a_disk_that_frees_up_while_outputs_are_stored_lets_the_job_complete(parts, caplog):
    jobs, pool, _, blobs = parts
    blobs.failures = RETRIES  # the last try succeeds
    job_id = new_job(jobs)
    with caplog.at_level(logging.WARNING, logger="reelgate.worker"):
        assert pool.run_one("w") is True
    assert jobs.get(job_id, OPEN).status is JobStatus.COMPLETED
    lines = retry_lines(caplog)
    assert len(lines) == RETRIES and all(r.exc_info is None for r in lines)
    assert "storing video.mp4: " + ENOSPC_WORDS in lines[0].getMessage()


def test_a_disk_that_stays_full_fails_the_job_and_the_worker_goes_on(parts, caplog):
    jobs, pool, _, blobs = parts
    blobs.failures = 1000
    stuck = new_job(jobs)
    with caplog.at_level(logging.WARNING, logger="reelgate.worker"):
        assert pool.run_one("w") is True
    job = jobs.get(stuck, OPEN)
    assert job.status is JobStatus.FAILED
    assert (job.error.code, job.error.message) == ("storage_error", ENOSPC_WORDS)
    assert len(retry_lines(caplog)) == RETRIES, "bounded"
    assert not any(r.exc_info for r in caplog.records), "no tracebacks"
    assert not (blobs.root / "jobs" / stuck).exists()
    blobs.failures = 0
    following = new_job(jobs)
    assert pool.run_one("w") is True
    assert jobs.get(following, OPEN).status is JobStatus.COMPLETED


def test_recording_the_failure_waits_for_room_in_the_database(parts, caplog):
    jobs, pool, store, blobs = parts
    blobs.failures = 1000
    store.failures = RETRIES  # the database is full too, until the last try
    job_id = new_job(jobs)
    with caplog.at_level(logging.WARNING, logger="reelgate.worker"):
        assert pool.run_one("w") is True
    job = jobs.get(job_id, OPEN)
    assert job.status is JobStatus.FAILED and job.error.code == "storage_error"
    recording = [r for r in retry_lines(caplog) if "recording its failure" in r.getMessage()]
    assert len(recording) == RETRIES
    assert "The database's disk is full." in recording[0].getMessage()


def test_a_database_that_stays_full_leaves_the_job_to_its_lease(parts, caplog):
    jobs, pool, store, blobs = parts
    blobs.failures = 1000
    store.failures = 1000
    job_id = new_job(jobs)
    with caplog.at_level(logging.WARNING, logger="reelgate.worker"):
        assert pool.run_one("w") is True  # no exception out of the worker
    assert jobs.get(job_id, OPEN).status is JobStatus.IN_PROGRESS
    assert "its failure could not be recorded" in caplog.records[-1].getMessage()
    assert not any(r.exc_info for r in caplog.records)


def test_retries_are_bounded_and_only_for_storage_faults():
    calls: list[int] = []
    stopping = threading.Event()
    log = logging.getLogger("test")

    def full() -> None:
        calls.append(1)
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError):
        with_storage_retries(
            full, what="w", retries=2, first_pause=0.001, stopping=stopping, log=log
        )
    assert len(calls) == 3

    def bug() -> None:
        calls.append(1)
        raise ValueError("a bug")

    calls.clear()
    with pytest.raises(ValueError):
        with_storage_retries(
            bug, what="w", retries=5, first_pause=0.001, stopping=stopping, log=log
        )
    assert len(calls) == 1, "a bug is not retried"

    calls.clear()
    stopping.set()
    with pytest.raises(OSError):
        with_storage_retries(
            full, what="w", retries=5, first_pause=0.001, stopping=stopping, log=log
        )
    assert len(calls) == 1, "a stopping worker does not wait"


def test_claims_back_off_while_the_disk_is_full():
    backoff = ClaimBackoff(first_pause=0.5)
    pauses = [backoff.fault() for _ in range(10)]
    assert pauses[:5] == [1.0, 1.0, 2.0, 4.0, 8.0]
    assert max(pauses) == LONGEST_CLAIM_PAUSE and pauses == sorted(pauses)
    assert backoff.reset() == 1.0 and backoff.fault() == 1.0
