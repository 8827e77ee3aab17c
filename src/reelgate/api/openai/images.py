"""The OpenAI Images API dialect: `/images/generations`, `/images/edits` and
`/images/variations` (dall-e-2), mounted under `/v1`,
and the signed links that `response_format=url` hands out.

Images are synchronous: the answer carries the images (or streams them). Each request is also a
stored job of kind `image`, its files kept in reelgate's storage.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

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
    VariationImageBody,
    parse_edit,
    parse_generation,
    parse_variation,
)
from reelgate.api.images.responses import images_response
from reelgate.api.openai.errors import OpenAIEnvelope
from reelgate.api.openai.schemas import OpenAIErrorResponse
from reelgate.api.server.dependencies import caller_of
from reelgate.api.server.envelopes import dialect_route
from reelgate.api.server.event_stream_docs import event_stream_schema
from reelgate.core.errors import ModerationRejected
from reelgate.core.images import ImageResult, ImageService

ENVELOPE = OpenAIEnvelope()
router = APIRouter(route_class=dialect_route(ENVELOPE), tags=["OpenAI Images"])

Images = Annotated[ImageService, Depends(image_service)]
Links = Annotated[ImageLinks, Depends(image_links)]

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": OpenAIErrorResponse, "description": "Invalid request or blocked prompt"},
    404: {"model": OpenAIErrorResponse, "description": "No such image, or the link expired"},
}
IMAGES_RESPONSE_DOC = {
    "description": "The images (JSON), or with `stream=true` server-sent events: partial "
    "images, then one `*.completed` event per image.",
    "content": {
        "application/json": {"schema": {"type": "object"}},
        "text/event-stream": {
            "schema": event_stream_schema(
                [
                    "image_generation.partial_image",
                    "image_generation.completed",
                    "image_edit.partial_image",
                    "image_edit.completed",
                    "error",
                ],
                "JSON: the image stream event of the same type (OpenAI's ImageGenStreamEvent / "
                "ImageEditStreamEvent), or an error.",
            )
        },
    },
}


def body_doc(model: type, content_type: str, files: dict[str, str]) -> dict[str, Any]:
    """OpenAPI text for a body read by hand, from its validating model (plus file parts)."""
    schema = model.model_json_schema()
    for name, text in files.items():
        schema["properties"][name] = {"type": "string", "format": "binary", "description": text}
        if name == "image":
            schema.setdefault("required", []).append(name)
    return {"requestBody": {"required": True, "content": {content_type: {"schema": schema}}}}


def links_base(request: Request, path: str) -> str:
    return f"{str(request.base_url).rstrip('/')}{path}"


def _error_body(exc: Exception) -> dict[str, Any]:
    if isinstance(exc, ModerationRejected):
        return {"message": exc.message, "type": "invalid_request_error", "param": exc.param,
                "code": "moderation_blocked"}  # fmt: skip
    return internal_error(exc)


@router.post(
    "/images/generations",
    operation_id="createImage",
    summary="Create an image",
    responses={200: IMAGES_RESPONSE_DOC, **ERRORS},
    openapi_extra=body_doc(GenerateImageBody, "application/json", {}),
)
async def create_image(request: Request, images: Images, links: Links) -> Response:
    body, form = await request_body(request)
    parsed = parse_generation(body, form=form, require_model=False)
    base = links_base(request, "/v1/images")

    def render(result: ImageResult, request_: ImageRequest) -> dict[str, Any]:
        return images_response(result, request_.response_format, links, base)

    return await answer(request, parsed, images, render, _error_body)


@router.post(
    "/images/edits",
    operation_id="createImageEdit",
    summary="Edit images",
    responses={200: IMAGES_RESPONSE_DOC, **ERRORS},
    openapi_extra=body_doc(
        EditImageBody,
        "multipart/form-data",
        {
            "image": "The image(s) to edit: PNG, JPEG or WebP; repeat the part for several.",
            "mask": "PNG, the first image's size; its fully transparent pixels are redrawn.",
        },
    ),
)
async def edit_image(request: Request, images: Images, links: Links) -> Response:
    body, form = await request_body(request)
    files, who = request.app.state.files, caller_of(request)
    parsed = await run_in_threadpool(
        lambda: parse_edit(
            body,
            form=form,
            require_model=False,
            stored=lambda file_id, param: files.client_file(file_id, who, param),
        )
    )
    base = links_base(request, "/v1/images")

    def render(result: ImageResult, request_: ImageRequest) -> dict[str, Any]:
        return images_response(result, request_.response_format, links, base)

    return await answer(request, parsed, images, render, _error_body)


@router.post(
    "/images/variations",
    operation_id="createImageVariation",
    summary="Create image variations (dall-e-2)",
    responses={200: {"description": "`ImagesResponse`."}, **ERRORS},
    openapi_extra=body_doc(
        VariationImageBody,
        "multipart/form-data",
        {"image": "The image to vary: a square PNG."},
    ),
)
async def create_image_variation(request: Request, images: Images, links: Links) -> Response:
    body, form = await request_body(request)
    parsed = parse_variation(body, form=form)
    base = links_base(request, "/v1/images")

    def render(result: ImageResult, request_: ImageRequest) -> dict[str, Any]:
        return images_response(result, request_.response_format, links, base)

    return await answer(request, parsed, images, render, _error_body)


@router.get(
    "/images/{image_id}/content",
    operation_id="RetrieveImageContent",
    summary="Download an image by its signed link",
    responses={200: {"description": "The image (PNG, JPEG or WebP)."}, **ERRORS},
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
