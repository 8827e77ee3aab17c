"""The canonical job as the app API, the web page and the job-event streams show it.

One rendering for all three, so a job looks the same whether it was listed, fetched or pushed,
and whichever dialect created it. It carries the canonical status next to the words of the app
API (seed 004) and of OpenAI, and ready-made URLs for every stored file.
"""

from __future__ import annotations

from typing import Any

from reelgate.core.callers import Caller
from reelgate.core.jobs import JobService
from reelgate.core.models import AssetVariant, Generation, Job, JobStatus
from reelgate.media.thumbs import SpritesheetLayout

_APP_STATUS = {
    JobStatus.QUEUED: "queued",
    JobStatus.IN_PROGRESS: "processing",
    JobStatus.COMPLETED: "completed",
    JobStatus.FAILED: "failed",
    JobStatus.CANCELLED: "failed",
}

_OPENAI_STATUS = {
    JobStatus.QUEUED: "queued",
    JobStatus.IN_PROGRESS: "in_progress",
    JobStatus.COMPLETED: "completed",
    JobStatus.FAILED: "failed",
    JobStatus.CANCELLED: "failed",
}


def app_status(status: JobStatus) -> str:
    """Seed 004's words: queued | processing | completed | failed (cancelled reads as failed)."""
    return _APP_STATUS[status]


def error_of(job: Job) -> dict[str, str] | None:
    if job.status is JobStatus.CANCELLED:
        return {"code": "cancelled", "message": "The video generation was cancelled."}
    if job.error is not None:
        return {"code": job.error.code, "message": job.error.message}
    return None


def download_url(generation_id: str, variant: AssetVariant = AssetVariant.VIDEO) -> str:
    """The app API's download URL of one stored file (seed 004: `/api/download/{file_id}`)."""
    base = f"/api/download/{generation_id}"
    return base if variant is AssetVariant.VIDEO else f"{base}?variant={variant.value}"


def _spritesheet_grid(generation: Generation, fps: int) -> dict[str, Any]:
    """Where each tile of the spritesheet sits, so a page can scrub it without decoding video."""
    frames = max(1, round(generation.seconds * fps))
    layout = SpritesheetLayout.plan(frames, fps, generation.width, generation.height)
    return {
        "columns": layout.columns,
        "rows": layout.rows,
        "tiles": layout.tiles,
        "interval": layout.interval,
        "tile_width": layout.tile_width,
        "tile_height": layout.tile_height,
    }


def generation_view(generation: Generation, fps: int) -> dict[str, Any]:
    assets = generation.assets
    video = assets.get(AssetVariant.VIDEO)
    return {
        "id": generation.id,
        "index": generation.index,
        "width": generation.width,
        "height": generation.height,
        "seconds": generation.seconds,
        "video_url": download_url(generation.id),
        "video_bytes": video.size if video else None,
        "files": {variant.value: download_url(generation.id, variant) for variant in assets},
        "spritesheet": (
            _spritesheet_grid(generation, fps) if AssetVariant.SPRITESHEET in assets else None
        ),
    }


def job_view(job: Job) -> dict[str, Any]:
    """Everything a page needs to draw one job. Read the job with its generations."""
    completed = job.status is JobStatus.COMPLETED
    generations = [generation_view(g, job.spec.fps) for g in job.generations]
    content = f"/v1/videos/{job.id}/content"
    return {
        "id": job.id,
        "object": "job",
        "status": job.status.value,
        "app_status": app_status(job.status),
        "openai_status": _OPENAI_STATUS[job.status],
        "phase": job.phase.value if job.phase else None,
        "progress": 100 if completed else job.progress,
        "model": job.model,
        "provider": job.provider,
        "prompt": job.spec.prompt,
        "width": job.spec.width,
        "height": job.spec.height,
        "size": f"{job.spec.width}x{job.spec.height}",
        "seconds": job.spec.seconds,
        "n_variants": job.spec.n_variants,
        "operation": job.spec.operation.value,
        "remixed_from": job.remixed_from,
        "source_job_id": job.spec.source_job_id,
        "has_reference_image": job.spec.reference_image_key is not None,
        "webhook_url": job.webhook,
        # The scripted outcome, if any (reelgate as a test double: docs/testing-your-app.md).
        "scenario": job.spec.scenario.text if job.spec.scenario is not None else None,
        "error": error_of(job),
        "created_at": job.created_at,
        "started_at": job.started_at,
        "completed_at": job.completed_at,
        "expires_at": job.expires_at,
        "status_url": f"/api/status/{job.id}",
        "events_url": f"/api/jobs/{job.id}/events",
        "video_url": generations[0]["video_url"] if completed and generations else None,
        "content_urls": (
            {
                "video": content,
                "thumbnail": f"{content}?variant=thumbnail",
                "spritesheet": f"{content}?variant=spritesheet",
            }
            if completed
            else None
        ),
        "generations": generations,
    }


def read_job_view(jobs: JobService, job_id: str, caller: Caller) -> dict[str, Any]:
    """The current view of one job; raises `NotFound` when it does not exist (or was deleted,
    or is another key's)."""
    return job_view(jobs.get(job_id, caller, with_generations=True))


def list_job_views(
    jobs: JobService,
    caller: Caller,
    *,
    limit: int,
    after: str | None = None,
    descending: bool = True,
) -> tuple[list[dict[str, Any]], bool]:
    """A page of the caller's job views (with their generations, read in the same query),
    newest first by default."""
    page, has_more = jobs.list(
        caller, limit=limit, descending=descending, after=after, with_generations=True
    )
    return [job_view(job) for job in page], has_more
