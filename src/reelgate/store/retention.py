"""The database side of retention: when jobs expire, which expired jobs still hold media, and
which folders of media belong to no job.

Expiring a job removes its asset rows and keeps the job and its generations: the job still
answers, with its `expires_at` in the past, and its content answers as expired. Every statement
is idempotent, so several processes sweeping the same database at once do no harm.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine, delete, select, update

from reelgate.core.models import JobStatus
from reelgate.store.retry import retrying_store
from reelgate.store.schema import assets, generations, jobs

_ID_BATCH = 500  # ids per IN (...) list


@retrying_store
class RetentionStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def backfill_expiry(self, retention_seconds: float) -> int:
        """Completed jobs without an expiry get one from their completion time: jobs finished
        before retention was configured, and images (recorded finished, by the request)."""
        statement = (
            update(jobs)
            .where(
                jobs.c.status == JobStatus.COMPLETED.value,
                jobs.c.expires_at.is_(None),
                jobs.c.completed_at.is_not(None),
            )
            .values(expires_at=jobs.c.completed_at + retention_seconds)
        )
        with self.engine.begin() as conn:
            return conn.execute(statement).rowcount

    def expired_with_assets(self, now: float, limit: int = 100) -> list[str]:
        """Jobs past their expiry whose asset rows still exist (their media not yet removed)."""
        query = (
            select(jobs.c.id)
            .where(jobs.c.expires_at <= now)
            .where(
                select(assets.c.generation_id)
                .join(generations, generations.c.id == assets.c.generation_id)
                .where(generations.c.job_id == jobs.c.id)
                .exists()
            )
            .order_by(jobs.c.expires_at)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def drop_assets(self, job_id: str) -> int:
        """Forget a job's stored files (after they were deleted); generations stay."""
        of_job = select(generations.c.id).where(generations.c.job_id == job_id)
        with self.engine.begin() as conn:
            return conn.execute(delete(assets).where(assets.c.generation_id.in_(of_job))).rowcount

    def existing_jobs(self, job_ids: Iterable[str]) -> set[str]:
        """Which of these ids name a job row."""
        wanted = list(job_ids)
        found: set[str] = set()
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), _ID_BATCH):
                batch = wanted[start : start + _ID_BATCH]
                found.update(conn.execute(select(jobs.c.id).where(jobs.c.id.in_(batch))).scalars())
        return found
