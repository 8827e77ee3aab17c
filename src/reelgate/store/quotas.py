"""What a key's job limits are measured against: its unfinished jobs, and the seconds of video
it generated today (UTC)."""

from __future__ import annotations

import json

from sqlalchemy import Engine, func, select

from reelgate.core.models import JobKind, JobStatus
from reelgate.store.retry import retrying_store
from reelgate.store.schema import jobs, usage_counters
from reelgate.store.usage import utc_day

_UNFINISHED = (JobStatus.QUEUED.value, JobStatus.IN_PROGRESS.value)


@retrying_store  # one transaction a method: a lock conflict runs it again
class QuotaStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def unfinished_video_seconds(self, owner: str) -> list[float]:
        """The seconds each unfinished video job of `owner` will generate (all its variants)."""
        query = select(jobs.c.spec).where(
            jobs.c.owner == owner,
            jobs.c.kind == JobKind.VIDEO.value,
            jobs.c.status.in_(_UNFINISHED),
        )
        with self.engine.connect() as conn:
            specs = conn.execute(query).scalars().all()
        seconds = []
        for spec in specs:
            fields = json.loads(spec)
            seconds.append(float(fields["seconds"]) * int(fields.get("n_variants") or 1))
        return seconds

    def generated_seconds_on_day(self, owner: str, at: float) -> float:
        """Seconds of video `owner`'s finished jobs generated on the UTC day of `at`."""
        c = usage_counters.c
        query = select(func.coalesce(func.sum(c.video_seconds), 0.0)).where(
            c.owner == owner, c.day == utc_day(at)
        )
        with self.engine.connect() as conn:
            return float(conn.execute(query).scalar_one())
