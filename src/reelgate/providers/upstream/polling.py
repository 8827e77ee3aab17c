"""The life of one upstream job: submit once, persist the upstream id, poll, fetch.

The order is the point. The upstream id is written to the job row (through the progress sink,
while the worker holds the lease) BEFORE the first wait, so a worker that dies while polling
leaves a job that the next worker resumes by polling the same upstream job: a job is submitted
upstream at most once per provider. Every wait heartbeats the lease, so a long upstream job
never looks like a dead worker.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from reelgate.core.models import AssetVariant, Phase
from reelgate.providers.base import (
    JobCancelled,
    ProgressSink,
    RenderedVideo,
    VideoTask,
    WorkerStopping,
)
from reelgate.providers.upstream.assets import complete_assets
from reelgate.providers.upstream.errors import (
    SubmitFailed,
    UnsupportedOperation,
    UpstreamError,
    UpstreamJobFailed,
    UpstreamProtocolError,
    UpstreamRefused,
    UpstreamUnavailable,
    moderation_code,
)
from reelgate.providers.upstream.http import UpstreamClient

log = logging.getLogger("reelgate.upstream")

# Shares of the progress bar: submitting, the upstream's own progress, fetching the results.
_SUBMITTED = 5.0
_UPSTREAM_SHARE = 85.0
# A heartbeat at least this often while waiting (the lease is refreshed every lease/3 anyway).
_HEARTBEAT_SLICE = 1.0


class UpstreamState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True)
class PollResult:
    """One look at the upstream job, in canonical terms."""

    state: UpstreamState
    progress: float | None = None  # 0..100 when the upstream says
    phase: Phase = Phase.RUNNING
    wait_hint: float | None = None  # seconds the upstream asked us to wait before the next look
    error_code: str | None = None  # canonical failure code (FAILED)
    error_message: str = ""
    body: dict[str, Any] = field(default_factory=dict)  # what `fetch` needs from the answer


@dataclass(frozen=True)
class FetchedVideo:
    """One output fetched into the work directory (VIDEO at least; the rest is derived)."""

    index: int
    files: dict[AssetVariant, Path]


@dataclass(frozen=True)
class PollingPolicy:
    interval_seconds: float = 5.0
    max_interval_seconds: float = 30.0
    max_wait_seconds: float = 3600.0


class UpstreamJobs(Protocol):
    """What an upstream video provider implements; `run_upstream_job` does the rest."""

    name: str
    polling: PollingPolicy

    def client(self, wait: Callable[[float], None]) -> UpstreamClient: ...

    def submit(self, client: UpstreamClient, task: VideoTask) -> str:
        """Create the upstream job; return the reference to persist (its id or name)."""

    def poll(self, client: UpstreamClient, ref: str) -> PollResult: ...

    def fetch(
        self, client: UpstreamClient, ref: str, result: PollResult, task: VideoTask, workdir: Path
    ) -> list[FetchedVideo]:
        """Download every output of a succeeded job into `workdir`."""

    def cancel(self, client: UpstreamClient, ref: str) -> None:
        """Best effort: tell the upstream the job is no longer wanted."""


class Pacer:
    """Remembers the last progress reported, so waits can heartbeat without moving the bar."""

    def __init__(self, progress: ProgressSink, clock: Callable[[], float] = time.monotonic):
        self._progress = progress
        self._clock = clock
        self.value = 0.0
        self.phase = Phase.PREPROCESSING

    def report(self, value: float, phase: Phase) -> None:
        self.value, self.phase = max(self.value, value), phase
        self._progress(self.value, self.phase)

    def wait(self, seconds: float) -> None:
        deadline = self._clock() + max(0.0, seconds)
        while True:
            self._progress(self.value, self.phase)  # heartbeat; raises JobCancelled to stop
            left = deadline - self._clock()
            if left <= 0:
                return
            time.sleep(min(_HEARTBEAT_SLICE, left))


def run_upstream_job(
    provider: UpstreamJobs, task: VideoTask, workdir: Path, progress: ProgressSink
) -> list[RenderedVideo]:
    pacer = Pacer(progress)
    pacer.report(0, Phase.PREPROCESSING)
    with provider.client(pacer.wait) as client:
        ref = task.upstream_ref
        if ref is None:
            ref = _submit(provider, client, task)
            remember = getattr(progress, "remember_upstream", None)
            if remember is not None:
                remember(ref)  # before any wait: a restart resumes this upstream job
            log.info("job %s submitted to %s as %s", task.job_id, provider.name, ref)
        else:
            log.info("job %s resumes %s job %s", task.job_id, provider.name, ref)
        pacer.report(_SUBMITTED, Phase.PREPROCESSING)
        try:
            result = _poll_until_finished(provider, client, ref, pacer)
        except JobCancelled as exc:
            if not _is_shutdown(exc):
                _cancel_quietly(provider, client, ref)
            raise
        pacer.report(_SUBMITTED + _UPSTREAM_SHARE, Phase.PROCESSING)
        fetched = provider.fetch(client, ref, result, task, workdir)
        if not fetched:
            raise UpstreamProtocolError(provider.name, f"job {ref} succeeded with no outputs")
        outputs = []
        for number, item in enumerate(fetched, start=1):
            outputs.append(complete_assets(provider.name, item.index, item.files, task.fps))
            share = 100 - _SUBMITTED - _UPSTREAM_SHARE
            pacer.report(
                _SUBMITTED + _UPSTREAM_SHARE + share * number / len(fetched), Phase.PROCESSING
            )
        return outputs


def _submit(provider: UpstreamJobs, client: UpstreamClient, task: VideoTask) -> str:
    try:
        return provider.submit(client, task)
    except UpstreamRefused as exc:
        blocked = moderation_code(exc.upstream_code, exc.detail)
        if blocked is not None:  # moderation is final: another provider is no way around it
            raise UpstreamJobFailed(provider.name, exc.detail, code="input_moderation") from None
        raise SubmitFailed(exc) from None
    except (UpstreamUnavailable, UpstreamProtocolError, UnsupportedOperation) as exc:
        raise SubmitFailed(exc) from None


def _poll_until_finished(
    provider: UpstreamJobs, client: UpstreamClient, ref: str, pacer: Pacer
) -> PollResult:
    policy = provider.polling
    deadline = time.monotonic() + policy.max_wait_seconds
    interval = policy.interval_seconds
    while True:
        try:
            result = provider.poll(client, ref)
        except UpstreamUnavailable as exc:  # an outage while polling: keep the job, try later
            if time.monotonic() > deadline:
                raise
            log.warning("%s; polling %s again later", exc, ref)
            result = None
        if result is not None:
            if result.state is UpstreamState.SUCCEEDED:
                return result
            if result.state is UpstreamState.FAILED:
                raise UpstreamJobFailed(
                    provider.name,
                    result.error_message or f"job {ref} failed",
                    code=result.error_code or "upstream_error",
                )
            share = (result.progress or 0.0) / 100 * _UPSTREAM_SHARE
            pacer.report(_SUBMITTED + share, result.phase)
        if time.monotonic() > deadline:
            raise UpstreamUnavailable(
                provider.name, f"job {ref} did not finish within {policy.max_wait_seconds:g} s"
            )
        hint = result.wait_hint if result is not None else None
        pacer.wait(min(hint, policy.max_interval_seconds) if hint is not None else interval)
        interval = min(interval * 1.5, policy.max_interval_seconds)


def _is_shutdown(exc: JobCancelled) -> bool:
    # A shutdown puts the job back in the queue: it must keep its upstream job.
    return isinstance(exc, WorkerStopping)


def _cancel_quietly(provider: UpstreamJobs, client: UpstreamClient, ref: str) -> None:
    try:
        provider.cancel(client, ref)
    except (UpstreamError, JobCancelled) as exc:
        log.info("could not cancel %s job %s: %s", provider.name, ref, exc)
