"""Azure OpenAI's images API (v1 preview): `/images/generations` and `/images/edits` under
`/openai/v1`, in `AzureImagesResponse`'s shape; the same two under the classic
`/openai/deployments/{deployment}/`, where the SDK's `AzureOpenAI` client sends them.

The same requests and pictures as the OpenAI dialect, with Azure's additions: `model` (the
deployment name) is required, every image carries the content filter's
`prompt_filter_results` and `content_filter_results`, and errors use Azure's envelope, a blocked
prompt as `content_filter` / `ResponsibleAIPolicyViolation`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from reelgate.api.azure.content_filter import content_filter_results, prompt_filter_results
from reelgate.api.azure.image_errors import AzureImagesEnvelope, blocked_error
from reelgate.api.azure.versions import api_version, dated_api_version
from reelgate.api.content.responses import asset_response
from reelgate.api.images.flow import (
    answer,
    image_links,
    image_service,
    internal_error,
    request_body,
)
from reelgate.api.images.links import ImageLinks
from reelgate.api.images.params import (
    EditImageBody,
    GenerateImageBody,
    ImageRequest,
    parse_edit,
    parse_generation,
)
from reelgate.api.images.responses import images_response
from reelgate.api.openai.images import IMAGES_RESPONSE_DOC, body_doc, links_base
from reelgate.api.server.envelopes import dialect_route
from reelgate.core.errors import ModerationRejected
from reelgate.core.images import ImageResult, ImageService

ENVELOPE = AzureImagesEnvelope()
router = APIRouter(
    route_class=dialect_route(ENVELOPE),
    dependencies=[Depends(api_version)],
    tags=["Azure OpenAI images"],
    responses={"default": {"description": "An error (AzureErrorResponse)"}},
)

Images = Annotated[ImageService, Depends(image_service)]
Links = Annotated[ImageLinks, Depends(image_links)]
LINKS_PATH = "/openai/v1/images"


def azure_images_response(
    result: ImageResult, parsed: ImageRequest, links: ImageLinks, base: str
) -> dict[str, Any]:
    body = images_response(result, parsed.response_format, links, base)
    prompt_results = prompt_filter_results(result.verdict)
    image_results = content_filter_results(result.verdict)
    for entry in body["data"]:
        entry["prompt_filter_results"] = prompt_results
        entry["content_filter_results"] = image_results
    body["prompt_filter_results"] = prompt_results
    body["content_filter_results"] = image_results
    return body


def _error_body(exc: Exception) -> dict[str, Any]:
    if isinstance(exc, ModerationRejected):
        return blocked_error(exc)
    return {**internal_error(exc), "type": "error"}


GENERATION_BODY_DOC = body_doc(GenerateImageBody, "application/json", {})
EDIT_BODY_DOC = body_doc(
    EditImageBody,
    "multipart/form-data",
    {
        "image": "The image(s) to edit: PNG, JPEG or WebP; repeat the part for several.",
        "mask": "PNG, the first image's size; its fully transparent pixels are redrawn.",
    },
)


Parse = Callable[..., ImageRequest]


async def _handle(
    request: Request,
    images: ImageService,
    links: ImageLinks,
    parse: Parse,
    deployment: str | None = None,
) -> Response:
    body, form = await request_body(request)
    if deployment is not None:
        body["model"] = deployment
    parsed = parse(body, form=form, require_model=True)
    base = links_base(request, LINKS_PATH)
    return await answer(
        request,
        parsed,
        images,
        lambda result, request_: azure_images_response(result, request_, links, base),
        _error_body,
    )


@router.post(
    "/images/generations",
    operation_id="Azure_createImage",
    summary="Create an image",
    responses={200: IMAGES_RESPONSE_DOC},
    openapi_extra=GENERATION_BODY_DOC,
)
async def create_image(request: Request, images: Images, links: Links) -> Response:
    return await _handle(request, images, links, parse_generation)


@router.post(
    "/images/edits",
    operation_id="Azure_createImageEdit",
    summary="Edit images",
    responses={200: IMAGES_RESPONSE_DOC},
    openapi_extra=EDIT_BODY_DOC,
)
async def edit_image(request: Request, images: Images, links: Links) -> Response:
    return await _handle(request, images, links, parse_edit)


# The classic data-plane routes, which the SDK's `AzureOpenAI` client calls for images: the
# deployment in the path names the model (the body's `model`, if any, gives way to it).
deployments = APIRouter(
    route_class=dialect_route(ENVELOPE),
    dependencies=[Depends(dated_api_version)],
    tags=["Azure OpenAI images (deployments)"],
    responses={"default": {"description": "An error (AzureErrorResponse)"}},
)
Deployment = Annotated[str, Path(description="The deployment: the model's name in reelgate.")]


@deployments.post(
    "/deployments/{deployment}/images/generations",
    operation_id="AzureDeployment_createImage",
    summary="Create an image with a deployment",
    responses={200: IMAGES_RESPONSE_DOC},
    openapi_extra=GENERATION_BODY_DOC,
)
async def create_deployment_image(
    deployment: Deployment, request: Request, images: Images, links: Links
) -> Response:
    return await _handle(request, images, links, parse_generation, deployment)


@deployments.post(
    "/deployments/{deployment}/images/edits",
    operation_id="AzureDeployment_createImageEdit",
    summary="Edit images with a deployment",
    responses={200: IMAGES_RESPONSE_DOC},
    openapi_extra=EDIT_BODY_DOC,
)
async def edit_deployment_image(
    deployment: Deployment, request: Request, images: Images, links: Links
) -> Response:
    return await _handle(request, images, links, parse_edit, deployment)


@router.get(
    "/images/{image_id}/content",
    operation_id="Azure_RetrieveImageContent",
    summary="Download an image by its signed link",
    responses={200: {"description": "The image (PNG, JPEG or WebP)."}},
)
async def image_content(
    image_id: str,
    images: Images,
    links: Links,
    expires: Annotated[str | None, Query()] = None,
    signature: Annotated[str | None, Query()] = None,
) -> Response:
    links.check(image_id, expires, signature)
    asset, path = await run_in_threadpool(images.image_file, image_id)
    return asset_response(asset, path, image_id)
