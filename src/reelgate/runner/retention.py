"""The periodic sweep: expired media, media that belongs to no job, staging of dead processes.

Runs in every `reelgate serve` process (a thread, like the workers). Each pass:

1. with `retention_seconds` set, gives completed jobs without an expiry one (`completed_at` +
   retention), so turning retention on also covers what was made before;
2. deletes the files of jobs past `expires_at`, then their asset rows (files first: a crash in
   between leaves rows that the next pass finds again, never files that nothing points to);
3. deletes `jobs/<id>` and `inputs/<id>` folders whose job row does not exist and that nobody
   wrote to for `ORPHAN_GRACE_SECONDS` (inputs are stored just before their job row is written,
   and an image's inputs wait for its render: young folders are work in progress);
4. removes what dead processes of this host left in staging;
5. forgets `Idempotency-Key` records older than their window, and tombstones of deleted jobs
   older than an hour (`store/tombstones.py`).

Every step is idempotent, so processes sharing a database and a store may sweep at the same time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from reelgate.config import Settings
from reelgate.core.job_inputs import input_prefix, output_prefix
from reelgate.store.blob_storage import BlobStorage
from reelgate.store.idempotency import IdempotencyStore
from reelgate.store.retention import RetentionStore
from reelgate.store.tombstones import TombstoneStore

log = logging.getLogger("reelgate.retention")

ORPHAN_GRACE_SECONDS = 3600.0
_JOB_FOLDERS = ("jobs", "inputs")


class RetentionSweep:
    def __init__(
        self,
        store: RetentionStore,
        blobs: BlobStorage,
        settings: Settings,
        on_change: Callable[[str], None] = lambda _job_id: None,
        clock: Callable[[], float] = time.time,
        idempotency: IdempotencyStore | None = None,
        tombstones: TombstoneStore | None = None,
    ) -> None:
        self.store = store
        self.idempotency = idempotency
        self.tombstones = tombstones
        self.blobs = blobs
        self.settings = settings
        self._on_change = on_change
        self._clock = clock
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="reelgate-retention", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stopping.wait(self.settings.retention_sweep_seconds):
            self.sweep()

    def sweep(self) -> None:
        """One pass; a step that fails is logged and tried again at the next pass."""
        steps = (
            self._backfill, self._expire, self._orphans, self.blobs.clear_staging,
            self._forget_old_records,
        )  # fmt: skip
        for step in steps:
            if self._stopping.is_set():
                return
            try:
                step()
            except Exception:
                log.exception("retention sweep: %s failed", getattr(step, "__name__", step))

    def _forget_old_records(self) -> None:
        if self.idempotency is not None:
            self.idempotency.sweep(self._clock())
        if self.tombstones is not None:
            self.tombstones.forget(self._clock())

    def _backfill(self) -> None:
        if self.settings.retention_seconds:
            self.store.backfill_expiry(self.settings.retention_seconds)

    def _expire(self) -> None:
        while not self._stopping.is_set():
            expired = self.store.expired_with_assets(self._clock())
            for job_id in expired:
                self.blobs.delete_prefix(output_prefix(job_id))
                self.blobs.delete_prefix(input_prefix(job_id))
                self.store.drop_assets(job_id)
                self._on_change(job_id)
            if expired:
                log.info("retention: removed the media of %d expired job(s)", len(expired))
            else:
                return

    def _orphans(self) -> None:
        old_enough = self._clock() - ORPHAN_GRACE_SECONDS
        for parent in _JOB_FOLDERS:
            names = self.blobs.folders(parent)
            known = self.store.existing_jobs(names)
            for name in names:
                if name in known:
                    continue
                prefix = f"{parent}/{name}"
                modified = self.blobs.last_modified(prefix)
                if modified is None or modified < old_enough:
                    self.blobs.delete_prefix(prefix)
                    log.info("retention: removed %s, which belongs to no job", prefix)
