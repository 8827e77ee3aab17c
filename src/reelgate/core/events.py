"""In-process notices that a job changed, for live listeners (server-sent events, the web page).

A notice carries only the job id: a listener reads the job's current state from the store, so it
can never act on a stale copy and a burst of progress updates costs one read. Workers publish
from their threads; listeners wait in the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading


class Subscription:
    """The changed job ids one listener has not consumed yet (coalesced: each id at most once)."""

    def __init__(self, hub: JobEvents, loop: asyncio.AbstractEventLoop, job_id: str | None):
        self._hub = hub
        self._loop = loop
        self.job_id = job_id
        self._pending: dict[str, None] = {}  # insertion-ordered set
        self._ready = asyncio.Event()

    def _deliver(self, job_id: str) -> None:  # runs in the listener's event loop
        self._pending[job_id] = None
        self._ready.set()

    async def changes(self) -> list[str]:
        """Wait until at least one job changed, then return every changed id in order."""
        await self._ready.wait()
        self._ready.clear()
        changed, self._pending = list(self._pending), {}
        return changed

    def close(self) -> None:
        self._hub._remove(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class JobEvents:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_job: dict[str, set[Subscription]] = {}
        self._all: set[Subscription] = set()

    def subscribe(self, job_id: str | None = None) -> Subscription:
        """Listen to one job, or to every job with `job_id=None`. Call from the event loop."""
        subscription = Subscription(self, asyncio.get_running_loop(), job_id)
        with self._lock:
            if job_id is None:
                self._all.add(subscription)
            else:
                self._by_job.setdefault(job_id, set()).add(subscription)
        return subscription

    def publish(self, job_id: str) -> None:
        """Tell listeners `job_id` changed. Safe from any thread."""
        with self._lock:
            targets = [*self._by_job.get(job_id, ()), *self._all]
        for subscription in targets:
            # RuntimeError: that listener's loop is closed, it is going away anyway.
            with contextlib.suppress(RuntimeError):
                subscription._loop.call_soon_threadsafe(subscription._deliver, job_id)

    def _remove(self, subscription: Subscription) -> None:
        with self._lock:
            if subscription.job_id is None:
                self._all.discard(subscription)
                return
            listeners = self._by_job.get(subscription.job_id)
            if listeners is not None:
                listeners.discard(subscription)
                if not listeners:
                    del self._by_job[subscription.job_id]

    @property
    def listener_count(self) -> int:
        with self._lock:
            return len(self._all) + sum(len(s) for s in self._by_job.values())
