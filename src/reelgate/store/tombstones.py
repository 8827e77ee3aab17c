"""What is left of a deleted job for a while: its id, its owner and when it went.

An all-jobs event stream resumed with `Last-Event-ID` learns that a job changed, finds it gone,
and must tell its key of the deletion only if the job was that key's: the tombstone says. The
journal a stream resumes from reaches back minutes, so tombstones are forgotten after an hour.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.engine import Connection

from reelgate.store.retry import retrying_store
from reelgate.store.schema import job_tombstones

KEPT_SECONDS = 3600.0


@dataclass(frozen=True)
class Tombstone:
    owner: str | None  # None: made in open mode
    deleted_at: float


def bury(conn: Connection, job_id: str, owner: str | None, at: float) -> None:
    """Leave a tombstone, in the transaction that deletes the job."""
    conn.execute(insert(job_tombstones).values(id=job_id, owner=owner, deleted_at=at))


@retrying_store  # one transaction a method: a lock conflict runs it again
class TombstoneStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def find(self, job_id: str) -> Tombstone | None:
        query = select(job_tombstones.c.owner, job_tombstones.c.deleted_at).where(
            job_tombstones.c.id == job_id
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else Tombstone(row.owner, row.deleted_at)

    def forget(self, now: float) -> int:
        """Forget tombstones older than `KEPT_SECONDS`; how many went."""
        old = delete(job_tombstones).where(job_tombstones.c.deleted_at < now - KEPT_SECONDS)
        with self.engine.begin() as conn:
            return conn.execute(old).rowcount
