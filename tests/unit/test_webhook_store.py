"""Durable deliveries in the store (SQLite, PostgreSQL): stored with the job's final state, once
per job and event, claimed under a lease, every attempt recorded."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine

from reelgate.config import Settings
from reelgate.core.deliveries import Attempt
from reelgate.core.ids import new_generation_id, new_job_id
from reelgate.core.models import Generation, Job, JobError, JobStatus, VideoSpec
from reelgate.runner.deliveries import DeliveryLoop
from reelgate.store.db import JobStore
from reelgate.store.job_final import JobTiming
from reelgate.store.webhooks import WebhookStore

HOOK = "https://hooks.example.com/reelgate"


@pytest.fixture
def stores(database: Engine) -> tuple[JobStore, WebhookStore]:
    jobs = JobStore(database)
    jobs.create_schema()
    return jobs, WebhookStore(database)


def running_job(jobs: JobStore, webhook: str | None, worker: str = "w1") -> str:
    spec = VideoSpec(prompt="p", width=64, height=64, seconds=2)
    job = Job(id=new_job_id(), model="m", provider="preview", spec=spec, created_at=100.0,
              webhook=webhook)  # fmt: skip
    jobs.insert_job(job)
    claimed = jobs.claim_job(worker, 101.0, 30.0)
    assert claimed is not None and claimed.id == job.id and claimed.webhook == webhook
    return job.id


def produced(job_id: str) -> list[Generation]:
    return [Generation(id=new_generation_id(), job_id=job_id, index=0, width=64, height=64,
                       seconds=2.0)]  # fmt: skip


def test_a_finished_job_with_a_webhook_gets_exactly_one_delivery(stores):
    jobs, hooks = stores
    done = running_job(jobs, HOOK)
    assert jobs.complete_job(done, "w1", 105.0, produced(done))
    assert not jobs.complete_job(done, "w1", 106.0, produced(done))  # not twice
    failed = running_job(jobs, HOOK)
    assert jobs.fail_job(failed, 107.0, JobError(code="internal_error", message="x"), "w1")
    silent = running_job(jobs, None)
    assert jobs.complete_job(silent, "w1", 108.0, produced(silent))

    page, more = hooks.list(limit=10)
    assert not more
    assert sorted((d.job_id, d.event_type) for d in page) == sorted(
        [(done, "video.completed"), (failed, "video.failed")]
    )
    for delivery in page:
        body = json.loads(delivery.payload)
        assert body["id"] == delivery.id and body["data"] == {"id": delivery.job_id}
        assert (delivery.status, delivery.attempts, delivery.url) == ("pending", 0, HOOK)


def test_a_claimed_delivery_is_nobody_elses_until_its_lease_runs_out(stores):
    jobs, hooks = stores
    job_id = running_job(jobs, HOOK)
    jobs.complete_job(job_id, "w1", 105.0, produced(job_id))
    first = hooks.claim("sender-a", 200.0, lease_seconds=30)
    assert first is not None and first.job_id == job_id
    assert hooks.claim("sender-b", 210.0, lease_seconds=30) is None  # leased
    again = hooks.claim("sender-b", 231.0, lease_seconds=30)  # sender-a died mid-attempt
    assert again is not None and again.id == first.id
    late = Attempt(number=1, started_at=200.0, duration_ms=5, status_code=200, error=None)
    assert hooks.record_attempt(first, "sender-a", late, next_attempt_at=None) is None


def test_attempts_retry_then_deliver_and_the_log_keeps_each(stores):
    jobs, hooks = stores
    job_id = running_job(jobs, HOOK)
    jobs.complete_job(job_id, "w1", 105.0, produced(job_id))
    delivery = hooks.claim("s", 200.0, 30)
    assert delivery is not None
    failed = Attempt(number=1, started_at=200.0, duration_ms=3, status_code=503, error="HTTP 503")
    assert hooks.record_attempt(delivery, "s", failed, next_attempt_at=260.0) == "pending"
    assert hooks.claim("s", 259.0, 30) is None  # not due yet
    delivery = hooks.claim("s", 260.0, 30)
    assert delivery is not None and delivery.attempts == 1
    ok = Attempt(number=2, started_at=260.0, duration_ms=4, status_code=204, error=None)
    assert hooks.record_attempt(delivery, "s", ok, next_attempt_at=500.0) == "delivered"
    assert hooks.claim("s", 10_000.0, 30) is None
    stored = hooks.get(delivery.id)
    assert stored is not None
    assert (stored.status, stored.attempts, stored.delivered_at) == ("delivered", 2, 260.0)
    log = hooks.attempts([delivery.id])[delivery.id]
    assert [(a.number, a.status_code) for a in log] == [(1, 503), (2, 204)]
    assert hooks.counts_by_status() == {"delivered": 1}


def test_giving_up_and_redelivering(stores):
    jobs, hooks = stores
    job_id = running_job(jobs, HOOK)
    jobs.complete_job(job_id, "w1", 105.0, produced(job_id))
    delivery = hooks.claim("s", 200.0, 30)
    assert delivery is not None
    refused = Attempt(number=1, started_at=200.0, duration_ms=1, status_code=None, error="refused")
    assert hooks.record_attempt(delivery, "s", refused, next_attempt_at=None) == "failed"
    assert hooks.claim("s", 10_000.0, 30) is None
    assert hooks.redeliver(delivery.id, 300.0) is not None
    again = hooks.claim("s", 300.0, 30)
    assert again is not None and again.id == delivery.id and again.attempts == 1


def test_timings_reach_observers_after_commit(stores):
    jobs, _ = stores
    seen: list[JobTiming] = []
    jobs.timing_observers.append(seen.append)
    job_id = running_job(jobs, None)
    jobs.complete_job(job_id, "w1", 110.0, produced(job_id))
    assert [(t.event, t.created_at, t.started_at, t.completed_at) for t in seen] == [
        ("claimed", 100.0, 101.0, None),
        ("completed", 100.0, 101.0, 110.0),
    ]
    assert JobStatus.COMPLETED.finished


def test_the_sender_is_woken_only_by_a_stored_event(stores):
    """Progress, claims and finishes without a webhook store nothing to send: no wake-up."""
    jobs, _ = stores
    wakes: list[None] = []
    jobs.delivery_observers.append(lambda: wakes.append(None))
    silent = running_job(jobs, None)
    jobs.heartbeat(silent, "w1", lease_until=200.0, progress=50)
    jobs.complete_job(silent, "w1", 110.0, produced(silent))
    assert wakes == []
    hooked = running_job(jobs, HOOK)
    assert wakes == []
    jobs.complete_job(hooked, "w1", 111.0, produced(hooked))
    assert len(wakes) == 1
    failed = running_job(jobs, HOOK)
    jobs.fail_job(failed, 112.0, JobError(code="internal_error", message="x"), "w1")
    assert len(wakes) == 2
    refused = Job(id=new_job_id(), model="m", provider="preview", created_at=113.0,
                  spec=VideoSpec(prompt="p", width=64, height=64, seconds=2), webhook=HOOK,
                  status=JobStatus.FAILED,
                  error=JobError(code="moderation_blocked", message="x"))  # fmt: skip
    jobs.insert_job(refused)  # refused at creation: final at birth, with its event
    assert len(wakes) == 3


class CountingStore(WebhookStore):
    """Counts claims: each is a write transaction."""

    claims = 0

    def claim(self, sender_id: str, now: float, lease_seconds: float):  # type: ignore[override]
        self.claims += 1
        return super().claim(sender_id, now, lease_seconds)


def test_a_sender_woken_with_nothing_due_writes_nothing(database: Engine):
    """Job changes wake the senders; without a due delivery they only read."""
    jobs = JobStore(database)
    jobs.create_schema()
    hooks = CountingStore(database)
    loop = DeliveryLoop(hooks, Settings(), "whsec_" + "a" * 32, clock=lambda: 200.0)
    try:
        for _ in range(20):
            assert loop.send_one("s1") is False
        assert hooks.claims == 0, "nothing pending: no claim"
        done = running_job(jobs, HOOK)
        assert jobs.complete_job(done, "w1", 105.0, produced(done))
        hooks.claim("other", 150.0, 100.0)  # leased elsewhere until 250: due but not claimable
        claims = hooks.claims
        assert loop.send_one("s1") is False
        assert hooks.claims == claims + 1, "a due delivery is claimed (here: refused by its lease)"
    finally:
        loop.stop()
