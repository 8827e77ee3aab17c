"""`reelgate worker`: a process that only runs jobs, beside any number of API replicas.

It shares the database (and the data directory or object store) with them; on PostgreSQL it
hears queued jobs at once through LISTEN/NOTIFY, elsewhere it looks every second.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Collection

from reelgate.config import Settings
from reelgate.providers.registry import ProviderRegistry
from reelgate.runner.worker import WorkerPool
from reelgate.store.connect import open_store
from reelgate.store.notices import notices_for
from reelgate.store.open_blobs import open_blob_store

log = logging.getLogger("reelgate.worker")


def run_worker(
    settings: Settings,
    registry: ProviderRegistry,
    concurrency: int,
    only_providers: Collection[str] | None = None,
) -> None:
    """Run jobs until SIGTERM or SIGINT; running jobs then stop at their next progress step and
    go back to the queue for another worker."""
    store = open_store(settings.database)
    blobs = open_blob_store(settings)
    notices = notices_for(
        store.engine, on_change=lambda _job_id: None, on_queued=lambda: pool.wake()
    )
    pool = WorkerPool(
        store, blobs, registry, settings, on_change=notices.publish, only_providers=only_providers
    )
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    notices.start()
    pool.start(concurrency)
    served = ", ".join(sorted(only_providers)) if only_providers else "all"
    log.info("worker running %d job(s) at a time (providers: %s)", concurrency, served)
    try:
        stopping.wait()
    finally:
        log.info("worker stopping: handing running jobs back to the queue")
        pool.stop()
        notices.stop()
        store.close()
