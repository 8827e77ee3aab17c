"""Idempotency records live for their window: found within it, forgotten after it (by a lookup
or by the retention sweep), and one (scope, key) claims one job."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from reelgate.core.ids import new_job_id
from reelgate.core.models import Job, VideoSpec
from reelgate.store.db import JobStore
from reelgate.store.idempotency import IdempotencyStore, KeyAlreadyClaimed

WINDOW = 100.0


@pytest.fixture
def stores(database: Engine) -> tuple[JobStore, IdempotencyStore]:
    jobs = JobStore(database)
    jobs.create_schema()
    return jobs, IdempotencyStore(database, WINDOW)


def new_job(owner: str | None, at: float) -> Job:
    spec = VideoSpec(prompt="p", width=64, height=64, seconds=1)
    return Job(id=new_job_id(), model="m", provider="x", spec=spec, created_at=at, owner=owner)


def test_a_key_is_remembered_within_its_window_per_owner(
    stores: tuple[JobStore, IdempotencyStore],
) -> None:
    jobs, records = stores
    first = new_job("key_a", at=1000)
    jobs.insert_job(first, idempotency=("retry-1", "fp"))
    found = records.find("key_a", "retry-1", now=1050)
    assert found is not None and found.job_id == first.id and found.fingerprint == "fp"
    assert records.find("key_b", "retry-1", now=1050) is None  # another key's scope
    with pytest.raises(KeyAlreadyClaimed):
        jobs.insert_job(new_job("key_a", at=1060), idempotency=("retry-1", "fp"))
    assert jobs.list_jobs(kind=first.kind, limit=10, descending=True)[0] == [first]
    assert records.find("key_a", "retry-1", now=1000 + WINDOW + 1) is None  # expired: freed
    jobs.insert_job(new_job("key_a", at=1200), idempotency=("retry-1", "fp2"))


def test_the_sweep_forgets_only_old_records(stores: tuple[JobStore, IdempotencyStore]) -> None:
    jobs, records = stores
    jobs.insert_job(new_job(None, at=1000), idempotency=("old", "fp"))
    jobs.insert_job(new_job(None, at=1090), idempotency=("young", "fp"))
    assert records.sweep(now=1000 + WINDOW + 1) == 1
    assert records.find(None, "young", now=1101) is not None
    assert records.find(None, "old", now=1101) is None
