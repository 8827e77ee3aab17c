"""Idempotency records: which job a client's `Idempotency-Key` made, and from what request.

A record is written in the same transaction as its job, and the (scope, key) pair is the
primary key: of two identical requests racing, exactly one job is made and the other request
finds it. Records older than the retention window are forgotten, freeing the key.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.engine import Connection

from reelgate.store.retry import retrying_store
from reelgate.store.schema import idempotency_keys

OPEN_SCOPE = ""  # open mode's jobs have no owner


class KeyAlreadyClaimed(Exception):
    """Another request claimed this Idempotency-Key first (its job exists now)."""


@dataclass(frozen=True)
class IdempotencyRecord:
    fingerprint: str
    job_id: str
    created_at: float


def scope_of(owner: str | None) -> str:
    return owner or OPEN_SCOPE


def record(
    conn: Connection, *, owner: str | None, key: str, fingerprint: str, job_id: str, now: float
) -> None:
    """Claim the key for `job_id` (raises IntegrityError when another request holds it)."""
    conn.execute(
        insert(idempotency_keys).values(
            scope=scope_of(owner), key=key, fingerprint=fingerprint, job_id=job_id, created_at=now
        )
    )


@retrying_store  # one transaction a method: a lock conflict runs it again
class IdempotencyStore:
    def __init__(self, engine: Engine, window_seconds: float) -> None:
        self.engine = engine
        self.window_seconds = window_seconds

    def find(self, owner: str | None, key: str, now: float) -> IdempotencyRecord | None:
        """The live record of a key, dropping it first if it outlived the window."""
        c = idempotency_keys.c
        where = (c.scope == scope_of(owner)) & (c.key == key)
        with self.engine.begin() as conn:
            conn.execute(
                delete(idempotency_keys).where(where, c.created_at < now - self.window_seconds)
            )
            row = conn.execute(select(c.fingerprint, c.job_id, c.created_at).where(where)).first()
        return IdempotencyRecord(*row) if row else None

    def sweep(self, now: float) -> int:
        """Forget every record older than the window; how many went."""
        c = idempotency_keys.c
        with self.engine.begin() as conn:
            result = conn.execute(
                delete(idempotency_keys).where(c.created_at < now - self.window_seconds)
            )
        return result.rowcount
