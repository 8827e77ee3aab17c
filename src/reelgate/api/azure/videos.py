"""Azure OpenAI's video-jobs dialect (v1 preview): `/video/generations/...` under `/openai/v1`.

Jobs are the canonical jobs every dialect shares: a job created through `/v1/videos` is readable
here and the other way round. Azure's statuses are the canonical status with its phase
(`in_progress` shows as preprocessing, running or processing).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile
from starlette.responses import Response

from reelgate.api.azure.errors import AzureEnvelope
from reelgate.api.azure.poll_faults import azure_poll_fault
from reelgate.api.azure.schemas import (
    AZURE_STATUSES,
    MAX_SECONDS_1080P,
    MAX_VARIANTS,
    SUPPORTED_SIZES,
    AzureErrorResponse,
    CreateJobBody,
    CropBounds,
    InpaintItem,
    VideoGenerationJobListObject,
    VideoGenerationJobObject,
    VideoGenerationObject,
)
from reelgate.api.azure.versions import api_version
from reelgate.api.content.responses import asset_response
from reelgate.api.openai.errors import quote_list
from reelgate.api.parsing.bodies import is_form, read_body
from reelgate.api.parsing.idempotency import idempotency_claim
from reelgate.api.parsing.json_text import parse_json
from reelgate.api.parsing.scenario_header import RequestedScenario
from reelgate.api.parsing.validation import validate
from reelgate.api.parsing.webhook_target import RequestedWebhook
from reelgate.api.server.dependencies import Who, job_service, settings
from reelgate.api.server.envelopes import dialect_route
from reelgate.config import Settings
from reelgate.core.errors import InvalidRequest
from reelgate.core.job_inputs import ClientFile, NewInpaintItem
from reelgate.core.jobs import JobService
from reelgate.core.models import (
    AssetVariant,
    Generation,
    Job,
    JobStatus,
    MediaKind,
    Phase,
    StateFilter,
)
from reelgate.core.video_requests import NewVideo

ENVELOPE = AzureEnvelope()
router = APIRouter(
    route_class=dialect_route(ENVELOPE),
    dependencies=[Depends(api_version)],
    tags=["Azure OpenAI video jobs"],
    responses={"default": {"model": AzureErrorResponse, "description": "An error"}},
)

Jobs = Annotated[JobService, Depends(job_service)]
Config = Annotated[Settings, Depends(settings)]
# The document names these path parameters `job-id` and `generation-id`; Starlette's path
# syntax needs identifiers. The URLs are the same.
JobId = Annotated[str, Path(description="The id of a video generation job.")]
GenerationId = Annotated[str, Path(description="The id of a video generation.")]

_STATES: dict[str, StateFilter] = {
    "preprocessing": (JobStatus.IN_PROGRESS, (Phase.PREPROCESSING,)),
    "queued": (JobStatus.QUEUED, None),
    "running": (JobStatus.IN_PROGRESS, (Phase.RUNNING, None)),
    "processing": (JobStatus.IN_PROGRESS, (Phase.PROCESSING,)),
    "succeeded": (JobStatus.COMPLETED, None),
    "failed": (JobStatus.FAILED, None),
    "cancelled": (JobStatus.CANCELLED, None),
}


# -- rendering -------------------------------------------------------------------------------


def azure_status(job: Job) -> str:
    if job.status is JobStatus.IN_PROGRESS:
        return {Phase.PREPROCESSING: "preprocessing", Phase.PROCESSING: "processing"}.get(
            job.phase, "running"
        )
    return {
        JobStatus.QUEUED: "queued",
        JobStatus.COMPLETED: "succeeded",
        JobStatus.FAILED: "failed",
        JobStatus.CANCELLED: "cancelled",
    }[job.status]


def render_generation(job: Job, generation: Generation) -> dict[str, Any]:
    return {
        "object": "video.generation",
        "id": generation.id,
        "job_id": job.id,
        "created_at": int(job.completed_at or job.created_at),
        "width": generation.width,
        "height": generation.height,
        "n_seconds": round(generation.seconds),
        "prompt": job.spec.prompt,
    }


def render_job(job: Job) -> dict[str, Any]:
    """The canonical job as a `VideoGenerationJob`; optional keys appear once they have values."""
    spec = job.spec
    body: dict[str, Any] = {
        "object": "video.generation.job",
        "id": job.id,
        "status": azure_status(job),
        "created_at": int(job.created_at),
        "generations": [render_generation(job, g) for g in job.generations],
        "prompt": spec.prompt,
        "model": job.model,
        "n_variants": spec.n_variants,
        "n_seconds": spec.seconds,
        "height": spec.height,
        "width": spec.width,
    }
    if job.status.finished and job.completed_at is not None:
        body["finished_at"] = int(job.completed_at)
    if job.expires_at is not None:
        body["expires_at"] = int(job.expires_at)
    if spec.inpaint:
        body["inpaint_items"] = [
            {
                "frame_index": item.frame_index,
                "type": item.kind.value,
                "file_name": item.file_name,
                "crop_bounds": {
                    "left_fraction": item.left,
                    "top_fraction": item.top,
                    "right_fraction": item.right,
                    "bottom_fraction": item.bottom,
                },
            }
            for item in spec.inpaint
        ]
    if job.status is JobStatus.FAILED:
        body["failure_reason"] = job.error.code if job.error else "internal_error"
    return body


# -- request checks --------------------------------------------------------------------------


def _check_dimensions(params: CreateJobBody) -> None:
    size = (params.width, params.height)
    if size not in SUPPORTED_SIZES:
        supported = quote_list([f"{w}x{h}" for w, h in SUPPORTED_SIZES])
        raise InvalidRequest(
            f"Unsupported dimensions {params.width}x{params.height}. Supported dimensions "
            f"(width x height) are: {supported}.",
            param="width",
            code="invalid_value",
        )
    short_side = min(size)
    if short_side == 1080 and params.n_seconds > MAX_SECONDS_1080P:
        raise InvalidRequest(
            f"Videos of {params.width}x{params.height} can be at most {MAX_SECONDS_1080P} "
            f"seconds long, not {params.n_seconds}.",
            param="n_seconds",
            code="invalid_value",
        )
    most = MAX_VARIANTS.get(short_side, 5)
    if params.n_variants > most:
        raise InvalidRequest(
            f"Videos of {params.width}x{params.height} allow at most {most} variant"
            f"{'s' if most > 1 else ''}, not {params.n_variants}.",
            param="n_variants",
            code="invalid_value",
        )


def _uploads(files: Any) -> dict[str, UploadFile]:
    items = files if isinstance(files, list) else [files]
    uploads: dict[str, UploadFile] = {}
    for item in items:
        if not isinstance(item, UploadFile):
            raise InvalidRequest(
                "'files' must be file uploads.", param="files", code="invalid_type"
            )
        name = item.filename or ""
        if not name or name in uploads:
            raise InvalidRequest(
                f"Every uploaded file needs a distinct file name; got '{name}' twice or empty.",
                param="files",
                code="invalid_value",
            )
        uploads[name] = item
    return uploads


def _parse_items(raw: Any) -> list[Any]:
    if isinstance(raw, str):
        raw = parse_json(
            raw,
            invalid="'inpaint_items' must be a JSON array of inpaint items.",
            param="inpaint_items",
            code="invalid_value",
        )
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        raise InvalidRequest(
            "'inpaint_items' must be a JSON array of inpaint items.",
            param="inpaint_items",
            code="invalid_type",
        )
    return raw


def _kind_of(upload: UploadFile) -> MediaKind:
    return MediaKind.VIDEO if (upload.content_type or "").startswith("video/") else MediaKind.IMAGE


def _inpaint_items(files: Any, raw_items: Any) -> tuple[NewInpaintItem, ...]:
    """Pair the uploaded files with the inpaint items that place them. One file and no items:
    the file is placed at frame 0, filling the frame."""
    uploads = _uploads(files) if files is not None else {}
    if raw_items is None:
        if not uploads:
            return ()
        if len(uploads) > 1:
            raise InvalidRequest(
                "Several files were uploaded without 'inpaint_items' to say where each goes.",
                param="inpaint_items",
                code="missing_required_parameter",
            )
        ((name, upload),) = uploads.items()
        file = ClientFile(upload.file, param="files", label=f"file '{name}'")
        return (NewInpaintItem(file, file_name=name, kind=_kind_of(upload), frame_index=0),)
    placed: list[NewInpaintItem] = []
    for number, raw in enumerate(_parse_items(raw_items)):
        item = validate(InpaintItem, raw, ("inpaint_items", number))
        upload = uploads.get(item.file_name)
        if upload is None:
            raise InvalidRequest(
                f"inpaint_items[{number}].file_name '{item.file_name}' does not match any "
                "uploaded file.",
                param=f"inpaint_items.{number}.file_name",
                code="invalid_value",
            )
        bounds = item.crop_bounds or CropBounds()
        left, top = bounds.left_fraction, bounds.top_fraction
        right, bottom = bounds.right_fraction, bounds.bottom_fraction
        if not (left < right and top < bottom):
            raise InvalidRequest(
                f"inpaint_items[{number}].crop_bounds must have left < right and top < bottom.",
                param=f"inpaint_items.{number}.crop_bounds",
                code="invalid_value",
            )
        file = ClientFile(upload.file, param="files", label=f"file '{item.file_name}'")
        placed.append(
            NewInpaintItem(
                file,
                file_name=item.file_name,
                kind=MediaKind(item.type),
                frame_index=item.frame_index,
                left=left,
                top=top,
                right=right,
                bottom=bottom,
            )
        )
    unused = set(uploads) - {item.file_name for item in placed}
    if unused:
        raise InvalidRequest(
            f"Uploaded file(s) {quote_list(sorted(unused))} are not used by any inpaint item.",
            param="files",
            code="invalid_value",
        )
    return tuple(placed)


def _states(statuses: list[str] | None) -> list[StateFilter] | None:
    """The filter of `statuses` (comma-separated, or repeated); absent: every job. The document
    types it as an array of `JobStatus`, so an empty item (`statuses=`, `queued,`) is refused."""
    if statuses is None:
        return None
    names = [name.strip() for value in statuses for name in value.split(",")]
    unknown = [name for name in names if name not in _STATES]
    if unknown:
        raise InvalidRequest(
            f"Invalid value: '{unknown[0]}'. Supported values are: "
            f"{quote_list(list(AZURE_STATUSES))}.",
            param="statuses",
            code="invalid_value",
        )
    return [_STATES[name] for name in names]


# -- routes ----------------------------------------------------------------------------------


@router.post(
    "/video/generations/jobs",
    operation_id="VideoGenerationJobs_Create",
    summary="Create a video generation job",
    response_model=VideoGenerationJobObject,
    response_model_exclude_none=True,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": CreateJobBody.model_json_schema()},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["prompt", "model", "width", "height"],
                        "properties": {
                            **CreateJobBody.model_json_schema()["properties"],
                            "files": {
                                "type": "array",
                                "items": {"type": "string", "format": "binary"},
                            },
                            "inpaint_items": {
                                "type": "string",
                                "description": "A JSON array of inpaint items (file_name, "
                                "frame_index, type, crop_bounds).",
                            },
                        },
                    }
                },
            },
        }
    },
)
async def create_job(
    request: Request,
    jobs: Jobs,
    config: Config,
    webhook: RequestedWebhook,
    who: Who,
    scenario: RequestedScenario,
) -> Response:
    form = is_form(request)
    body = await read_body(request, max_part_size=config.max_upload_bytes)
    claim = await idempotency_claim(request, body)
    files = body.pop("files", None) if form else None
    raw_items = body.pop("inpaint_items", None) if form else None
    params = validate(CreateJobBody, body, strict=not form)
    _check_dimensions(params)
    new = NewVideo(
        prompt=params.prompt,
        model=params.model,
        width=params.width,
        height=params.height,
        seconds=params.n_seconds,
        n_variants=params.n_variants,
        inpaint=_inpaint_items(files, raw_items) if form else (),
        webhook=webhook,
        scenario=scenario,
    )
    job = await run_in_threadpool(jobs.create_video, new, who, claim)
    return JSONResponse(render_job(job))


@router.get(
    "/video/generations/jobs",
    operation_id="VideoGenerationJobs_List",
    summary="List video generation jobs",
    response_model=VideoGenerationJobListObject,
    response_model_exclude_none=True,
)
def list_jobs(
    jobs: Jobs,
    who: Who,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    before: str | None = None,
    after: str | None = None,
    statuses: Annotated[
        list[str] | None, Query(description="Comma-separated statuses to keep.")
    ] = None,
) -> Response:
    page, has_more = jobs.list(
        who,
        limit=limit,
        descending=True,
        after=after,
        before=before,
        states=_states(statuses),
        with_generations=True,
    )
    body: dict[str, Any] = {
        "object": "list",
        "data": [render_job(job) for job in page],
        "has_more": has_more,
    }
    if page:
        body["first_id"], body["last_id"] = page[0].id, page[-1].id
    return JSONResponse(body)


@router.get(
    "/video/generations/jobs/{job_id}",
    operation_id="VideoGenerationJobs_Get",
    summary="Retrieve a video generation job",
    response_model=VideoGenerationJobObject,
    response_model_exclude_none=True,
)
def get_job(job_id: JobId, jobs: Jobs, who: Who) -> Response:
    job = jobs.get(job_id, who, with_generations=True)
    failure = jobs.poll_failure(job)  # a scenario's `poll_errors`
    if failure is not None:
        return azure_poll_fault(failure)
    return JSONResponse(render_job(job))


@router.delete(
    "/video/generations/jobs/{job_id}",
    operation_id="VideoGenerationJobs_Delete",
    summary="Delete a video generation job",
    status_code=204,
    response_class=Response,
    description="Deletes the job and its stored media. A job still rendering is stopped.",
)
async def delete_job(job_id: JobId, jobs: Jobs, who: Who) -> Response:
    await run_in_threadpool(jobs.delete, job_id, who)
    return Response(status_code=204)


@router.get(
    "/video/generations/{generation_id}",
    operation_id="VideoGenerations_Get",
    summary="Retrieve a video generation",
    response_model=VideoGenerationObject,
)
def get_generation(generation_id: GenerationId, jobs: Jobs, who: Who) -> Response:
    job, generation = jobs.generation(generation_id, who)
    return JSONResponse(render_generation(job, generation))


@router.head(
    "/video/generations/{generation_id}/content/video",
    operation_id="VideoGenerations_RetrieveVideoContentHeadersOnly",
    summary="Video content headers",
)
@router.get(
    "/video/generations/{generation_id}/content/video",
    operation_id="VideoGenerations_RetrieveVideoContent",
    summary="Download a generation's video",
    response_class=Response,
    responses={200: {"content": {"video/mp4": {"schema": {"type": "string", "format": "binary"}}}}},
)
def generation_video(
    generation_id: GenerationId, jobs: Jobs, who: Who, quality: Literal["high", "low"] = "high"
) -> Response:
    variant = AssetVariant.VIDEO if quality == "high" else AssetVariant.VIDEO_LOW
    asset, path = jobs.generation_content(generation_id, who, variant)
    return asset_response(
        asset, path, generation_id if quality == "high" else f"{generation_id}-low"
    )


@router.get(
    "/video/generations/{generation_id}/content/thumbnail",
    operation_id="VideoGenerations_RetrieveThumbnail",
    summary="Download a generation's thumbnail (JPEG)",
    response_class=Response,
    responses={200: {"content": {"image/jpg": {"schema": {"type": "string", "format": "binary"}}}}},
)
def generation_thumbnail(generation_id: GenerationId, jobs: Jobs, who: Who) -> Response:
    asset, path = jobs.generation_content(generation_id, who, AssetVariant.THUMBNAIL_JPEG)
    # The document names the type `image/jpg`; the bytes are a standard JPEG.
    return asset_response(asset, path, generation_id, media_type="image/jpg")
