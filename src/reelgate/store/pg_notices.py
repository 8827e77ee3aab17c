"""Job-change notices between processes, through PostgreSQL's LISTEN/NOTIFY (see notices.py).

With several API replicas and worker processes on one database, a job queued through one replica
must wake an idle worker elsewhere at once, and progress written by a worker must reach the
server-sent-event listeners of every replica. Each process publishes notices with `pg_notify`
and keeps one listening connection; what it hears (its own notices included) goes to local
callbacks. On SQLite (one machine) notices stay in-process and workers also look every second.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Protocol

import psycopg
from sqlalchemy import Engine, text

log = logging.getLogger("reelgate.notices")

CHANNEL = "reelgate_jobs"
QUEUED = ""  # the payload of "a job was queued" (job ids are never empty)
# Sent by the database itself (triggers of migration 0009) when a job's row changes, for the
# poll cache (store/recent_jobs.NotifiedJobs).
ROWS_CHANNEL = "reelgate_job_rows"


class RowChanges(Protocol):
    def listening(self, connected: bool) -> None: ...

    def changed(self, job_id: str) -> None: ...


class PostgresNotices:
    def __init__(
        self,
        engine: Engine,
        on_change: Callable[[str], None],
        on_queued: Callable[[], None],
        rows: RowChanges | None = None,
    ) -> None:
        self._engine = engine
        self._rows = rows
        self._on_change = on_change
        self._on_queued = on_queued
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    def publish(self, job_id: str) -> None:
        """Tell every process (this one included) that `job_id` changed."""
        self._notify(job_id)

    def queued(self) -> None:
        """Wake an idle worker in any process."""
        self._notify(QUEUED)

    def _notify(self, job_id: str) -> None:
        with self._engine.begin() as connection:
            notify = text("SELECT pg_notify(:channel, :job_id)")
            connection.execute(notify, {"channel": CHANNEL, "job_id": job_id})

    def start(self, timeout: float = 10.0) -> None:
        self._thread = threading.Thread(target=self._listen, name="reelgate-notices", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("could not LISTEN for job notices on the database")

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._rows is not None:
            self._rows.listening(False)

    def _dsn(self) -> str:
        url = self._engine.url.set(drivername="postgresql")
        return url.render_as_string(hide_password=False)

    def _listen(self) -> None:
        backoff = 0.5
        while not self._stopping.is_set():
            try:
                with psycopg.connect(self._dsn(), autocommit=True) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    if self._rows is not None:
                        connection.execute(f"LISTEN {ROWS_CHANNEL}")
                        self._rows.listening(True)
                    self._ready.set()
                    backoff = 0.5
                    while not self._stopping.is_set():
                        for notice in connection.notifies(timeout=1.0):
                            if notice.channel == ROWS_CHANNEL and self._rows is not None:
                                self._rows.changed(notice.payload)
                            else:
                                self._deliver(notice.payload)
            except psycopg.Error:
                if self._rows is not None:
                    self._rows.listening(False)
                log.warning("job notices: connection lost; reconnecting", exc_info=True)
                self._stopping.wait(backoff)
                backoff = min(backoff * 2, 10.0)

    def _deliver(self, payload: str) -> None:
        try:
            if payload == QUEUED:
                self._on_queued()
            else:
                self._on_change(payload)
        except Exception:  # a listener's bug must not stop notices for everyone else
            log.exception("job notices: handler failed for %r", payload)
