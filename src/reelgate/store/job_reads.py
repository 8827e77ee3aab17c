"""Reading jobs: by id (from the poll cache when it can answer), in pages, counted by status.

A mixin of `JobStore` (store/db.py), which owns the engines and the cache these reads use.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine, false, func, or_, select
from sqlalchemy.engine import Connection

from reelgate.core.models import (
    Asset,
    AssetVariant,
    Generation,
    Job,
    JobKind,
    JobStatus,
    StateFilter,
)
from reelgate.store.job_rows import (
    JOB_BY_ID,
    job_from_row,
    named_provider_condition,
    state_condition,
)
from reelgate.store.point_reads import first_row
from reelgate.store.recent_jobs import RecentJobs
from reelgate.store.retry import retrying_store
from reelgate.store.schema import assets, generations, jobs


@retrying_store
class JobReads:
    engine: Engine
    _point_reads: Engine  # one-row reads: store/point_reads.py
    _recent: RecentJobs | None  # the poll cache: store/recent_jobs.py

    def cached_job(self, job_id: str, *, with_generations: bool = False) -> Job | None:
        """The job as last read, when the store can tell without a query that it has not
        changed since (store/recent_jobs.py); None otherwise: then `get_job` reads it."""
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
