"""A deleted job leaves a tombstone saying whose it was, forgotten after an hour."""

from __future__ import annotations

from sqlalchemy import Engine

from reelgate.core.ids import new_job_id
from reelgate.core.models import Job, VideoSpec
from reelgate.store.db import JobStore
from reelgate.store.tombstones import KEPT_SECONDS, Tombstone, TombstoneStore


def test_a_deleted_job_leaves_a_tombstone_for_an_hour(database: Engine) -> None:
    jobs = JobStore(database)
    jobs.create_schema()
    tombstones = TombstoneStore(database)
    spec = VideoSpec(prompt="p", width=64, height=64, seconds=1)
    job = Job(id=new_job_id(), model="m", provider="x", spec=spec, created_at=1.0, owner="key_a")
    jobs.insert_job(job)
    assert tombstones.find(job.id) is None
    assert jobs.delete_job(job.id, owner="key_a", at=1000.0) is True
    assert tombstones.find(job.id) == Tombstone(owner="key_a", deleted_at=1000.0)
    assert jobs.delete_job(job.id, owner="key_a", at=1001.0) is False  # gone already: no second
    assert tombstones.forget(now=1000.0 + KEPT_SECONDS - 1) == 0
    assert tombstones.forget(now=1000.0 + KEPT_SECONDS + 1) == 1
    assert tombstones.find(job.id) is None
