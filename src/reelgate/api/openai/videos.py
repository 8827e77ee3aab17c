"""The OpenAI Videos API dialect: `/videos...` routes, mounted under `/v1`.

Translates requests into `JobService` calls and renders canonical jobs as `VideoResource` objects.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter
from starlette.datastructures import UploadFile
from starlette.responses import Response

from reelgate.api.content.responses import asset_response
from reelgate.api.openai.errors import OpenAIEnvelope
from reelgate.api.openai.poll_faults import openai_poll_fault
from reelgate.api.openai.schemas import (
    DEFAULT_MODEL,
    TRUE_SIZE_KEY,
    CreateVideoBody,
    DeletedVideoObject,
    EditVideoBody,
    ExtendVideoBody,
    ImageReference,
    OpenAIErrorResponse,
    RemixVideoBody,
    VideoListObject,
    VideoObject,
    VideoReference,
    allowed_size,
)
from reelgate.api.parsing.bodies import read_body
from reelgate.api.parsing.idempotency import idempotency_claim
from reelgate.api.parsing.scenario_header import RequestedScenario
from reelgate.api.parsing.validation import query_value, validate
from reelgate.api.parsing.webhook_target import RequestedWebhook
from reelgate.api.server.body_docs import VARIANT_CONTENT_DOC, request_body_doc
from reelgate.api.server.dependencies import Who, caller_of, job_service, settings
from reelgate.api.server.envelopes import dialect_route
from reelgate.api.server.job_reads import read_video
from reelgate.api.short_way.poll_answers import PollAnswers
from reelgate.config import Settings
from reelgate.core.callers import Caller
from reelgate.core.errors import InvalidRequest
from reelgate.core.idempotency import IdempotencyClaim
from reelgate.core.job_inputs import ClientFile
from reelgate.core.jobs import JobService
from reelgate.core.models import AssetVariant, Job, JobStatus, Operation
from reelgate.core.video_requests import DerivedVideo, NewVideo, SourceVideo
from reelgate.media.errors import InvalidMediaError
from reelgate.media.images import decode_data_url
from reelgate.scenarios.grammar import Scenario
from reelgate.scenarios.pace import poll_after_ms

ENVELOPE = OpenAIEnvelope()
router = APIRouter(route_class=dialect_route(ENVELOPE), tags=["OpenAI Videos"])

Jobs = Annotated[JobService, Depends(job_service)]
Config = Annotated[Settings, Depends(settings)]
ContentVariant = Literal["video", "thumbnail", "spritesheet"]
_CONTENT_VARIANTS: TypeAdapter[ContentVariant] = TypeAdapter(ContentVariant)

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": OpenAIErrorResponse, "description": "Invalid request"},
    404: {"model": OpenAIErrorResponse, "description": "Not found, or content not ready"},
}


# -- rendering -------------------------------------------------------------------------------


def _timestamp(value: float | None) -> int | None:
    return int(value) if value is not None else None


def render_video(job: Job) -> dict[str, Any]:
    """The canonical job as OpenAI's `VideoResource` (every key present, nullable ones null)."""
    status = job.status
    error = None
    if status is JobStatus.CANCELLED:
        error = {"code": "cancelled", "message": "The video generation was cancelled."}
    elif job.error is not None:
        error = {"code": job.error.code, "message": job.error.message}
    wire_status = {
        JobStatus.QUEUED: "queued",
        JobStatus.IN_PROGRESS: "in_progress",
        JobStatus.COMPLETED: "completed",
        JobStatus.FAILED: "failed",
        JobStatus.CANCELLED: "failed",
    }[status]
    # `size` must be one of VideoSize's four values; a job made through another dialect (Azure's
    # 480x480, the app API's any size) names the nearest of them, and its own in `reelgate_size`.
    width, height = allowed_size(job.spec.width, job.spec.height)
    wire_size, true_size = f"{width}x{height}", f"{job.spec.width}x{job.spec.height}"
    extra = {} if wire_size == true_size else {TRUE_SIZE_KEY: true_size}
    return {
        "id": job.id,
        "object": "video",
        "model": job.model,
        "status": wire_status,
        "progress": 100 if status is JobStatus.COMPLETED else job.progress,
        "created_at": int(job.created_at),
        "completed_at": _timestamp(job.completed_at),
        "expires_at": _timestamp(job.expires_at),
        "prompt": job.spec.prompt,
        "size": wire_size,
        "seconds": str(job.spec.seconds),
        "remixed_from_video_id": job.remixed_from,
        "error": error,
        **extra,
    }


def _video_response(job: Job, config: Settings) -> JSONResponse:
    headers = {}
    if not job.status.finished:
        headers["openai-poll-after-ms"] = str(poll_after_ms(config.poll_after_ms, config.pace))
    return JSONResponse(render_video(job), headers=headers)


_POLL_ANSWERS = PollAnswers(_video_response)


# -- parsing helpers -------------------------------------------------------------------------


