"""The job store on SQLAlchemy Core: SQLite (WAL) by default, the same statements elsewhere.

Every method is one short transaction. Writes that must not race (claiming a job, finishing it)
are single conditional statements, so two workers can never both own a job.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import (
    Engine,
    and_,
    delete,
    false,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection

from reelgate.core.models import (
    Asset,
    AssetVariant,
    Generation,
    Job,
    JobError,
    JobKind,
    JobStatus,
    Phase,
    StateFilter,
    VideoSpec,
)
from reelgate.core.quotas import Admission
from reelgate.core.usage import usage_tier
from reelgate.store.job_final import FINISHED_COLUMNS, FinishObservers, on_final
from reelgate.store.job_rows import (
    INSERT_JOB,
    JOB_BY_ID,
    claim_idempotency_key,
    insert_generations,
    job_from_row,
    job_row,
    named_provider_condition,
    state_condition,
)
from reelgate.store.migrate import upgrade
from reelgate.store.point_reads import first_row, point_read_engine
from reelgate.store.quotas import owner_usage, take_owners_turn
from reelgate.store.recent_jobs import RecentJobs
from reelgate.store.retry import retrying_store
from reelgate.store.schema import assets, generations, jobs
from reelgate.store.tombstones import bury
from reelgate.store.usage import count_usage


@retrying_store  # each public method is one transaction: a lock conflict runs it again
class JobStore:
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

    # -- reads ---------------------------------------------------------------------------------

    def cached_job(self, job_id: str, *, with_generations: bool = False) -> Job | None:
        """The job as last read, when the store can tell without a query that it has not
        changed since (SQLite); None otherwise: then `get_job` reads it."""
        if self._recent is None:
            return None
        return self._recent.get(job_id, with_generations)[0]

    def get_job(self, job_id: str, *, with_generations: bool = False) -> Job | None:
        if self._recent is None:
            return self._read_job(job_id, with_generations=with_generations)
        cached, version = self._recent.get(job_id, with_generations)
        if cached is not None:
            return cached
        job = self._read_job(job_id, with_generations=with_generations)
        if job is not None:
            self._recent.keep(job, version, with_generations)
        return job

    def _read_job(self, job_id: str, *, with_generations: bool) -> Job | None:
        if not with_generations:
            row = first_row(self._point_reads, JOB_BY_ID, {"job_id": job_id})
            return None if row is None else job_from_row(row, [])
        # The job and its generations from one snapshot (a transaction): never a completed job
        # without its outputs.
        with self.engine.connect() as conn:
            row = conn.execute(JOB_BY_ID, {"job_id": job_id}).mappings().first()
            if row is None:
                return None
            gens = self._generations(conn, [job_id]).get(job_id, [])
            return job_from_row(row, gens)

    def list_jobs(
        self,
        *,
        kind: JobKind,
        limit: int,
        descending: bool,
        after: str | None = None,
        before: str | None = None,
        owner: str | None = None,
        states: Sequence[StateFilter] | None = None,
        with_generations: bool = False,
        named_provider: str | None = None,
    ) -> tuple[list[Job], bool]:
        """A page of jobs in id order (= creation order), and whether more follow in the
        direction the page was read (`before` reads towards the start of the list).
        `named_provider`: only jobs known by that provider (`Job.named_provider`).

        Cursors are ids compared by value, so they stay valid after that job is deleted.
        """
        query = select(jobs).where(jobs.c.kind == kind.value)
        if owner is not None:
            query = query.where(jobs.c.owner == owner)
        if named_provider is not None:
            query = query.where(named_provider_condition(named_provider))
        if states is not None:
            query = query.where(or_(false(), *(state_condition(state) for state in states)))
        if after is not None:
            query = query.where(jobs.c.id < after if descending else jobs.c.id > after)
        backwards = before is not None
        if before is not None:
            query = query.where(jobs.c.id > before if descending else jobs.c.id < before)
        newest_first = descending != backwards
        query = query.order_by(jobs.c.id.desc() if newest_first else jobs.c.id.asc())
        with self.engine.connect() as conn:
            fetched = conn.execute(query.limit(limit + 1)).mappings().all()
            has_more, rows = len(fetched) > limit, fetched[:limit]
            gens = self._generations(conn, [r["id"] for r in rows]) if with_generations else {}
        page = [job_from_row(row, gens.get(row["id"], [])) for row in rows]
        return (page[::-1] if backwards else page), has_more

    def status_counts(self) -> tuple[dict[str, int], float | None]:
        """Jobs per status, and when the oldest queued job was created (for metrics)."""
        by_status = select(jobs.c.status, func.count(), func.min(jobs.c.created_at)).group_by(
            jobs.c.status
        )
        with self.engine.connect() as conn:
            rows = conn.execute(by_status).all()
        oldest = next((row[2] for row in rows if row[0] == JobStatus.QUEUED.value), None)
        return {row[0]: row[1] for row in rows}, oldest

    def job_id_of_generation(self, generation_id: str, kind: JobKind = JobKind.VIDEO) -> str | None:
        """The job that produced a generation, if that job is of `kind` (an image's id is no
        video generation, and the other way round)."""
        query = (
            select(generations.c.job_id)
            .join(jobs, jobs.c.id == generations.c.job_id)
            .where(generations.c.id == generation_id, jobs.c.kind == kind.value)
        )
        with self.engine.connect() as conn:
            return conn.execute(query).scalar_one_or_none()

    def _generations(self, conn: Connection, job_ids: list[str]) -> dict[str, list[Generation]]:
        gen_rows = conn.execute(
            select(generations).where(generations.c.job_id.in_(job_ids)).order_by(generations.c.idx)
        ).mappings()
        gens = list(gen_rows)
        asset_rows = conn.execute(
            select(assets).where(assets.c.generation_id.in_([g["id"] for g in gens]))
        ).mappings()
        assets_by_gen: dict[str, dict[AssetVariant, Asset]] = {}
        for row in asset_rows:
            variant = AssetVariant(row["variant"])
            assets_by_gen.setdefault(row["generation_id"], {})[variant] = Asset(
                variant=variant,
                media_type=row["media_type"],
                size=row["size"],
                sha256=row["sha256"],
                blob_key=row["blob_key"],
            )
        result: dict[str, list[Generation]] = {}
        for g in gens:
            result.setdefault(g["job_id"], []).append(
                Generation(
                    id=g["id"],
                    job_id=g["job_id"],
                    index=g["idx"],
                    width=g["width"],
                    height=g["height"],
                    seconds=g["seconds"],
                    assets=assets_by_gen.get(g["id"], {}),
                    revised_prompt=g["revised_prompt"],
                )
            )
        return result

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
        with self.engine.begin() as conn:
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
        with self.engine.begin() as conn:
            result = conn.execute(self._owned(job_id, worker_id).values(**values))
        return result.rowcount > 0

    def set_upstream_ref(
        self, job_id: str, worker_id: str, ref: str, *, lease_until: float
    ) -> bool:
        """Record the upstream job serving this job (while `worker_id` holds it)."""
        with self.engine.begin() as conn:
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
        with self.engine.begin() as conn:
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
        with self.engine.begin() as conn:
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
        with self.engine.begin() as conn:
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
        with self.engine.begin() as conn:
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

    @staticmethod
    def _owned(job_id: str, worker_id: str) -> Any:
        return update(jobs).where(
            (jobs.c.id == job_id)
            & (jobs.c.lease_owner == worker_id)
            & (jobs.c.status == JobStatus.IN_PROGRESS.value)
        )
