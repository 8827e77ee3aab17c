"""Jobs as table rows and back: the statements built once, and the rows a job is recorded as
(`store/db.py` runs them)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.exc import IntegrityError

from reelgate.core import models
from reelgate.store.idempotency import KeyAlreadyClaimed
from reelgate.store.idempotency import record as record_idempotency
from reelgate.store.schema import assets, generations, jobs

# Built once: status polling is the most frequent call, and building the statement is not free.
JOB_BY_ID = select(jobs).where(jobs.c.id == bindparam("job_id"))
# Executed with a row of parameters, so SQLAlchemy compiles it once (`.values(**row)` would
# build and compile a new statement for every job).
INSERT_JOB = insert(jobs)
INSERT_GENERATION = insert(generations)
INSERT_ASSET = insert(assets)


def named_provider_condition(provider: str) -> ColumnElement[bool]:
    """Jobs whose `Job.named_provider` is `provider`: their model is `provider/...`, or it has
    no provider part and `provider` serves it."""
    prefix = provider + "/"
    return or_(
        func.substr(jobs.c.model, 1, len(prefix)) == prefix,
        and_(~jobs.c.model.contains("/"), jobs.c.provider == provider),
    )


def state_condition(state: models.StateFilter) -> ColumnElement[bool]:
    status, phases = state
    condition = jobs.c.status == status.value
    if phases is None:
        return condition
    named = [phase.value for phase in phases if phase is not None]
    phase_match = jobs.c.phase.in_(named)
    if None in phases:
        phase_match = or_(phase_match, jobs.c.phase.is_(None))
    return and_(condition, phase_match)


def spec_of(kind: str, spec: str) -> models.VideoSpec | models.ImageSpec:
    """A job row's stored spec, by the row's kind."""
    if models.JobKind(kind) is models.JobKind.IMAGE:
        return models.ImageSpec.model_validate_json(spec)
    return models.VideoSpec.model_validate_json(spec)


def job_from_row(row: RowMapping, generation_rows: Iterable[models.Generation] = ()) -> models.Job:
    error = None
    if row["error_code"] is not None:
        error = models.JobError(code=row["error_code"], message=row["error_message"] or "")
    kind = models.JobKind(row["kind"])
    return models.Job(
        id=row["id"],
        owner=row["owner"],
        kind=kind,
        model=row["model"],
        provider=row["provider"],
        spec=spec_of(row["kind"], row["spec"]),
        status=models.JobStatus(row["status"]),
        phase=models.Phase(row["phase"]) if row["phase"] else None,
        progress=row["progress"],
        created_at=row["created_at"],
        started_at=row["started_at"],
        completed_at=row["completed_at"],
        expires_at=row["expires_at"],
        error=error,
        upstream_ref=row["upstream_ref"],
        attempts=row["attempts"],
        lease_until=row["lease_until"],
        lease_owner=row["lease_owner"],
        idempotency_key=row["idempotency_key"],
        remixed_from=row["remixed_from"],
        webhook=row["webhook_url"],
        generations=tuple(generation_rows),
    )


def job_row(job: models.Job) -> dict[str, Any]:
    """The jobs-table row of a job being recorded. A job may be born finished: refused by the
    content filter (failed), or an image made while its request waited (completed)."""
    return {
        "id": job.id,
        "owner": job.owner,
        "kind": job.kind.value,
        "model": job.model,
        "provider": job.provider,
        "spec": job.spec.model_dump_json(),
        "status": job.status.value,
        "phase": None,
        "progress": job.progress,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "completed_at": job.completed_at,
        "error_code": job.error.code if job.error else None,
        "error_message": job.error.message if job.error else None,
        "idempotency_key": job.idempotency_key,
        "remixed_from": job.remixed_from,
        "webhook_url": job.webhook,
        # On a queued job: not before this time (a scenario's `queued=`; see `claim_job`).
        "lease_until": job.lease_until,
    }


def insert_generations(conn: Connection, job_id: str, produced: list[models.Generation]) -> None:
    for generation in produced:
        conn.execute(
            INSERT_GENERATION,
            {
                "id": generation.id,
                "job_id": job_id,
                "idx": generation.index,
                "width": generation.width,
                "height": generation.height,
                "seconds": generation.seconds,
                "revised_prompt": generation.revised_prompt,
            },
        )
        rows = [
            {
                "generation_id": generation.id,
                "variant": asset.variant.value,
                "media_type": asset.media_type,
                "size": asset.size,
                "sha256": asset.sha256,
                "blob_key": asset.blob_key,
            }
            for asset in generation.assets.values()
        ]
        if rows:
            conn.execute(INSERT_ASSET, rows)


def claim_idempotency_key(conn: Connection, job: models.Job, claim: tuple[str, str] | None) -> None:
    """Record which job a request's Idempotency-Key made, in the job's own transaction; a twin
    request that got there first makes the whole transaction roll back (no job either)."""
    if claim is None:
        return
    key, fingerprint = claim
    try:
        record_idempotency(
            conn, owner=job.owner, key=key, fingerprint=fingerprint, job_id=job.id,
            now=job.created_at,
        )  # fmt: skip
    except IntegrityError:
        raise KeyAlreadyClaimed(key) from None
