"""Jobs read by id, handed out again without a query until that job changes.

Status polling reads the same job over and over, and the query (pool checkout, execution, the
reset on return) is most of its cost. A cached job is dropped when the database says it changed:

- SQLite answers in microseconds whether any connection, of this process or another, committed
  since it last asked (`PRAGMA data_version`); only then is the change log (`job_changes`,
  written by triggers: migration 0009) read for the jobs that changed.
- PostgreSQL's triggers (the same migration) send each changed job's id with `pg_notify` when
  the change commits; the process's notice listener (store/pg_notices.py) hands them to
  `NotifiedJobs.changed`. While that listener is not connected nothing is served or kept, and
  this process's own writes drop the job at once (`forget`), so a client reads its own writes
  even before the notice comes back.

So a worker writing its job's progress evicts that job alone.
"""

from __future__ import annotations

import sqlite3
import threading

from sqlalchemy import Engine

from reelgate.core.models import Job

_CAPACITY = 10_000
_CHANGES_SINCE = "SELECT seq, job_id FROM job_changes WHERE seq > ? ORDER BY seq"
_OLDEST_AND_NEWEST = "SELECT min(seq), max(seq) FROM job_changes"
EVERY_JOB = "*"  # a notice whose job is unknown: drop everything

# What `get` hands to `keep`: the change position the read started after (None: keep
# nothing, the changes could not be followed).
Token = int | None


class RecentJobs:
    """The cache and its rule: a read is kept only if its job did not change after the read
    began. Subclasses say where changes come from (`_catch_up`)."""

    def __init__(self, capacity: int = _CAPACITY) -> None:
        self._capacity = capacity
        self._lock = threading.Lock()
        self._seen: int | None = None  # the newest change taken into account
        self._forgot_all_at = -1  # reads that started before this position are not kept
        self._changed: dict[str, int] = {}  # job id -> its newest change seen
        self._jobs: dict[tuple[str, bool], Job] = {}  # by (id, with its generations)

    @staticmethod
    def for_engine(engine: Engine) -> RecentJobs | None:
        database = engine.url.database
        if engine.dialect.name == "postgresql":
            return NotifiedJobs()
        if engine.dialect.name != "sqlite" or not database or database == ":memory:":
            return None
        return SqliteRecentJobs(database)

    def get(self, job_id: str, with_generations: bool) -> tuple[Job | None, Token]:
        """The cached job, or None (read it, then `keep` it with the token returned here)."""
        with self._lock:
            token = self._catch_up()
            return self._jobs.get((job_id, with_generations)), token

    def keep(self, job: Job, token: Token, with_generations: bool) -> None:
        """Cache `job`, read after `get` returned `token`, unless the job changed since (then
        the read may predate that change)."""
        with self._lock:
            if token is None or self._catch_up() is None or token < self._forgot_all_at:
                return
            if self._changed.get(job.id, -1) > token:
                return
            if len(self._jobs) >= self._capacity:
                self._forget_all()
            self._jobs[(job.id, with_generations)] = job

    def forget(self, job_id: str) -> None:
        """This process changed the job: drop it now, and keep no read that began before."""
        with self._lock:
            if self._seen is not None:
                self._seen += 1
                self._drop(job_id, self._seen)

    def close(self) -> None:
        with self._lock:
            self._forget_all()

    def _catch_up(self) -> Token:
        raise NotImplementedError

    def _drop(self, job_id: str, position: int) -> None:
        if job_id == EVERY_JOB:
            self._forget_all()
            return
        self._jobs.pop((job_id, False), None)
        self._jobs.pop((job_id, True), None)
        self._changed[job_id] = position
        if len(self._changed) > self._capacity:
            self._forget_all()

    def _forget_all(self) -> None:
        self._jobs.clear()
        self._changed.clear()
        if self._seen is not None:
            self._forgot_all_at = self._seen


class SqliteRecentJobs(RecentJobs):
    def __init__(self, database_path: str, capacity: int = _CAPACITY) -> None:
        super().__init__(capacity)
        self._path = database_path
        self._watch: sqlite3.Connection | None = None  # opened at first use, only asks
        self._version: int | None = None  # data_version when the log was last read

    def close(self) -> None:
        super().close()
        with self._lock:
            if self._watch is not None:
                self._watch.close()
                self._watch = None

    def forget(self, job_id: str) -> None:
        """Nothing to do: SQLite's change log already has the write once it commits."""

    def _catch_up(self) -> Token:
        """Drop the jobs that changed since the last look; the change-log position now. None
        when SQLite could not say (busy, closed): then nothing is served or kept."""
        try:
            if self._watch is None:
                self._watch = sqlite3.connect(
                    self._path, check_same_thread=False, isolation_level=None
                )
            # fetchall steps each statement to its end, so no read transaction stays open.
            version: int = self._watch.execute("PRAGMA data_version").fetchall()[0][0]
            if version != self._version or self._seen is None:
                self._read_changes()
                self._version = version
        except sqlite3.Error:
            self._forget_all()
            self._version = self._seen = None
            return None
        return self._seen

    def _read_changes(self) -> None:
        assert self._watch is not None
        oldest, newest = self._watch.execute(_OLDEST_AND_NEWEST).fetchall()[0]
        if self._seen is None or (oldest is not None and oldest > self._seen + 1):
            # First look, or entries were trimmed before this process saw them.
            self._forget_all()
            self._seen = newest or 0
            self._forgot_all_at = self._seen
            return
        for seq, job_id in self._watch.execute(_CHANGES_SINCE, (self._seen,)).fetchall():
            self._drop(job_id, seq)
            self._seen = seq


class NotifiedJobs(RecentJobs):
    """PostgreSQL: changes arrive as notices, counted as they come. Serves nothing until a
    listener says it is connected (`listening`), and forgets everything when it is not."""

    def listening(self, connected: bool) -> None:
        """The notice listener (re)connected, or lost its connection: notices may have been
        missed either way, so everything cached is dropped."""
        with self._lock:
            self._seen = (self._seen or 0) + 1
            self._forget_all()
            if not connected:
                self._seen = None

    def changed(self, job_id: str) -> None:
        """A notice: `job_id` (or EVERY_JOB) changed in a commit of some process."""
        self.forget(job_id)

    def _catch_up(self) -> Token:
        return self._seen
