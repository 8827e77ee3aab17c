"""The progress sink handed to providers: throttled writes that double as lease heartbeats."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from reelgate.core.models import Phase
from reelgate.providers.base import JobCancelled, WorkerStopping
from reelgate.store.db import JobStore

__all__ = ["LeaseProgress", "WorkerStopping"]


class LeaseProgress:
    """Records progress at most every `min_interval` seconds (or on a phase change).

    Each write also extends the worker's lease; when the row is no longer ours (the job was
    deleted) the next call raises `JobCancelled`, which stops the provider at a safe point.
    """

    def __init__(
        self,
        store: JobStore,
        job_id: str,
        worker_id: str,
        lease_seconds: float,
        stopping: threading.Event,
        on_change: Callable[[str], None] = lambda _job_id: None,
        min_interval: float = 0.25,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._job_id = job_id
        self._worker_id = worker_id
        self._lease_seconds = lease_seconds
        self._stopping = stopping
        self._on_change = on_change
        self._min_interval = min_interval
        self._clock = clock
        self._last_write = 0.0
        self._last_progress = -1
        self._last_phase: Phase | None = None

    def __call__(self, progress: float, phase: Phase = Phase.RUNNING) -> None:
        if self._stopping.is_set():
            raise WorkerStopping(self._job_id)
        value = max(0, min(99, int(progress)))  # 100 is written with the completed status
        now = self._clock()
        changed = value != self._last_progress or phase is not self._last_phase
        if phase is self._last_phase and now - self._last_write < self._min_interval:
            return
        if not changed and now - self._last_write < self._lease_seconds / 3:
            return
        alive = self._store.heartbeat(
            self._job_id,
            self._worker_id,
            lease_until=now + self._lease_seconds,
            progress=value,
            phase=phase,
        )
        if not alive:
            raise JobCancelled(self._job_id)
        self._last_write, self._last_progress, self._last_phase = now, value, phase
        if changed:
            self._on_change(self._job_id)

    def remember_upstream(self, ref: str) -> None:
        """Persist the upstream job id now (and extend the lease): a worker that dies after this
        leaves a job that resumes polling `ref` instead of submitting again."""
        now = self._clock()
        if not self._store.set_upstream_ref(
            self._job_id, self._worker_id, ref, lease_until=now + self._lease_seconds
        ):
            raise JobCancelled(self._job_id)
        self._last_write = now
