"""Usage counters per owner, model, UTC day and tier (`720p`, `1024x1024 high`): jobs, failures,
generated seconds and images.

Counted in the transactions that create and finish jobs, so the numbers match the jobs made and
survive the jobs' deletion. Owner "" is open mode (no API keys yet).
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from reelgate.core.usage import UsageRow
from reelgate.store.retry import retrying_store
from reelgate.store.schema import usage_counters

OPEN_MODE = ""
_COUNTERS = ("jobs", "failures", "video_seconds", "images")


def utc_day(timestamp: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(timestamp))


def count_usage(
    conn: Connection,
    *,
    owner: str | None,
    model: str,
    tier: str,
    at: float,
    jobs: int = 0,
    failures: int = 0,
    video_seconds: float = 0.0,
    images: int = 0,
) -> None:
    """Add to the counters of (owner, model, day of `at`, tier): one upsert, atomic on both
    databases."""
    deltas = {"jobs": jobs, "failures": failures, "video_seconds": video_seconds, "images": images}
    key = {"owner": owner or OPEN_MODE, "model": model, "day": utc_day(at), "tier": tier}
    row = {**key, **deltas}
    conn.execute(_upsert(conn.dialect.name), row)


_UPSERTS: dict[str, Any] = {}


def _upsert(dialect: str) -> Any:
    """The upsert, built once per database kind and run with parameters: building it with the
    values inside was most of the cost of creating a job (bench_gateway's create)."""
    statement = _UPSERTS.get(dialect)
    if statement is None:
        base = (pg_insert if dialect == "postgresql" else sqlite_insert)(usage_counters)
        statement = base.on_conflict_do_update(
            index_elements=["owner", "model", "day", "tier"],
            set_={name: usage_counters.c[name] + base.excluded[name] for name in _COUNTERS},
        )
        _UPSERTS[dialect] = statement
    return statement


@retrying_store  # one transaction a method: a lock conflict runs it again
class UsageStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def summary(
        self, *, since: str | None = None, until: str | None = None, owner: str | None = None
    ) -> list[UsageRow]:
        """Totals per owner, model and tier over the days from `since` to `until` (inclusive,
        YYYY-MM-DD, UTC)."""
        c = usage_counters.c
        query = select(
            c.owner,
            c.model,
            c.tier,
            func.sum(c.jobs),
            func.sum(c.failures),
            func.sum(c.video_seconds),
            func.sum(c.images),
        ).group_by(c.owner, c.model, c.tier)
        if since is not None:
            query = query.where(c.day >= since)
        if until is not None:
            query = query.where(c.day <= until)
        if owner is not None:
            query = query.where(c.owner == owner)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(c.owner, c.model, c.tier)).all()
        return [
            UsageRow(
                owner=row[0] or None,
                model=row[1],
                tier=row[2],
                jobs=int(row[3]),
                failures=int(row[4]),
                video_seconds=float(row[5]),
                images=int(row[6]),
            )
            for row in rows
        ]
