"""Conditions of the server a request can meet, told apart from bugs: a full or unwritable disk,
a database that stayed busy through every retry. Each is said in words fit for a client (built
from the errno or the condition alone, never a server path)."""

from __future__ import annotations

from reelgate.store.faults import storage_fault
from reelgate.store.retry import is_transient

DATABASE_BUSY = "The database is busy; try again shortly."


def server_condition(exc: BaseException) -> str | None:
    """What a client reads when `exc` is a condition of the server; None for anything else."""
    if is_transient(exc):
        return DATABASE_BUSY
    return storage_fault(exc)