def _missing(param: str) -> InvalidRequest:
    return InvalidRequest(
        f"Missing required parameter: '{param}'.", param=param, code="missing_required_parameter"
    )


def _reference_image(value: Any, stored: Callable[[str], ClientFile]) -> ClientFile | None:
    """`stored`: a Files API file by id (`FileService.client_file` for the caller)."""
    param = "input_reference"
    if value is None:
        return None
    if isinstance(value, UploadFile):
        return ClientFile(stream=value.file, param=param)
    reference = validate(ImageReference, value, param)
    if (reference.image_url is None) == (reference.file_id is None):
        raise InvalidRequest(
            "Provide exactly one of 'image_url' or 'file_id' in 'input_reference'.",
            param=param,
            code="invalid_value",
        )
    if reference.file_id is not None:
        return stored(reference.file_id)
    url = reference.image_url or ""
    if not url.startswith("data:"):
        raise InvalidRequest(
            "'input_reference.image_url' must be a base64 data URL "
            "(data:image/png;base64,...); this server does not fetch remote URLs.",
            param=f"{param}.image_url",
            code="invalid_value",
        )
    try:
        data = decode_data_url(url, max_bytes=20 * 1024 * 1024)
    except InvalidMediaError as exc:
        raise InvalidRequest(str(exc), param=f"{param}.image_url", code="invalid_value") from exc
    return ClientFile(stream=io.BytesIO(data), param=param)


def _source_video(value: Any) -> SourceVideo:
    if value is None:
        raise _missing("video")
    if isinstance(value, UploadFile):
        return SourceVideo(upload=ClientFile(stream=value.file, param="video"))
    return SourceVideo(job_id=validate(VideoReference, value, "video").id)


async def _create_body(
    request: Request, config: Settings, object_parts: tuple[str, ...] = ()
) -> tuple[dict[str, Any], IdempotencyClaim | None]:
    """A create's body, and its claim on an Idempotency-Key (taken from the whole body, before
    the route takes it apart). `object_parts`: the multipart parts the official document types
    as an object or a file, which may come JSON-encoded as well as `name[key]`."""
    body = await read_body(
        request, max_part_size=config.max_upload_bytes, object_parts=object_parts
    )
    return body, await idempotency_claim(request, body)


async def _derived_video(
    operation: Operation,
    request: Request,
    jobs: JobService,
    config: Settings,
    webhook: str | None,
    who: Caller,
    scenario: Scenario | None,
) -> Response:
    """An edit or an extension (the source: `video[id]` or a file), made and answered."""
    body, claim = await _create_body(request, config, ("video",))
    video = body.pop("video", None)
    if operation is Operation.EXTEND:
        extension = validate(ExtendVideoBody, body)
        prompt, extra_seconds = extension.prompt, int(extension.seconds)
    else:
        prompt, extra_seconds = validate(EditVideoBody, body).prompt, 0
    new = DerivedVideo(
        operation,
        _source_video(video),
        prompt,
        DEFAULT_MODEL,
        allowed_size,
        extra_seconds=extra_seconds,
        webhook=webhook,
        scenario=scenario,
    )
    job = await run_in_threadpool(jobs.derive, new, who, claim)
    return _video_response(job, config)


# -- routes ----------------------------------------------------------------------------------


@router.post(
    "/videos",
    operation_id="createVideo",
    summary="Create a video",
    response_model=VideoObject,
    responses=_ERRORS,
    openapi_extra=request_body_doc(
        CreateVideoBody,
        files={"input_reference": "Reference image (PNG, JPEG or WebP) that guides generation."},
    ),
)
async def create_video(
    request: Request,
    jobs: Jobs,
    config: Config,
    webhook: RequestedWebhook,
    who: Who,
    scenario: RequestedScenario,
) -> Response:
    body, claim = await _create_body(request, config, ("input_reference",))
    reference_value = body.pop("input_reference", None)
    params = validate(CreateVideoBody, body)
    files = request.app.state.files
    reference = await run_in_threadpool(
        _reference_image,
        reference_value,
        lambda file_id: files.client_file(file_id, who, "input_reference.file_id"),
    )
    width, height = (int(v) for v in params.size.split("x"))
    cast = request.app.state.characters  # the key's characters the prompt mentions
    characters = await run_in_threadpool(cast.specs_in, params.prompt, who)
    new = NewVideo(
        prompt=params.prompt,
        model=params.model,
        width=width,
        height=height,
        seconds=int(params.seconds),
        reference_image=reference,
        characters=characters,
        webhook=webhook,
        scenario=scenario,
    )
    job = await run_in_threadpool(jobs.create_video, new, who, claim)
    return _video_response(job, config)


