"""Jobs read by id, handed out again without a query until the SQLite database changes.

Status polling reads the same job over and over, and the query (pool checkout, execution, the
reset on return) is most of its cost. SQLite answers in microseconds whether any connection, of
this process or another, committed since it last asked (`PRAGMA data_version`), so every cached
job is dropped at the first commit anywhere: a cached job is never older than the database.
PostgreSQL has no such cheap question; there every read is a query (`for_engine` returns None).
"""

from __future__ import annotations

import sqlite3
import threading

from sqlalchemy import Engine

from reelgate.core.models import Job

_CAPACITY = 10_000


class RecentJobs:
    def __init__(self, database_path: str, capacity: int = _CAPACITY) -> None:
        self._path = database_path
        self._capacity = capacity
        self._lock = threading.Lock()
        self._watch: sqlite3.Connection | None = None  # opened at first use, only asks
        self._version: int | None = None
        self._jobs: dict[tuple[str, bool], Job] = {}  # by (id, with its generations)

    @classmethod
    def for_engine(cls, engine: Engine) -> RecentJobs | None:
        database = engine.url.database
        if engine.dialect.name != "sqlite" or not database or database == ":memory:":
            return None
        return cls(database)

    def get(self, job_id: str, with_generations: bool) -> tuple[Job | None, int | None]:
        """The cached job, or None (read it, then `keep` it with the version returned here)."""
        with self._lock:
            version = self._database_version()
            return self._jobs.get((job_id, with_generations)), version

    def keep(self, job: Job, version: int | None, with_generations: bool) -> None:
        """Cache `job`, read after `get` returned `version`, unless the database changed since
        (then the read may predate a commit that nobody has checked for yet)."""
        with self._lock:
            if version is None or version != self._version:
                return
            if len(self._jobs) >= self._capacity:
                self._jobs.clear()
            self._jobs[(job.id, with_generations)] = job

    def close(self) -> None:
        with self._lock:
            if self._watch is not None:
                self._watch.close()
                self._watch = None
            self._jobs.clear()

    def _database_version(self) -> int | None:
        """Changes whenever another connection commits; the cache is emptied when it does.
        None when SQLite could not say (busy, closed): then nothing is served or kept."""
        try:
            if self._watch is None:
                self._watch = sqlite3.connect(
                    self._path, check_same_thread=False, isolation_level=None
                )
            # fetchall steps the statement to its end, so no read transaction stays open.
            version: int = self._watch.execute("PRAGMA data_version").fetchall()[0][0]
        except sqlite3.Error:
            self._jobs.clear()
            self._version = None
            return None
        if version != self._version:
            self._jobs.clear()
            self._version = version
        return version
