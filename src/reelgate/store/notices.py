"""Who hears that a job changed: this process only (SQLite), or every process (PostgreSQL).

Two kinds of notice: a job changed (for live listeners) and a job was queued (to wake an idle
worker). Callers publish through `publish` / `queued`; what is heard goes to the callbacks given
at construction. Same interface for both databases.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import Engine

from reelgate.store.engine import is_postgresql

if TYPE_CHECKING:
    from reelgate.store.pg_notices import RowChanges


class Notices(Protocol):
    def publish(self, job_id: str) -> None: ...

    def queued(self) -> None: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...


class LocalNotices:
    """One process: a notice goes straight to this process's callback."""

    def __init__(self, on_change: Callable[[str], None], on_queued: Callable[[], None]) -> None:
        self.publish = on_change
        self.queued = on_queued

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass


def notices_for(
    engine: Engine,
    on_change: Callable[[str], None],
    on_queued: Callable[[], None],
    rows: RowChanges | None = None,
) -> Notices:
    """`rows`: told of every job row that changes (PostgreSQL: the poll cache of a server)."""
    if is_postgresql(engine):
        from reelgate.store.pg_notices import PostgresNotices

        return PostgresNotices(engine, on_change, on_queued, rows)
    return LocalNotices(on_change, on_queued)
