"""What the transaction that makes a job final writes besides the job: its usage and its
webhook event; and what metrics are told after it commits."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection

from reelgate.core.models import (
    JobKind,
    JobStatus,
)
from reelgate.core.usage import usage_tier
from reelgate.core.webhooks import EVENT_TYPES
from reelgate.store.job_rows import spec_of
from reelgate.store.schema import jobs
from reelgate.store.usage import count_usage
from reelgate.store.webhooks import enqueue_delivery


@dataclass(frozen=True)
class JobTiming:
    """A job was claimed or finished: what metrics need, told after the transaction commits."""

    event: str  # claimed | completed | failed
    provider: str
    created_at: float
    started_at: float | None
    completed_at: float | None


class FinishObservers:
    """Who is told, after the transaction commits, that a job was claimed or finished (this
    process's metrics) and that a webhook event was stored (the sender, which then wakes).
    Observers must not raise."""

    def __init__(self) -> None:
        self.timings: list[Callable[[JobTiming], None]] = []
        self.deliveries: list[Callable[[], None]] = []

    def tell(
        self, event: str, row: Mapping[str, Any], completed_at: float | None = None,
        *, stored_event: bool = False,
    ) -> None:  # fmt: skip
        timing = JobTiming(
            event, row["provider"], row["created_at"], row["started_at"], completed_at
        )
        for observer in self.timings:
            observer(timing)
        if stored_event:
            self.event_stored()

    def event_stored(self) -> None:
        for observer in self.deliveries:
            observer()


# What a finishing UPDATE returns, for usage, webhooks and timings.
FINISHED_COLUMNS = (
    jobs.c.id, jobs.c.owner, jobs.c.kind, jobs.c.model, jobs.c.provider, jobs.c.webhook_url,
    jobs.c.created_at, jobs.c.started_at, jobs.c.spec,
)  # fmt: skip


def on_final(
    conn: Connection,
    row: Mapping[str, Any],
    status: JobStatus,
    now: float,
    video_seconds: float = 0.0,
) -> bool:
    """In the transaction that makes a job final: count it and store its webhook event;
    whether an event was stored (the webhook sender has something to send once this commits)."""
    failed = status is not JobStatus.COMPLETED
    count_usage(
        conn,
        owner=row["owner"],
        model=row["model"],
        tier=usage_tier(spec_of(row["kind"], row["spec"])),
        at=now,
        failures=int(failed),
        video_seconds=video_seconds,
    )
    if row["webhook_url"] and row["kind"] == JobKind.VIDEO.value:
        return enqueue_delivery(
            conn,
            job_id=row["id"],
            owner=row["owner"],
            url=row["webhook_url"],
            event_type=EVENT_TYPES[status],
            now=now,
        )
    return False
