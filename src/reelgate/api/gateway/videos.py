"""The gateway dialect of seed 003: `/videos...` routes, mounted under `/gateway/v1`.

Models are `provider/model` and ids `video_id:provider`; the work is the core's, so a job made
here is the same job in every other dialect (and one made elsewhere is readable here).
"""

from __future__ import annotations

import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile
from starlette.responses import Response

from reelgate.api.content.responses import asset_response
from reelgate.api.gateway.errors import GatewayEnvelope, gateway_error
from reelgate.api.gateway.ids import owned_by_provider, split_gateway_id
from reelgate.api.gateway.render import extra_fields, video_object, video_response
from reelgate.api.gateway.schemas import (
    MAX_PIXELS,
    MAX_SIDE,
    MIN_SIDE,
    BifrostError,
    CreateVideoBody,
    Fallback,
    RemixVideoBody,
    VideoDeleteResponse,
    VideoGenerationResponse,
    VideoListResponse,
)
from reelgate.api.parsing.bodies import is_form, read_body
from reelgate.api.parsing.idempotency import idempotency_claim
from reelgate.api.parsing.json_text import parse_json
from reelgate.api.parsing.scenario_header import RequestedScenario
from reelgate.api.parsing.validation import validate
from reelgate.api.parsing.webhook_target import RequestedWebhook
from reelgate.api.server.body_docs import VARIANT_CONTENT_DOC, request_body_doc
from reelgate.api.server.dependencies import Config, Jobs, Who
from reelgate.api.server.envelopes import dialect_route
from reelgate.api.server.error_words import SERVER_ERRORS
from reelgate.core.callers import Caller
from reelgate.core.errors import InvalidRequest
from reelgate.core.job_inputs import ClientFile
from reelgate.core.jobs import JobService
from reelgate.core.models import AssetVariant, Job
from reelgate.core.video_requests import NewVideo
from reelgate.media.errors import InvalidMediaError
from reelgate.media.images import decode_data_url

ENVELOPE = GatewayEnvelope()
router = APIRouter(route_class=dialect_route(ENVELOPE), tags=["Gateway Videos"])

# Documented, not enforced by FastAPI: a malformed id gets the dialect's own 400 (ids.py).
VideoId = Annotated[
    str,
    Path(
        description="`video_id:provider` (e.g. `video_abc123:openai`), or `provider:video_id`",
        json_schema_extra={"pattern": r"^(video_[0-9a-z]+:[^:/]+|[^:/]+:video_[0-9a-z]+)$"},
    ),
]

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": BifrostError, "description": "Invalid request"},
    404: {"model": BifrostError, "description": "Video not found, or not yet available"},
    500: {"model": BifrostError, "description": "Server error"},
}
_REFERENCE_BYTES = 20 * 1024 * 1024  # a data URL's image, as the OpenAI dialect allows


# -- parsing ---------------------------------------------------------------------------------


def _qualified_model(name: str) -> str:
    provider, slash, model = name.partition("/")
    if not slash or not provider or not model:
        raise InvalidRequest(
            f"Invalid model '{name}': expected 'provider/model' (e.g. 'openai/sora-2').",
            param="model",
            code="invalid_model",
        )
    return name


def _fallback_names(fallbacks: list[Fallback] | None) -> tuple[str, ...]:
    return tuple(f"{item.provider}/{item.model}" for item in fallbacks or ())


def _size(value: str) -> tuple[int, int]:
    width, height = (int(part) for part in value.split("x"))
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        raise InvalidRequest(
            f"Invalid size '{value}': each side must be {MIN_SIDE} to {MAX_SIDE} pixels.",
            param="size",
            code="invalid_value",
        )
    if width * height > MAX_PIXELS:
        raise InvalidRequest(
            f"Invalid size '{value}': at most {MAX_PIXELS} pixels (3840x2160).",
            param="size",
            code="invalid_value",
        )
    return width, height


