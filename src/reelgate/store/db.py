"""The job store on SQLAlchemy Core: SQLite (WAL) by default, the same statements elsewhere.

Every method is one short transaction. Writes that must not race (claiming a job, finishing it)
are single conditional statements, so two workers can never both own a job.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    Engine,
    and_,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection

from reelgate.core.models import (
    Generation,
    Job,
    JobError,
    JobKind,
    JobStatus,
    Phase,
    VideoSpec,
)
from reelgate.core.quotas import Admission
from reelgate.core.usage import usage_tier
from reelgate.store.job_final import FINISHED_COLUMNS, FinishObservers, on_final
from reelgate.store.job_reads import JobReads
from reelgate.store.job_rows import (
    INSERT_JOB,
    claim_idempotency_key,
    insert_generations,
    job_from_row,
    job_row,
)
from reelgate.store.migrate import upgrade
from reelgate.store.point_reads import point_read_engine
from reelgate.store.quotas import owner_usage, take_owners_turn
from reelgate.store.recent_jobs import NotifiedJobs, RecentJobs
from reelgate.store.retry import retrying_store
from reelgate.store.schema import generations, jobs
from reelgate.store.tombstones import bury
from reelgate.store.usage import count_usage


@retrying_store  # each public method is one transaction: a lock conflict runs it again
class JobStore(JobReads):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._observers = FinishObservers()
        self.timing_observers = self._observers.timings  # claims and finishes (metrics)
        self.delivery_observers = self._observers.deliveries  # stored webhook events
        # Status polls read one job again and again: served from memory until it changes.
        self._recent = RecentJobs.for_engine(engine)
        self._point_reads = point_read_engine(engine)

    def create_schema(self) -> None:
        """Bring the schema to the current revision (migrations; for tests and first starts)."""
        upgrade(self.engine)

    def close(self) -> None:
        if self._recent is not None:
            self._recent.close()
        if self._point_reads is not self.engine:
            self._point_reads.dispose()
        self.engine.dispose()

    # -- writes from the API -------------------------------------------------------------------

    def insert_job(
        self,
        job: Job,
        *,
        idempotency: tuple[str, str] | None = None,
        admission: Admission | None = None,
    ) -> None:
        """Record a new job; with `(key, fingerprint)`, also claim that Idempotency-Key for it
        in the same transaction (IntegrityError if a twin request claimed it first). With an
        `admission`, the owner's limits are checked in it too, one create of the owner at a
        time, after the claim (a twin of a job that took the last slot gets that job back)."""
        owner = job.owner if admission is not None else None
        stored_event = False
        with self.engine.begin() as conn:
            if owner is not None:
                take_owners_turn(conn, owner)
            conn.execute(INSERT_JOB, {**job_row(job), "attempts": 0})
            claim_idempotency_key(conn, job, idempotency)
            if admission is not None and owner is not None:
                admission(owner_usage(conn, owner, job.created_at, besides=job.id))
            tier = usage_tier(job.spec)
            count_usage(
                conn, owner=job.owner, model=job.model, tier=tier, at=job.created_at, jobs=1
            )
            if job.status.finished:  # refused by the content filter: final at birth
                row = {
                    **job.model_dump(include={"id", "owner", "model"}),
                    "kind": job.kind.value,
                    "spec": job.spec.model_dump_json(),
                }
                final_row = {**row, "webhook_url": job.webhook}
                stored_event = on_final(conn, final_row, job.status, job.created_at)
        if stored_event:
            self._observers.event_stored()

    def insert_finished_job(
        self,
        job: Job,
        produced: list[Generation],
        *,
        idempotency: tuple[str, str] | None = None,
    ) -> None:
        """Record a job that was run while its request waited (images), with its outputs, in one
        transaction: it is never queued, so no worker can claim it."""
        with self.engine.begin() as conn:
            conn.execute(INSERT_JOB, {**job_row(job), "attempts": 1})
            claim_idempotency_key(conn, job, idempotency)
            insert_generations(conn, job.id, produced)
            is_image = job.kind is JobKind.IMAGE
            count_usage(
                conn,
                owner=job.owner,
                model=job.model,
                tier=usage_tier(job.spec),
                at=job.created_at,
                jobs=1,
                images=len(produced) if is_image else 0,
                video_seconds=0.0 if is_image else sum(g.seconds for g in produced),
            )

    def delete_job(self, job_id: str, *, owner: str | None, at: float) -> bool:
        """Delete the job (its generations and assets go with it), leaving a tombstone."""
        with self._changing(job_id) as conn:
            if conn.execute(delete(jobs).where(jobs.c.id == job_id)).rowcount == 0:
                return False
            bury(conn, job_id, owner, at)
            return True

    # -- writes from workers -------------------------------------------------------------------

    def claim_job(
        self,
        worker_id: str,
        now: float,
        lease_seconds: float,
        providers: Collection[str] | None = None,
    ) -> Job | None:
        """Take the oldest runnable job (queued, or in progress under a lease that ran out),
        optionally only among jobs of the given providers.

        On PostgreSQL the candidate row is locked with SKIP LOCKED, so concurrent workers pass
        over each other's picks instead of queueing behind them; SQLite has one writer at a time
        and needs no lock clause. Either way the UPDATE re-checks the condition, so a job is
        never claimed twice.
        """
        runnable = or_(
            # A queued job's lease_until, when set, holds it queued until then (scenarios).
            (jobs.c.status == JobStatus.QUEUED.value)
            & or_(jobs.c.lease_until.is_(None), jobs.c.lease_until <= now),
            (jobs.c.status == JobStatus.IN_PROGRESS.value) & (jobs.c.lease_until < now),
        )
        if providers is not None:
            runnable = and_(runnable, jobs.c.provider.in_(sorted(providers)))
        oldest = (
            select(jobs.c.id)
            .where(runnable)
            .order_by(jobs.c.created_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        statement = (
            update(jobs)
            .where(jobs.c.id == oldest.scalar_subquery())
            .where(runnable)
            .values(
                status=JobStatus.IN_PROGRESS.value,
                phase=Phase.PREPROCESSING.value,
                lease_owner=worker_id,
                lease_until=now + lease_seconds,
                attempts=jobs.c.attempts + 1,
                started_at=now,
                progress=0,
            )
            .returning(*jobs.c)
        )
        with self.engine.begin() as conn:
            row = conn.execute(statement).mappings().first()
        if row is None:
            return None
        self._forget(row["id"])
        self._observers.tell("claimed", row)
        return job_from_row(row)

    def heartbeat(
        self,
        job_id: str,
        worker_id: str,
        *,
        lease_until: float,
        progress: int | None = None,
        phase: Phase | None = None,
    ) -> bool:
        """Extend the lease (and record progress). False: the job is no longer ours (deleted)."""
        values: dict[str, Any] = {"lease_until": lease_until}
        if progress is not None:
            values["progress"] = progress
        if phase is not None:
            values["phase"] = phase.value
        with self._changing(job_id) as conn:
            result = conn.execute(self._owned(job_id, worker_id).values(**values))
        return result.rowcount > 0

    def set_upstream_ref(
        self, job_id: str, worker_id: str, ref: str, *, lease_until: float
    ) -> bool:
        """Record the upstream job serving this job (while `worker_id` holds it)."""
        with self._changing(job_id) as conn:
            result = conn.execute(
                self._owned(job_id, worker_id).values(upstream_ref=ref, lease_until=lease_until)
            )
        return result.rowcount > 0

    def hand_over(
        self, job_id: str, worker_id: str, provider: str, spec: VideoSpec | None = None
    ) -> bool:
        """Give a job that its provider could not take to `provider` (the next fallback): it
        goes back to the queue, with no upstream job, and the failed try does not count.
        `spec`: the job's spec with the fallback reached (a request's own fallbacks)."""
        changes = {} if spec is None else {"spec": spec.model_dump_json()}
        with self._changing(job_id) as conn:
            result = conn.execute(
                self._owned(job_id, worker_id).values(
                    **changes,
                    provider=provider,
                    upstream_ref=None,
                    status=JobStatus.QUEUED.value,
                    phase=None,
                    progress=0,
                    lease_owner=None,
                    lease_until=None,
                    attempts=jobs.c.attempts - 1,
                )
            )
        return result.rowcount > 0

    def running_by_provider(self, now: float) -> dict[str, int]:
        """How many jobs each provider is running now (in progress under a live lease)."""
        query = (
            select(jobs.c.provider, func.count())
            .where(jobs.c.status == JobStatus.IN_PROGRESS.value, jobs.c.lease_until >= now)
            .group_by(jobs.c.provider)
        )
        with self.engine.connect() as conn:
            return {provider: count for provider, count in conn.execute(query).all()}

    def complete_job(
        self,
        job_id: str,
        worker_id: str,
        now: float,
        produced: list[Generation],
        expires_at: float | None = None,
    ) -> bool:
        """Record the outputs and mark the job completed, in one transaction (with its usage
        and its webhook event). `expires_at`: when its content stops being served."""
        with self._changing(job_id) as conn:
            finished = (
                conn.execute(
                    self._owned(job_id, worker_id)
                    .values(
                        status=JobStatus.COMPLETED.value,
                        phase=None,
                        progress=100,
                        completed_at=now,
                        expires_at=expires_at,
                        lease_owner=None,
                        lease_until=None,
                    )
                    .returning(*FINISHED_COLUMNS)
                )
                .mappings()
                .first()
            )
            if finished is None:
                return False
            conn.execute(delete(generations).where(generations.c.job_id == job_id))
            insert_generations(conn, job_id, produced)
            seconds = sum(g.seconds for g in produced)
            stored = on_final(conn, finished, JobStatus.COMPLETED, now, video_seconds=seconds)
        self._observers.tell("completed", finished, now, stored_event=stored)
        return True

    def release_job(self, job_id: str, worker_id: str) -> bool:
        """Give a job back to the queue (on shutdown); the interrupted try does not count."""
        with self._changing(job_id) as conn:
            result = conn.execute(
                self._owned(job_id, worker_id).values(
                    status=JobStatus.QUEUED.value,
                    phase=None,
                    progress=0,
                    lease_owner=None,
                    lease_until=None,
                    attempts=jobs.c.attempts - 1,
                )
            )
        return result.rowcount > 0

    def fail_job(
        self,
        job_id: str,
        now: float,
        error: JobError,
        worker_id: str | None = None,
        status: JobStatus = JobStatus.FAILED,
    ) -> bool:
        """Mark a job failed (or `status` CANCELLED); with `worker_id`, only while that worker
        still holds it."""
        statement = (
            self._owned(job_id, worker_id)
            if worker_id is not None
            else update(jobs).where(jobs.c.id == job_id)
        )
        with self._changing(job_id) as conn:
            failed = (
                conn.execute(
                    statement.values(
                        status=status.value,
                        phase=None,
                        completed_at=now,
                        error_code=error.code,
                        error_message=error.message,
                        lease_owner=None,
                        lease_until=None,
                    ).returning(*FINISHED_COLUMNS)
                )
                .mappings()
                .first()
            )
            if failed is None:
                return False
            stored = on_final(conn, failed, status, now)
        self._observers.tell("failed", failed, now, stored_event=stored)
        return True

    @contextmanager
    def _changing(self, job_id: str) -> Iterator[Connection]:
        """A transaction that changes `job_id`; once it commits, the poll cache drops the job
        (this process reads its own writes before the database's notice comes back)."""
        with self.engine.begin() as conn:
            yield conn
        self._forget(job_id)

    def _forget(self, job_id: str) -> None:
        if self._recent is not None:
            self._recent.forget(job_id)

    @property
    def row_changes(self) -> NotifiedJobs | None:
        """Where this process's notice listener sends changed job ids (PostgreSQL)."""
        return self._recent if isinstance(self._recent, NotifiedJobs) else None

    @staticmethod
    def _owned(job_id: str, worker_id: str) -> Any:
        return update(jobs).where(
            (jobs.c.id == job_id)
            & (jobs.c.lease_owner == worker_id)
            & (jobs.c.status == JobStatus.IN_PROGRESS.value)
        )
