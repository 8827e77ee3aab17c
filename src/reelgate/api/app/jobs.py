"""The app API of seed 004 (`/api/generate`, `/api/status/{id}`, `/api/download/{id}`), mounted
under `/api`, plus the job endpoints the web page uses (`/api/jobs...`).

The seed's three endpoints behave exactly as its document says; the extras (model, variants,
seed, a reference image) are optional fields it does not know about, so its clients are
unaffected. Jobs are the canonical ones: a job made through any dialect can be read here.
"""

from __future__ import annotations

import io
import mimetypes
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from starlette.responses import FileResponse, Response

from reelgate.api.app.errors import AppEnvelope
from reelgate.api.app.views import (
    app_status,
    download_url,
    job_view,
    list_job_views,
    read_job_view,
)
from reelgate.api.content.responses import blob_response
from reelgate.api.openai.schemas import DEFAULT_MODEL
from reelgate.api.parsing.idempotency import idempotency_claim
from reelgate.api.parsing.scenario_header import RequestedScenario
from reelgate.api.parsing.webhook_target import RequestedWebhook, webhook_of
from reelgate.api.server.dependencies import Who, job_service, settings
from reelgate.api.server.envelopes import dialect_route
from reelgate.config import Settings
from reelgate.core.errors import InvalidRequest, NotFound
from reelgate.core.job_inputs import ClientFile
from reelgate.core.jobs import JobService
from reelgate.core.models import AssetVariant, JobStatus
from reelgate.core.video_requests import NewVideo
from reelgate.media.errors import InvalidMediaError
from reelgate.media.images import decode_data_url

ENVELOPE = AppEnvelope()
router = APIRouter(route_class=dialect_route(ENVELOPE))

Jobs = Annotated[JobService, Depends(job_service)]
Config = Annotated[Settings, Depends(settings)]

MAX_PROMPT_CHARS = 1000
MAX_VARIANTS = 4
_SEED_TAG = "App API (seed 004)"
_JOBS_TAG = "App jobs (web page)"


class GenerateRequest(BaseModel):
    """Seed 004's `VideoGenerationRequest`, plus optional fields for the web page."""

    prompt: str = Field(
        description="Natural language description of the video to generate. Required, "
        "non-empty, at most 1000 characters (a bad prompt is answered with 400).",
        json_schema_extra={"minLength": 1, "maxLength": MAX_PROMPT_CHARS},
    )
    duration: int = Field(10, ge=1, le=60, description="Video duration in seconds.")
    width: int = Field(
        1920, ge=256, le=4096, description="Video width in pixels (odd values are rounded down)."
    )
    height: int = Field(
        1080, ge=256, le=4096, description="Video height in pixels (odd values are rounded down)."
    )
    model: str = Field(
        DEFAULT_MODEL, min_length=1, max_length=200, description="Extension: any model name."
    )
    n_variants: int = Field(
        1, ge=1, le=MAX_VARIANTS, description="Extension: how many videos to make."
    )
    seed: int | None = Field(
        None, ge=0, le=2**31 - 1, description="Extension: vary the result of the same prompt."
    )
    reference_image: str | None = Field(
        None,
        description="Extension: a PNG, JPEG or WebP image as a base64 data URL "
        "(data:image/png;base64,...) that guides the video (its backdrop in the preview engine).",
    )
    webhook_url: str | None = Field(
        None,
        description="Extension: where to POST `video.completed` / `video.failed` for this job "
        "(docs/webhooks.md); `none` for no webhook. Same as the `Reelgate-Webhook-Url` header.",
    )


class GenerateResponse(BaseModel):
    job_id: str
    status: str = Field(description='"queued", "processing", "completed" or "failed".')


class StatusResponse(BaseModel):
    job_id: str
    status: str = Field(description='"queued", "processing", "completed" or "failed".')
    video_url: str | None = Field(None, description='Only when status is "completed".')
    error: str | None = Field(None, description='Only when status is "failed".')


class RemixRequest(BaseModel):
    prompt: str = Field(
        description="The new prompt; the remix keeps the source's size, duration and layout.",
        json_schema_extra={"minLength": 1, "maxLength": MAX_PROMPT_CHARS},
    )


class Detail(BaseModel):
    detail: str


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    described = {
        400: "Invalid request parameters (e.g. an empty prompt)",
        404: "No such job or file",
        409: "The job is not in a state that allows this",
    }
    return {code: {"model": Detail, "description": described[code]} for code in codes}


def checked_prompt(prompt: str) -> str:
    """Seed 004 answers a bad prompt with 400 and a sentence, not a 422 list."""
    if not prompt.strip():
        raise InvalidRequest("Invalid prompt: prompt cannot be empty", param="prompt")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise InvalidRequest(
            f"Invalid prompt: prompt must be at most {MAX_PROMPT_CHARS} characters "
            f"(got {len(prompt)})",
            param="prompt",
        )
    return prompt


def _reference_image(data_url: str | None, config: Settings) -> ClientFile | None:
    if data_url is None:
        return None
    try:
        data = decode_data_url(data_url, max_bytes=config.max_upload_bytes)
    except InvalidMediaError as exc:
        raise InvalidRequest(f"Invalid reference_image: {exc}", param="reference_image") from exc
    return ClientFile(stream=io.BytesIO(data), param="reference_image")


def _job_not_found() -> HTTPException:
    return HTTPException(404, "Job not found")


# -- seed 004 --------------------------------------------------------------------------------


