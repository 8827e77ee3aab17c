"""Recognising storage faults (disk full, permission denied, read-only, I/O error).

A full disk or an unwritable data directory is a condition of the server, not a bug and not the
client's mistake: a job that hits one fails with the code `storage_error`, a request that hits one
answers 503, and both say which condition it was in words built from the errno alone (the
exception's own text names server paths, which clients must not see).

The database is storage too: SQLite's "database or disk is full" (SQLITE_FULL) and PostgreSQL's
disk_full (SQLSTATE 53100) arrive wrapped in SQLAlchemy's `DBAPIError`, and mean the same thing
as ENOSPC from a blob write.
"""

from __future__ import annotations

import errno
import os
import sqlite3

from sqlalchemy.exc import DBAPIError

STORAGE_ERROR = "storage_error"

_STORAGE_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EACCES, errno.EPERM, errno.EROFS, errno.EIO}
)

DATABASE_FULL = "Storage failed: The database's disk is full."
DATABASE_IO = "Storage failed: The database could not read or write its files."
DATABASE_READ_ONLY = "Storage failed: The database is read-only."
# Primary result codes (the low byte of an extended code such as SQLITE_IOERR_WRITE).
_SQLITE_FAULTS = {
    sqlite3.SQLITE_FULL: DATABASE_FULL,
    sqlite3.SQLITE_IOERR: DATABASE_IO,
    sqlite3.SQLITE_READONLY: DATABASE_READ_ONLY,
}
# PostgreSQL: disk_full, io_error.
_PG_FAULTS = {"53100": DATABASE_FULL, "58030": DATABASE_IO}
_SQLITE_FULL_WORDS = "database or disk is full"


class StorageFailed(OSError):
    """A blob store that is not a filesystem (an object store) could not be written or read."""

    def __init__(self, reason: str) -> None:
        super().__init__(errno.EIO, reason)
        self.reason = reason


def storage_fault(exc: BaseException) -> str | None:
    """What went wrong with storage, in words fit for a client, if `exc` (or what caused it) is a
    storage fault; None for anything else."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, StorageFailed):
            return f"Storage failed: {current.reason}."
        if isinstance(current, OSError) and current.errno in _STORAGE_ERRNOS:
            name = errno.errorcode[current.errno]
            return f"Storage failed: {os.strerror(current.errno)} ({name})."
        database = _database_fault(current.orig if isinstance(current, DBAPIError) else current)
        if database is not None:
            return database
        current = current.__cause__ or current.__context__
    return None


def _database_fault(exc: BaseException | None) -> str | None:
    """The storage condition a database driver's error reports (SQLite or psycopg), if any."""
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        if code is not None:
            return _SQLITE_FAULTS.get(code & 0xFF)
        return DATABASE_FULL if _SQLITE_FULL_WORDS in str(exc) else None
    sqlstate = getattr(exc, "sqlstate", None)
    return _PG_FAULTS.get(sqlstate) if isinstance(sqlstate, str) else None
