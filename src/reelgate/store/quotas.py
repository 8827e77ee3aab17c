"""What a key's job limits are measured against, read inside the transaction that inserts a new
job: its unfinished jobs, and the seconds of video it generated today (UTC)."""

from __future__ import annotations

import json

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from reelgate.core.models import JobKind, JobStatus
from reelgate.core.quotas import OwnerUsage
from reelgate.store.schema import api_keys, jobs, usage_counters
from reelgate.store.usage import utc_day

_UNFINISHED = (JobStatus.QUEUED.value, JobStatus.IN_PROGRESS.value)


def take_owners_turn(conn: Connection, owner: str) -> None:
    """Check one create of `owner` at a time, until this transaction ends.

    PostgreSQL: the key's row is locked, so a racing create waits here, then sees the first
    one's job. SQLite needs nothing: the job is inserted before the check, and that insert holds
    the database's one write lock until the commit."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(api_keys.c.id).where(api_keys.c.id == owner).with_for_update())


def owner_usage(conn: Connection, owner: str, at: float, *, besides: str) -> OwnerUsage:
    """`owner`'s unfinished video jobs other than `besides`, and its seconds on `at`'s UTC day."""
    unfinished = select(jobs.c.spec).where(
        jobs.c.owner == owner,
        jobs.c.kind == JobKind.VIDEO.value,
        jobs.c.status.in_(_UNFINISHED),
        jobs.c.id != besides,
    )
    seconds = []
    for spec in conn.execute(unfinished).scalars():
        fields = json.loads(spec)
        seconds.append(float(fields["seconds"]) * int(fields.get("n_variants") or 1))
    c = usage_counters.c
    today = select(func.coalesce(func.sum(c.video_seconds), 0.0)).where(
        c.owner == owner, c.day == utc_day(at)
    )
    return OwnerUsage(tuple(seconds), float(conn.execute(today).scalar_one()))