@router.post(
    "/generate",
    tags=[_SEED_TAG],
    summary="Generate Video",
    operation_id="appGenerateVideo",
    response_model=GenerateResponse,
    responses=_errors(400),
)
async def generate(
    request: Request,
    body: GenerateRequest,
    jobs: Jobs,
    config: Config,
    webhook: RequestedWebhook,
    who: Who,
    scenario: RequestedScenario,
) -> GenerateResponse:
    """Create a video generation job. Poll `/api/status/{job_id}`, or follow
    `/api/jobs/{job_id}/events`, until it completes."""
    new = NewVideo(
        prompt=checked_prompt(body.prompt),
        model=body.model,
        width=body.width,
        height=body.height,
        seconds=body.duration,
        n_variants=body.n_variants,
        seed=body.seed,
        reference_image=_reference_image(body.reference_image, config),
        webhook=webhook_of(body.webhook_url, webhook, config),
        scenario=scenario,
    )
    claim = await idempotency_claim(request, body)
    job = await run_in_threadpool(jobs.create_video, new, who, claim)
    return GenerateResponse(job_id=job.id, status=app_status(job.status))


@router.get(
    "/status/{job_id}",
    tags=[_SEED_TAG],
    summary="Check Job Status",
    operation_id="appJobStatus",
    response_model=StatusResponse,
    response_model_exclude_none=True,
    responses=_errors(404),
)
def status(job_id: str, jobs: Jobs, who: Who) -> StatusResponse:
    """The job's status; `video_url` once completed, `error` once failed. Any job id works,
    whichever API created it."""
    try:
        job = jobs.get(job_id, who, with_generations=True)
    except NotFound:
        raise _job_not_found() from None
    failure = jobs.poll_failure(job)  # a scenario's `poll_errors`
    if failure is not None:
        raise HTTPException(failure, "The server had an error while processing your request.")
    answer = StatusResponse(job_id=job.id, status=app_status(job.status))
    if job.status is JobStatus.COMPLETED and job.generations:
        answer.video_url = download_url(job.generations[0].id)
    elif job.status in (JobStatus.FAILED, JobStatus.CANCELLED):
        answer.error = job.error.message if job.error else "The video generation was cancelled."
    return answer


_DOWNLOAD_CONTENT = {
    "video/mp4": {"schema": {"type": "string", "format": "binary"}},
    "image/webp": {"schema": {"type": "string", "format": "binary"}},
    "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
}


@router.head("/download/{file_id}", tags=[_SEED_TAG], include_in_schema=False)
@router.get(
    "/download/{file_id}",
    tags=[_SEED_TAG],
    summary="Download Video",
    operation_id="appDownloadVideo",
    response_class=FileResponse,
    responses={200: {"description": "The file", "content": _DOWNLOAD_CONTENT}, **_errors(404)},
)
def download(
    file_id: str,
    jobs: Jobs,
    who: Who,
    variant: Annotated[
        AssetVariant,
        Query(description="Extension: another stored file of the same video (default: the MP4)."),
    ] = AssetVariant.VIDEO,
) -> Response:
    """A generated file as an attachment (`{file_id}.mp4`). Honours `Range` and `HEAD`."""
    try:
        asset, source = jobs.generation_content(file_id, who, variant)
    except NotFound:
        raise HTTPException(404, "File not found") from None
    extension = mimetypes.guess_extension(asset.media_type) or ".bin"
    suffix = "" if variant is AssetVariant.VIDEO else f"-{variant.value}"
    return blob_response(
        source,
        media_type=asset.media_type,
        filename=f"{file_id}{suffix}{extension}",
        disposition="attachment",
    )


# -- jobs, for the web page ------------------------------------------------------------------


@router.get(
    "/jobs",
    tags=[_JOBS_TAG],
    summary="List jobs",
    operation_id="appListJobs",
)
def list_jobs(
    jobs: Jobs,
    who: Who,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    after: Annotated[str | None, Query(description="A job id: the page after it.")] = None,
) -> dict[str, Any]:
    """Jobs newest first, made through any API, each with its status, progress and file URLs."""
    views, has_more = list_job_views(jobs, who, limit=limit, after=after)
    return {
        "object": "list",
        "data": views,
        "first_id": views[0]["id"] if views else None,
        "last_id": views[-1]["id"] if views else None,
        "has_more": has_more,
    }


@router.get(
    "/jobs/{job_id}",
    tags=[_JOBS_TAG],
    summary="Retrieve a job",
    operation_id="appGetJob",
    responses=_errors(404),
)
def get_job(job_id: str, jobs: Jobs, who: Who) -> dict[str, Any]:
    try:
        return read_job_view(jobs, job_id, who)
    except NotFound:
        raise _job_not_found() from None


@router.delete(
    "/jobs/{job_id}",
    tags=[_JOBS_TAG],
    summary="Delete a job",
    operation_id="appDeleteJob",
    responses=_errors(404),
)
async def delete_job(job_id: str, jobs: Jobs, who: Who) -> dict[str, Any]:
    """Deletes the job and its files; a job still rendering is stopped."""
    try:
        job = await run_in_threadpool(jobs.delete, job_id, who)
    except NotFound:
        raise _job_not_found() from None
    return {"id": job.id, "object": "job.deleted", "deleted": True}


@router.post(
    "/jobs/{job_id}/remix",
    tags=[_JOBS_TAG],
    summary="Remix a job",
    operation_id="appRemixJob",
    responses=_errors(400, 404, 409),
)
async def remix_job(
    job_id: str,
    request: Request,
    body: RemixRequest,
    jobs: Jobs,
    webhook: RequestedWebhook,
    who: Who,
) -> dict[str, Any]:
    """A new job from a completed one: same size, duration and composition, a new prompt."""
    prompt = checked_prompt(body.prompt)
    try:
        claim = await idempotency_claim(request, body)
        job = await run_in_threadpool(jobs.remix, job_id, prompt, who, webhook, idempotency=claim)
    except NotFound:
        raise _job_not_found() from None
    return job_view(job)
