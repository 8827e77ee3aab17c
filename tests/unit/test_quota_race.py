"""A key's job limits hold under racing creates: the check runs in the job's own insert
transaction, one create of the key at a time (store/quotas.py), on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine

from reelgate.core.callers import Caller
from reelgate.core.errors import RateLimited
from reelgate.core.ids import new_job_id
from reelgate.core.models import Job, VideoSpec
from reelgate.core.quotas import OwnerUsage, Quotas
from reelgate.store.db import JobStore
from reelgate.store.idempotency import KeyAlreadyClaimed
from reelgate.store.keys import KeyStore

RACERS = 8


def new_job(owner: str, seconds: int = 4) -> Job:
    spec = VideoSpec(prompt="p", width=64, height=64, seconds=seconds)
    return Job(
        id=new_job_id(), model="m", provider="x", spec=spec, created_at=time.time(), owner=owner
    )


@pytest.mark.parametrize(
    ("limits", "admitted"),
    [({"max_concurrent": 2}, 2), ({"daily_seconds": 12}, 3)],
    ids=["unfinished jobs", "seconds a day"],
)
def test_racing_creates_never_pass_a_limit(
    database: Engine, limits: dict[str, int], admitted: int
) -> None:
    jobs = JobStore(database)
    jobs.create_schema()
    key, _ = KeyStore(database).create("racer", **limits)
    caller = key.caller()
    quotas = Quotas()
    barrier = threading.Barrier(RACERS)

    def create(_: int) -> bool:
        job = new_job(caller.owner or "")
        check = quotas.video_admission(caller, job.spec.seconds, job.created_at)
        assert check is not None

        def slow_check(usage: OwnerUsage) -> None:
            time.sleep(0.05)  # time for a racer to read the same usage, were it not kept out
            check(usage)

        barrier.wait()
        try:
            jobs.insert_job(job, admission=slow_check)
        except RateLimited:
            return False
        return True

    with ThreadPoolExecutor(RACERS) as pool:
        outcomes = list(pool.map(create, range(RACERS)))
    assert outcomes.count(True) == admitted
    assert len(jobs.list_jobs(kind=new_job("x").kind, limit=50, descending=True)[0]) == admitted


def test_a_caller_without_limits_is_not_checked() -> None:
    assert Quotas().video_admission(Caller(owner="key_x"), 4, time.time()) is None
    assert Quotas().video_admission(Caller(owner=None, max_concurrent=1), 4, time.time()) is None


def test_racing_twins_at_the_last_slot_find_their_twin_not_the_limit(database: Engine) -> None:
    """Retries of one request (one Idempotency-Key) while the key has one slot left: one job is
    made, and the others learn of its claim (to be answered with it), not of the limit."""
    jobs = JobStore(database)
    jobs.create_schema()
    key, _ = KeyStore(database).create("twins", max_concurrent=1)
    caller = key.caller()
    barrier = threading.Barrier(RACERS)

    def create(_: int) -> str:
        job = new_job(caller.owner or "")
        check = Quotas().video_admission(caller, job.spec.seconds, job.created_at)
        barrier.wait()
        try:
            jobs.insert_job(job, idempotency=("retry-1", "fp"), admission=check)
        except KeyAlreadyClaimed:
            return "twin"
        except RateLimited:
            return "limited"
        return "made"

    with ThreadPoolExecutor(RACERS) as pool:
        outcomes = sorted(pool.map(create, range(RACERS)))
    assert outcomes == ["made"] + ["twin"] * (RACERS - 1)
