"""Canonical jobs in the gateway's words: `VideoGenerationResponse`, `VideoObject`.

Keys the document types as plain strings or integers are left out rather than sent as null;
`extra_fields.provider` is given only for the providers the document's enum names.
"""

from __future__ import annotations

from typing import Any

from reelgate.api.gateway.ids import gateway_id
from reelgate.api.gateway.schemas import DOCUMENTED_PROVIDERS
from reelgate.core.models import Job, JobStatus, VideoSpec

_STATUSES = {
    JobStatus.QUEUED: "queued",
    JobStatus.IN_PROGRESS: "in_progress",
    JobStatus.COMPLETED: "completed",
    JobStatus.FAILED: "failed",
    JobStatus.CANCELLED: "failed",
}


def _model_part(name: str) -> str:
    """`sora-2` of `openai/sora-2`; a name without a provider part as it is."""
    _provider, slash, model = name.partition("/")
    return model if slash else name


def extra_fields(
    request_type: str, job: Job | None = None, provider: str | None = None
) -> dict[str, Any]:
    """The gateway's `BifrostResponseExtraFields` for an answer about `job` (or a list)."""
    fields: dict[str, Any] = {"request_type": request_type}
    named = job.named_provider if job is not None else provider
    if named in DOCUMENTED_PROVIDERS:
        fields["provider"] = named
    if job is not None:
        fields["model_requested"] = _model_part(job.model)
        spec = job.spec
        model_now = spec.model_now(job.model) if isinstance(spec, VideoSpec) else job.model
        fields["model_deployment"] = _model_part(model_now)
    return fields


def video_object(job: Job) -> dict[str, Any]:
    """A job as the list shows it (`VideoObject`)."""
    body: dict[str, Any] = {
        "id": gateway_id(job),
        "object": "video",
        "model": _model_part(job.model),
        "status": _STATUSES[job.status],
        "progress": 100 if job.status is JobStatus.COMPLETED else job.progress,
        "prompt": job.spec.prompt,
        "seconds": job.spec.seconds,
        "size": f"{job.spec.width}x{job.spec.height}",
        "created_at": int(job.created_at),
    }
    if job.remixed_from is not None:
        body["remixed_from_video_id"] = f"{job.remixed_from}:{job.named_provider}"
    if job.completed_at is not None:
        body["completed_at"] = int(job.completed_at)
    if job.expires_at is not None:
        body["expires_at"] = int(job.expires_at)
    if job.status is JobStatus.CANCELLED:
        body["error"] = {"code": "cancelled", "message": "The video generation was cancelled."}
    elif job.error is not None:
        body["error"] = {"code": job.error.code, "message": job.error.message}
    return body


def video_response(job: Job, content_url: str, request_type: str) -> dict[str, Any]:
    """A job as create, retrieve and remix answer it (`VideoGenerationResponse`): a completed
    one lists its video as a link to this server's content route."""
    body = video_object(job)
    if job.status is JobStatus.COMPLETED:
        body["videos"] = [{"type": "url", "url": content_url, "content_type": "video/mp4"}]
    body["extra_fields"] = extra_fields(request_type, job)
    return body