def _reference(value: Any) -> ClientFile | None:
    """`input_reference`: an uploaded file, or a base64 data URL (remote URLs are not fetched)."""
    param = "input_reference"
    if value is None or value == "":
        return None
    if isinstance(value, UploadFile):
        return ClientFile(stream=value.file, param=param)
    if not isinstance(value, str):
        raise InvalidRequest(
            "Invalid 'input_reference': expected a data URL or a file.", param=param
        )
    if not value.startswith("data:"):
        raise InvalidRequest(
            "'input_reference' must be a base64 data URL (data:image/png;base64,...) or an "
            "uploaded file; this server does not fetch remote URLs.",
            param=param,
            code="invalid_value",
        )
    try:
        data = decode_data_url(value, max_bytes=_REFERENCE_BYTES)
    except InvalidMediaError as exc:
        raise InvalidRequest(str(exc), param=param, code="invalid_value") from exc
    return ClientFile(stream=io.BytesIO(data), param=param)


def _form_fallbacks(value: Any) -> Any:
    """Multipart `fallbacks`: a JSON array in one field, or `fallbacks[0][provider]=...`."""
    if isinstance(value, str):
        return parse_json(
            value,
            invalid="Invalid 'fallbacks': expected a JSON array of {provider, model}.",
            param="fallbacks",
            code="invalid_value",
        )
    if isinstance(value, dict) and all(key.isdigit() for key in value):
        return [value[key] for key in sorted(value, key=int)]
    return value


def _checked(model: type[Any], body: dict[str, Any], form: bool) -> Any:
    if form and "fallbacks" in body:
        body = {**body, "fallbacks": _form_fallbacks(body["fallbacks"])}
    return validate(model, body, strict=not form)


def _video(jobs: JobService, value: str, who: Caller) -> Job:
    """The job a gateway id names: its own, under the provider it is known by."""
    job_id, provider = split_gateway_id(value)
    return owned_by_provider(jobs.get(job_id, who), provider, value)


def _content_url(request: Request, job: Job) -> str:
    return str(request.url_for("videoDownload", video_id=f"{job.id}:{job.named_provider}"))


def _answer(request: Request, job: Job, request_type: str) -> JSONResponse:
    return JSONResponse(video_response(job, _content_url(request, job), request_type))


# -- routes ----------------------------------------------------------------------------------


