"""Which errors are storage faults, and the words a client reads for each (`store/faults.py`).

The database's own disk-full errors are real ones: SQLite's SQLITE_FULL from a database held to a
few pages, PostgreSQL's disk_full (SQLSTATE 53100) as psycopg raises it, both wrapped the way
SQLAlchemy hands them to the app.
"""

from __future__ import annotations

import errno
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError, OperationalError

from reelgate.core.faults import server_condition
from reelgate.store.faults import DATABASE_FULL, StorageFailed, storage_fault


def sqlite_full(tmp_path: Path) -> DBAPIError:
    """What SQLAlchemy raises when SQLite cannot grow its file."""
    engine = create_engine(f"sqlite:///{tmp_path / 'tiny.sqlite3'}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x BLOB)"))
        with pytest.raises(OperationalError) as full, engine.begin() as conn:
            conn.execute(text("PRAGMA max_page_count = 3"))
            for _ in range(100):
                conn.execute(text("INSERT INTO t VALUES (zeroblob(4096))"))
        return full.value
    finally:
        engine.dispose()


def test_sqlite_full_is_a_storage_fault(tmp_path: Path):
    full = sqlite_full(tmp_path)
    assert "database or disk is full" in str(full.orig)
    assert storage_fault(full) == DATABASE_FULL
    assert server_condition(full) == "Storage failed: The database's disk is full."


def test_postgresql_disk_full_is_a_storage_fault():
    orig = psycopg.errors.DiskFull("could not extend file base/16384/2619: No space left")
    wrapped = OperationalError("INSERT INTO jobs ...", {}, orig)
    assert storage_fault(wrapped) == DATABASE_FULL
    assert server_condition(wrapped) == DATABASE_FULL


def test_a_full_blob_disk_is_said_by_its_errno_alone():
    exc = OSError(errno.ENOSPC, "No space left on device", "/srv/data/blobs/jobs/x/video.mp4")
    message = storage_fault(exc)
    assert message == "Storage failed: No space left on device (ENOSPC)."
    assert storage_fault(OSError(errno.EDQUOT, "Disk quota exceeded")) == (
        "Storage failed: Disk quota exceeded (EDQUOT)."
    )
    assert storage_fault(StorageFailed("the object store refused the upload")) == (
        "Storage failed: the object store refused the upload."
    )


def test_other_database_errors_are_not_storage_faults():
    syntax = psycopg.errors.SyntaxError("syntax error at or near SELEC")
    assert storage_fault(OperationalError("SELEC 1", {}, syntax)) is None
    assert storage_fault(RuntimeError("boom")) is None