@router.get(
    "/videos",
    operation_id="ListVideos",
    summary="List videos",
    response_model=VideoListObject,
    responses=_ERRORS,
)
def list_videos(
    jobs: Jobs,
    config: Config,
    who: Who,
    limit: Annotated[int, Query(ge=0, le=100)] = 20,
    order: Literal["asc", "desc"] = "desc",
    after: str | None = None,
) -> Response:
    page, has_more = jobs.list(who, limit=limit, descending=order == "desc", after=after)
    data = [render_video(job) for job in page]
    return JSONResponse(
        {
            "object": "list",
            "data": data,
            "first_id": data[0]["id"] if data else None,
            "last_id": data[-1]["id"] if data else None,
            "has_more": has_more,
        }
    )


@router.post(
    "/videos/edits",
    operation_id="CreateVideoEdit",
    summary="Edit a video",
    response_model=VideoObject,
    responses=_ERRORS,
    openapi_extra=request_body_doc(
        EditVideoBody, files={"video": "Source video file, or `video[id]` of a completed video."}
    ),
)
async def edit_video(
    request: Request,
    jobs: Jobs,
    config: Config,
    webhook: RequestedWebhook,
    who: Who,
    scenario: RequestedScenario,
) -> Response:
    return await _derived_video(Operation.EDIT, request, jobs, config, webhook, who, scenario)


@router.post(
    "/videos/extensions",
    operation_id="CreateVideoExtend",
    summary="Extend a video",
    response_model=VideoObject,
    responses=_ERRORS,
    openapi_extra=request_body_doc(
        ExtendVideoBody, files={"video": "Source video file, or `video[id]` of a completed video."}
    ),
)
async def extend_video(
    request: Request,
    jobs: Jobs,
    config: Config,
    webhook: RequestedWebhook,
    who: Who,
    scenario: RequestedScenario,
) -> Response:
    return await _derived_video(Operation.EXTEND, request, jobs, config, webhook, who, scenario)


@router.get(
    "/videos/{video_id}",
    operation_id="GetVideo",
    summary="Retrieve a video",
    response_model=VideoObject,
    responses=_ERRORS,
)
async def retrieve_video(video_id: str, request: Request) -> Response:
    # The call pollers make most (served ahead of FastAPI's routing, api/short_way/routes.py): the
    # services are read from the app state directly, and the answer is rendered once per change
    # of the job (bench/bench_polling.py).
    state = request.app.state
    job = await read_video(state.jobs, video_id, caller_of(request))
    failure = state.jobs.poll_failure(job)  # a scenario's `poll_errors`
    if failure is not None:
        return openai_poll_fault(failure)
    return _POLL_ANSWERS.response(job, state.settings)


@router.delete(
    "/videos/{video_id}",
    operation_id="DeleteVideo",
    summary="Delete a video",
    response_model=DeletedVideoObject,
    responses=_ERRORS,
    description="Deletes the video and its stored assets. A video still rendering is stopped.",
)
async def delete_video(video_id: str, jobs: Jobs, who: Who) -> Response:
    job = await run_in_threadpool(jobs.delete, video_id, who)
    return JSONResponse({"id": job.id, "object": "video.deleted", "deleted": True})


@router.head(
    "/videos/{video_id}/content",
    operation_id="HeadVideoContent",
    summary="Video content headers",
    responses=_ERRORS,
)
@router.get(
    "/videos/{video_id}/content",
    operation_id="RetrieveVideoContent",
    summary="Download video content",
    responses={
        200: VARIANT_CONTENT_DOC,
        **_ERRORS,
    },
)
async def video_content(
    video_id: str, jobs: Jobs, who: Who, variant: ContentVariant = "video"
) -> Response:
    job = await read_video(jobs, video_id, who, with_generations=True)
    return _content(jobs, video_id, who, variant, job)


async def video_content_fast(video_id: str, request: Request) -> Response:
    """`video_content` for its short way (api/short_way/routes.py; ranged downloads are one
    request a MiB, bench/bench_download.py): the same answer, with the query read here."""
    variant = query_value(request, "variant", _CONTENT_VARIANTS, "video")
    jobs, who = request.app.state.jobs, caller_of(request)
    job = await read_video(jobs, video_id, who, with_generations=True)
    return _content(jobs, video_id, who, variant, job)


def _content(
    jobs: JobService, video_id: str, who: Caller, variant: ContentVariant, job: Job | None = None
) -> Response:
    asset, path = jobs.content(video_id, who, AssetVariant(variant), job=job)
    suffix = "" if variant == "video" else f"-{variant}"
    return asset_response(asset, path, f"{video_id}{suffix}")


@router.post(
    "/videos/{video_id}/remix",
    operation_id="CreateVideoRemix",
    summary="Remix a video",
    response_model=VideoObject,
    responses=_ERRORS,
    openapi_extra=request_body_doc(RemixVideoBody, files={}),
)
async def remix_video(
    video_id: str,
    request: Request,
    jobs: Jobs,
    config: Config,
    webhook: RequestedWebhook,
    who: Who,
    scenario: RequestedScenario,
) -> Response:
    body, claim = await _create_body(request, config)
    params = validate(RemixVideoBody, body)
    job = await run_in_threadpool(
        jobs.remix, video_id, params.prompt, who, webhook, scenario, claim
    )
    return _video_response(job, config)