@router.post(
    "/videos",
    operation_id="videoGeneration",
    summary="Generate a video",
    response_model=VideoGenerationResponse,
    responses=_ERRORS,
    openapi_extra=request_body_doc(
        CreateVideoBody,
        files={"input_reference": "Reference image (PNG, JPEG or WebP), or a data URL."},
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
    body = await read_body(request, max_part_size=config.max_upload_bytes)
    claim = await idempotency_claim(request, body)
    reference_value = body.pop("input_reference", None)
    params: CreateVideoBody = _checked(CreateVideoBody, body, is_form(request))
    model = _qualified_model(params.model)
    if params.video_uri is not None:
        raise InvalidRequest(
            "'video_uri' is not supported: this server does not fetch remote media. Remix a "
            "video of this server with POST /gateway/v1/videos/{video_id}/remix instead.",
            param="video_uri",
            code="unsupported_parameter",
        )
    width, height = _size(params.size)
    new = NewVideo(
        prompt=params.prompt,
        model=model,
        width=width,
        height=height,
        seconds=params.seconds,
        seed=params.seed,
        reference_image=_reference(reference_value),
        webhook=webhook,
        scenario=scenario,
        fallbacks=_fallback_names(params.fallbacks),
        negative_prompt=params.negative_prompt,
        audio=params.audio,
    )
    job = await run_in_threadpool(jobs.create_video, new, who, claim)
    return _answer(request, job, "video_generation")


@router.get(
    "/videos",
    operation_id="videoList",
    summary="List video generation jobs",
    response_model=VideoListResponse,
    responses=_ERRORS,
)
async def list_videos(
    jobs: Jobs,
    who: Who,
    provider: Annotated[str, Query(min_length=1, description="Provider name, e.g. `openai`")],
    after: Annotated[str | None, Query(description="`last_id` of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    order: Literal["asc", "desc"] = "desc",
) -> Response:
    cursor = split_gateway_id(after, "after")[0] if after else None
    page, has_more = await run_in_threadpool(
        jobs.list,
        who,
        limit=limit,
        descending=order == "desc",
        after=cursor,
        named_provider=provider,
    )
    data = [video_object(job) for job in page]
    body: dict[str, Any] = {"object": "list", "data": data, "has_more": has_more}
    if data:
        body["first_id"], body["last_id"] = data[0]["id"], data[-1]["id"]
    body["extra_fields"] = extra_fields("video_list", provider=provider)
    return JSONResponse(body)


@router.get(
    "/videos/{video_id}",
    operation_id="videoRetrieve",
    summary="Retrieve a video generation job",
    response_model=VideoGenerationResponse,
    responses=_ERRORS,
)
def retrieve_video(video_id: VideoId, request: Request, jobs: Jobs, who: Who) -> Response:
    job = _video(jobs, video_id, who)
    failure = jobs.poll_failure(job)  # a scenario's `poll_errors`
    if failure is not None:
        return gateway_error(failure, SERVER_ERRORS[failure][0])
    return _answer(request, job, "video_retrieve")


@router.delete(
    "/videos/{video_id}",
    operation_id="videoDelete",
    summary="Delete a video generation job",
    response_model=VideoDeleteResponse,
    responses=_ERRORS,
    description="Deletes the job and its stored assets; a job still rendering is stopped.",
)
async def delete_video(video_id: VideoId, jobs: Jobs, who: Who) -> Response:
    job = _video(jobs, video_id, who)
    await run_in_threadpool(jobs.delete, job.id, who)
    body = {"id": video_id, "object": "video.deleted", "deleted": True}
    return JSONResponse({**body, "extra_fields": extra_fields("video_delete", job)})


@router.head(
    "/videos/{video_id}/content",
    operation_id="videoDownloadHead",
    summary="Video content headers",
    responses=_ERRORS,
)
@router.get(
    "/videos/{video_id}/content",
    operation_id="videoDownload",
    name="videoDownload",
    summary="Download video content",
    responses={
        200: VARIANT_CONTENT_DOC,
        **_ERRORS,
    },
)
def download_video(
    video_id: VideoId,
    jobs: Jobs,
    who: Who,
    variant: Literal["video", "thumbnail", "spritesheet"] = "video",
) -> Response:
    job = _video(jobs, video_id, who)
    asset, source = jobs.content(job.id, who, AssetVariant(variant))
    suffix = "" if variant == "video" else f"-{variant}"
    return asset_response(asset, source, f"{job.id}{suffix}")


@router.post(
    "/videos/{video_id}/remix",
    operation_id="videoRemix",
    summary="Remix a video",
    response_model=VideoGenerationResponse,
    responses=_ERRORS,
    openapi_extra=request_body_doc(RemixVideoBody, files={}),
)
async def remix_video(
    video_id: VideoId,
    request: Request,
    jobs: Jobs,
    config: Config,
    webhook: RequestedWebhook,
    who: Who,
    scenario: RequestedScenario,
) -> Response:
    body = await read_body(request, max_part_size=config.max_upload_bytes)
    claim = await idempotency_claim(request, body)
    params: RemixVideoBody = _checked(RemixVideoBody, body, is_form(request))
    source = _video(jobs, video_id, who)
    job = await run_in_threadpool(
        jobs.remix,
        source.id,
        params.prompt,
        who,
        webhook,
        scenario,
        claim,
        _fallback_names(params.fallbacks),
    )
    return _answer(request, job, "video_remix")
