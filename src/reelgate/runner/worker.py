"""In-process workers: claim a job (with a lease), run its provider, store the outputs.

A worker that dies leaves its lease to run out; any worker (in this process after a restart, or
another process sharing the database) then claims the job again: the preview engine re-renders
it from the start, an upstream provider resumes polling the upstream job recorded on the row.

Providers with a concurrency limit are only claimed for while they have room (queued jobs wait,
they are not refused); a job whose provider refuses it or cannot be reached at submission goes
to the next provider of its model's fallback list.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Collection
from pathlib import Path
from typing import TypeVar

from reelgate.config import Settings
from reelgate.core.ids import new_generation_id
from reelgate.core.job_inputs import output_prefix
from reelgate.core.models import (
    Asset,
    AssetVariant,
    Generation,
    Job,
    JobError,
    Phase,
    VideoSpec,
)
from reelgate.core.retention import expiry_after
from reelgate.media.errors import InvalidMediaError
from reelgate.providers.base import InpaintLayer, JobCancelled, RenderedVideo, VideoTask
from reelgate.providers.registry import ProviderRegistry, UnknownModel
from reelgate.providers.upstream.errors import SubmitFailed, UpstreamError
from reelgate.runner.progress import LeaseProgress, WorkerStopping
from reelgate.runner.storage_retry import ClaimBackoff, with_storage_retries
from reelgate.scenarios.execution import ScriptedOutcome, expiry, scripted_run
from reelgate.store.blob_storage import BlobStorage
from reelgate.store.db import JobStore
from reelgate.store.faults import STORAGE_ERROR, storage_fault

log = logging.getLogger("reelgate.worker")
T = TypeVar("T")

_MEDIA_TYPES = {
    AssetVariant.VIDEO: ("video.mp4", "video/mp4"),
    AssetVariant.VIDEO_LOW: ("video-low.mp4", "video/mp4"),
    AssetVariant.THUMBNAIL: ("thumbnail.webp", "image/webp"),
    AssetVariant.THUMBNAIL_JPEG: ("thumbnail.jpg", "image/jpeg"),
    AssetVariant.SPRITESHEET: ("spritesheet.jpg", "image/jpeg"),
}


class SourceUnavailable(Exception):
    """The video a remix/edit/extension starts from is gone (deleted since the job was made)."""


class WorkerPool:
    def __init__(
        self,
        store: JobStore,
        blobs: BlobStorage,
        providers: ProviderRegistry,
        settings: Settings,
        on_change: Callable[[str], None] = lambda _job_id: None,
        clock: Callable[[], float] = time.time,
        only_providers: Collection[str] | None = None,
    ) -> None:
        self.store = store
        self._only_providers = only_providers
        self._on_change = on_change
        self.blobs = blobs
        self.providers = providers
        self.settings = settings
        self._clock = clock
        self._wake = threading.Condition()
        self._pending_wakeups = 0
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._instance = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._claiming = threading.Lock()  # one claim at a time here keeps limits exact

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self, count: int) -> None:
        for number in range(count):
            worker_id = f"{self._instance}-{number}"
            thread = threading.Thread(
                target=self._loop, args=(worker_id,), name=f"reelgate-worker-{number}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop claiming; running jobs stop at their next progress report and are re-queued."""
        self._stopping.set()
        with self._wake:
            self._wake.notify_all()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads.clear()

    def wake(self) -> None:
        """Called when a job is queued, so an idle worker starts at once instead of polling."""
        with self._wake:
            self._pending_wakeups += 1
            self._wake.notify()

    def _loop(self, worker_id: str) -> None:
        backoff = ClaimBackoff(self.settings.storage_retry_seconds)
        while not self._stopping.is_set():
            try:
                ran = self.run_one(worker_id)
                pause = backoff.reset()
            except Exception as exc:
                fault = storage_fault(exc)
                if fault is None:  # a bug in the runner itself: keep the worker alive
                    log.exception("worker %s: unexpected error", worker_id)
                    pause = backoff.reset()
                else:  # a full disk: one line, and a longer wait each time, not a traceback/s
                    pause = backoff.fault()
                    log.error("worker %s: %s Trying again in %.1f s.", worker_id, fault, pause)
                ran = False
            if not ran:
                with self._wake:
                    if self._pending_wakeups == 0 and not self._stopping.is_set():
                        self._wake.wait(timeout=pause)
                    self._pending_wakeups = max(0, self._pending_wakeups - 1)

    # -- one job -------------------------------------------------------------------------------

    def run_one(self, worker_id: str) -> bool:
        """Claim and run one job. False when there was nothing to do."""
        job = self._claim(worker_id)
        if job is None:
            return False
        self._on_change(job.id)
        if job.attempts > self.settings.max_attempts:
            self._fail(
                job,
                worker_id,
                "internal_error",
                f"The job was interrupted {job.attempts - 1} times and was given up.",
            )
            return True
        workdir = self.blobs.staging_dir(job.id)
        try:
            self._run(job, worker_id, workdir)
        except WorkerStopping:
            self.store.release_job(job.id, worker_id)
            self._on_change(job.id)
        except ScriptedOutcome as outcome:
            self._end_as_scripted(job, worker_id, outcome)
        except JobCancelled:
            self.blobs.delete_prefix(output_prefix(job.id))
        except SubmitFailed as exc:
            self._fall_back(job, worker_id, exc)
        except UpstreamError as exc:
            log.warning("job %s failed upstream: %s", job.id, exc)
            self._fail(job, worker_id, exc.code, str(exc))
        except SourceUnavailable as exc:
            self._fail(job, worker_id, "invalid_source", str(exc))
        except InvalidMediaError as exc:
            self._fail(job, worker_id, "invalid_input", str(exc))
        except Exception as exc:
            fault = storage_fault(exc)
            if fault is not None:  # disk full, permission denied: the server's, said plainly
                log.error("job %s failed: %s (%s)", job.id, fault, exc)
                shutil.rmtree(workdir, ignore_errors=True)  # room to record the failure
                self._fail(job, worker_id, STORAGE_ERROR, fault)
            else:
                log.exception("job %s failed", job.id)
                self._fail(job, worker_id, "internal_error", f"Rendering failed: {exc}")
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        return True

    def _run(self, job: Job, worker_id: str, workdir: Path) -> None:
        progress = LeaseProgress(
            self.store,
            job.id,
            worker_id,
            self.settings.lease_seconds,
            self._stopping,
            on_change=self._on_change,
        )
        try:
            provider = self.providers.get(job.provider)
        except KeyError:
            self._fail(
                job,
                worker_id,
                "provider_unavailable",
                f"The provider '{job.provider}' that this job was made for is not configured.",
            )
            return
        task = self._task(job, workdir / "inputs")
        # A scenario (reelgate as a test double) paces the run and may end it as scripted.
        script = scripted_run(job.spec.scenario, progress)
        rendered = provider.generate_video(task, workdir, script or progress)
        if script is not None:
            script.finish()
        progress(99, Phase.PROCESSING)
        produced = [self._store_outputs(job, item) for item in rendered]
        now = self._clock()
        expires_at = expiry(job.spec.scenario, now)  # a scenario's, else the retention's
        if expires_at is None:
            expires_at = expiry_after(now, self.settings.retention_seconds)
        if not self.store.complete_job(job.id, worker_id, now, produced, expires_at=expires_at):
            # Deleted while we were finishing: drop what we just stored.
            self.blobs.delete_prefix(output_prefix(job.id))
            return
        self._on_change(job.id)
        log.info("job %s completed (%d output(s))", job.id, len(produced))

    def _task(self, job: Job, inputs: Path) -> VideoTask:
        """The provider's task; stored inputs become local files (downloaded into `inputs`
        where the store is remote)."""
        spec = job.spec
        source_video: Path | None = None
        source_prompt: str | None = None
        source_upstream_ref: str | None = None
        if spec.source_job_id is not None:
            source = self.store.get_job(spec.source_job_id, with_generations=True)
            asset = None
            if source is not None and source.generations:
                asset = source.generations[0].assets.get(AssetVariant.VIDEO)
            if source is None or asset is None or not self.blobs.exists(asset.blob_key):
                raise SourceUnavailable(
                    f"The source video '{spec.source_job_id}' no longer exists."
                )
            source_video = self.blobs.local_file(asset.blob_key, inputs)
            source_prompt = source.spec.prompt
            if source.provider == job.provider:
                source_upstream_ref = source.upstream_ref
        elif spec.source_video_key is not None:
            source_video = self.blobs.local_file(spec.source_video_key, inputs)
        reference = (
            self.blobs.local_file(spec.reference_image_key, inputs)
            if spec.reference_image_key
            else None
        )
        inpaint = tuple(
            InpaintLayer(
                path=self.blobs.local_file(item.blob_key, inputs),
                kind=item.kind,
                frame_index=item.frame_index,
                left=item.left,
                top=item.top,
                right=item.right,
                bottom=item.bottom,
            )
            for item in spec.inpaint
        )
        upstream_model, parameters = self.providers.upstream_request(
            spec.model_now(job.model), job.provider
        )
        return VideoTask(
            job_id=job.id,
            prompt=spec.prompt,
            width=spec.width,
            height=spec.height,
            seconds=spec.seconds,
            fps=spec.fps,
            n_variants=spec.n_variants,
            seed=spec.seed,
            operation=spec.operation,
            reference_image=reference,
            source_video=source_video,
            source_prompt=source_prompt,
            inpaint=inpaint,
            characters=spec.characters,
            negative_prompt=spec.negative_prompt,
            upstream_model=upstream_model,
            upstream_parameters=parameters,
            upstream_ref=job.upstream_ref,
            source_upstream_ref=source_upstream_ref,
        )

    def _store_outputs(self, job: Job, item: RenderedVideo) -> Generation:
        stored: dict[AssetVariant, Asset] = {}
        for variant, path in item.files.items():
            name, media_type = _MEDIA_TYPES[variant]
            key = f"{output_prefix(job.id)}/{item.index}/{name}"
            blob = self._retrying(f"job {job.id}: storing {name}", self.blobs.put_file, key, path)
            stored[variant] = Asset(
                variant=variant,
                media_type=media_type,
                size=blob.size,
                sha256=blob.sha256,
                blob_key=blob.key,
            )
        return Generation(
            id=new_generation_id(),
            job_id=job.id,
            index=item.index,
            width=item.width,
            height=item.height,
            # A container that states no duration (some upstreams' files) is taken to last what
            # was asked: never billed, nor shown, as zero seconds.
            seconds=item.seconds if item.seconds > 0 else float(_asked_seconds(job)),
            assets=stored,
        )

    def _claim(self, worker_id: str) -> Job | None:
        """The oldest runnable job among providers with room to run one more."""
        limits = self.providers.concurrency()
        now = self._clock()
        lease = self.settings.lease_seconds
        if not limits:
            return self.store.claim_job(worker_id, now, lease, self._only_providers)
        with self._claiming:
            running = self.store.running_by_provider(now)
            full = {name for name, limit in limits.items() if running.get(name, 0) >= limit}
            allowed = self._only_providers
            if full:
                allowed = set(allowed if allowed is not None else self.providers.names()) - full
                if not allowed:
                    return None
            job = self.store.claim_job(worker_id, now, lease, allowed)
            if job is None or job.provider not in limits:
                return job
            # Another process may have claimed for the same provider at the same moment.
            if self.store.running_by_provider(now).get(job.provider, 0) > limits[job.provider]:
                self.store.release_job(job.id, worker_id)
                return None
            return job

    def _fall_back(self, job: Job, worker_id: str, exc: SubmitFailed) -> None:
        """The provider did not take the job: the next in the request's own fallbacks, else in
        the model's list in the routing file, gets it."""
        spec = job.spec
        handed: VideoSpec | None = None
        if isinstance(spec, VideoSpec) and spec.fallbacks:
            following = None
            if spec.fallback_index < len(spec.fallbacks):
                handed = spec.model_copy(update={"fallback_index": spec.fallback_index + 1})
                try:
                    following = self.providers.provider_for_model(handed.model_now(job.model))
                except UnknownModel:  # the routing file changed since the job was made
                    following = None
        else:
            following = self.providers.next_provider(job.model, job.provider)
        if following is None:
            self._fail(job, worker_id, exc.cause.code, str(exc.cause))
            return
        log.warning("job %s: %s; falling back to %s", job.id, exc.cause, following)
        if self.store.hand_over(job.id, worker_id, following, handed):
            self._on_change(job.id)
            self.wake()

    def _end_as_scripted(self, job: Job, worker_id: str, outcome: ScriptedOutcome) -> None:
        """A scenario's failure or cancellation: recorded at the progress it was scripted at."""
        now = self._clock()
        lease_until = now + self.settings.lease_seconds
        self.store.heartbeat(job.id, worker_id, lease_until=lease_until, progress=outcome.progress)
        self.store.fail_job(job.id, now, outcome.error, worker_id, status=outcome.status)
        self.blobs.delete_prefix(output_prefix(job.id))
        self._on_change(job.id)

    def _fail(self, job: Job, worker_id: str, code: str, message: str) -> None:
        """Record the failure; its outputs go first, which may be the room a full disk needs.
        Still full after the retries: the job is left to its lease (nothing can be written)."""
        self.blobs.delete_prefix(output_prefix(job.id))
        error = JobError(code=code, message=message)
        try:
            self._retrying(
                f"job {job.id}: recording its failure",
                self.store.fail_job,
                job.id,
                self._clock(),
                error,
                worker_id,
            )
        except Exception as exc:
            fault = storage_fault(exc)
            if fault is None:
                raise
            log.error("job %s: its failure could not be recorded: %s", job.id, fault)
            return
        self._on_change(job.id)

    def _retrying(self, what: str, action: Callable[..., T], *args: object) -> T:
        """`action(*args)`, tried again while it meets a full or failing disk."""
        return with_storage_retries(
            lambda: action(*args),
            what=what,
            retries=self.settings.storage_retries,
            first_pause=self.settings.storage_retry_seconds,
            stopping=self._stopping,
            log=log,
        )


def _asked_seconds(job: Job) -> int:
    return job.spec.seconds if isinstance(job.spec, VideoSpec) else 0
