"""`POST /responses`, `GET /responses/{id}` and `DELETE /responses/{id}`, for both dialects.

The request is read and checked (every client mistake is an HTTP 400 in the dialect's envelope,
before any byte of a stream), its images resolved (data URLs, Files API ids, the previous
response's image), and the image tool is called through `ImageService` as `/v1/images` calls
it. With `stream: true` the answer is server-sent events in the official order; a failure once
the stream has started (moderation, an upstream error) ends it with `response.failed`.
"""

from __future__ import annotations

import asyncio
import io
import logging
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

from fastapi import APIRouter, Request, params
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.responses import Response

from reelgate.api.images.responses import sse
from reelgate.api.parsing.bodies import read_body
from reelgate.api.responses import render
from reelgate.api.responses.params import (
    CreateResponseBody,
    ImageInput,
    ResponseRequest,
    new_images,
    parse_request,
)
from reelgate.api.server.dependencies import caller_of
from reelgate.api.server.envelopes import ErrorEnvelope, dialect_route
from reelgate.api.server.event_stream_docs import event_stream_schema
from reelgate.core.callers import Caller
from reelgate.core.errors import InvalidRequest, ModerationRejected, ReelgateError
from reelgate.core.images import (
    ImageResult,
    ImageService,
    NewImages,
    PartialImage,
    PreparedImages,
)
from reelgate.core.job_inputs import ClientFile
from reelgate.core.models import ImageSpec
from reelgate.core.responses import ResponseService, new_image_call_id, new_response_id

log = logging.getLogger("reelgate.responses")

STREAM_EVENTS = [
    "response.created",
    "response.in_progress",
    "response.output_item.added",
    "response.image_generation_call.in_progress",
    "response.image_generation_call.generating",
    "response.image_generation_call.partial_image",
    "response.image_generation_call.completed",
    "response.output_item.done",
    "response.completed",
    "response.failed",
]
CREATE_DOC = {
    "description": "The `Response` (JSON), or with `stream: true` its stream events.",
    "content": {
        "application/json": {"schema": {"type": "object"}},
        "text/event-stream": {
            "schema": event_stream_schema(
                STREAM_EVENTS, "JSON: the ResponseStreamEvent of the same type."
            )
        },
    },
}


def responses_of(request: Request) -> ResponseService:
    return request.app.state.responses


def failure_code(exc: Exception) -> tuple[str, str]:
    """(`ResponseErrorCode`, message) of a tool call that failed."""
    if isinstance(exc, ModerationRejected):
        return "image_content_policy_violation", exc.message
    if isinstance(exc, ReelgateError):
        return "server_error", exc.message
    return "server_error", f"Image generation failed: {exc}"


async def _client_files(
    request: Request, caller: Caller, inputs: Sequence[ImageInput]
) -> tuple[ClientFile, ...]:
    files_service = getattr(request.app.state, "files", None)
    found: list[ClientFile] = []
    for item in inputs:
        if item.file_id is None:
            found.append(ClientFile(stream=io.BytesIO(item.data or b""), param=item.param))
        elif files_service is None:
            raise InvalidRequest(
                f"'{item.param}' is not supported by this server yet: send the image as a "
                "data URL in 'image_url'.",
                param=item.param,
                code="unsupported_parameter",
            )
        else:
            found.append(
                await run_in_threadpool(files_service.client_file, item.file_id, caller, item.param)
            )
    return tuple(found)


async def _image_request(
    request: Request, parsed: ResponseRequest, responses: ResponseService, caller: Caller
) -> NewImages:
    images = await _client_files(request, caller, parsed.images)
    masks = await _client_files(request, caller, [parsed.mask] if parsed.mask else [])
    if not images and parsed.previous_response_id and parsed.tool.action != "generate":
        previous = await run_in_threadpool(
            responses.previous_image, parsed.previous_response_id, caller, "previous_response_id"
        )
        images = (previous,) if previous is not None else ()
    elif parsed.previous_response_id:  # it must exist all the same
        await run_in_threadpool(
            responses.previous_image, parsed.previous_response_id, caller, "previous_response_id"
        )
    return new_images(parsed, images, masks[0] if masks else None)


async def create_response(request: Request, *, azure: bool = False) -> Response:
    settings = request.app.state.settings
    raw = await read_body(request, max_part_size=settings.max_upload_bytes)
    parsed = parse_request(raw)
    caller = caller_of(request)
    responses = responses_of(request)
    images: ImageService = responses.images
    new = await _image_request(request, parsed, responses, caller)
    turn = render.Turn(
        parsed, new_response_id(), new_image_call_id(), int(time.time()), azure=azure
    )
    try:
        prepared = await run_in_threadpool(images.prepare, new, caller.owner, None)
    except ModerationRejected as exc:
        exc.param = "input"  # the prompt is the input's text
        if not parsed.stream:
            raise
        return _event_stream(_refused_events(turn, responses, caller, exc))
    if parsed.stream:
        return _event_stream(_events(turn, responses, caller, prepared))
    try:
        result = await run_in_threadpool(images.render, prepared)
    except BaseException:
        images.discard(prepared)
        raise
    if parsed.store:
        stored = render.completed_body(turn, result, with_result=False)
        await run_in_threadpool(responses.save, turn.response_id, caller, stored, result)
    return JSONResponse(render.completed_body(turn, result))


def _event_stream(events: AsyncIterator[bytes]) -> StreamingResponse:
    return StreamingResponse(
        events,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _refused_events(
    turn: render.Turn, responses: ResponseService, caller: Caller, exc: ModerationRejected
) -> AsyncIterator[bytes]:
    for event in render.opening_events(turn):
        yield sse(event)
    code, message = failure_code(exc)
    failed = render.failed_event(turn, code, message, started=False)
    if turn.request.store:
        await run_in_threadpool(responses.save, turn.response_id, caller, failed["response"], None)
    yield sse(failed)


async def _events(
    turn: render.Turn, responses: ResponseService, caller: Caller, prepared: PreparedImages
) -> AsyncIterator[bytes]:
    """The stream: opening events, the call's progress with each partial image as it is drawn,
    then the completed item and response; a failure while drawing ends it with
    `response.failed`."""
    images = responses.images
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()

    def put(kind: str, value: Any) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, (kind, value))

    def work() -> None:
        try:
            result = images.render(prepared, lambda partial: put("partial", partial))
        except Exception as exc:
            log.exception("response %s failed while streaming", turn.response_id)
            images.discard(prepared)
            put("error", exc)
            return
        try:  # the image job is recorded: only the response itself may fail to be kept
            if turn.request.store:
                stored = render.completed_body(turn, result, with_result=False)
                responses.save(turn.response_id, caller, stored, result)
        except Exception as exc:
            log.exception("response %s could not be stored", turn.response_id)
            put("error", exc)
            return
        put("done", result)

    for event in render.opening_events(turn) + render.call_started_events(turn):
        yield sse(event)
    loop.run_in_executor(None, work)
    spec: ImageSpec = prepared.spec
    while True:
        kind, value = await queue.get()
        if kind == "partial":
            assert isinstance(value, PartialImage)
            yield sse(render.partial_event(turn, spec, value))
        elif kind == "done":
            assert isinstance(value, ImageResult)
            for event in await run_in_threadpool(render.closing_events, turn, value):
                yield sse(event)
            return
        else:
            code, message = failure_code(value)
            failed = render.failed_event(turn, code, message, started=True)
            if turn.request.store:
                await run_in_threadpool(
                    responses.save, turn.response_id, caller, failed["response"], None
                )
            yield sse(failed)
            return


async def retrieve_response(request: Request, response_id: str, *, azure: bool = False) -> Response:
    stored = await run_in_threadpool(responses_of(request).get, response_id, caller_of(request))
    return JSONResponse(render.with_image(stored.body, stored.image, azure=azure))


async def delete_response(request: Request, response_id: str) -> Response:
    await run_in_threadpool(responses_of(request).delete, response_id, caller_of(request))
    return JSONResponse({"id": response_id, "object": "response.deleted", "deleted": True})


def build_router(
    envelope: ErrorEnvelope,
    *,
    operation_prefix: str = "",
    tags: list[str],
    dependencies: Sequence[params.Depends] = (),
    azure: bool = False,
) -> APIRouter:
    """The three routes, in `envelope`'s error shape (`azure`: answers as `AzureResponse`)."""

    async def create(request: Request) -> Response:
        return await create_response(request, azure=azure)

    async def retrieve(request: Request, response_id: str) -> Response:
        return await retrieve_response(request, response_id, azure=azure)

    router = APIRouter(
        route_class=dialect_route(envelope), tags=list(tags), dependencies=list(dependencies)
    )
    schema = CreateResponseBody.model_json_schema()
    router.add_api_route(
        "/responses",
        create,
        methods=["POST"],
        operation_id=f"{operation_prefix}createResponse",
        summary="Create a response (the image generation tool)",
        responses={200: CREATE_DOC},
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": schema}},
            }
        },
    )
    router.add_api_route(
        "/responses/{response_id}",
        retrieve,
        methods=["GET"],
        operation_id=f"{operation_prefix}getResponse",
        summary="Retrieve a stored response",
    )
    router.add_api_route(
        "/responses/{response_id}",
        delete_response,
        methods=["DELETE"],
        operation_id=f"{operation_prefix}deleteResponse",
        summary="Delete a stored response",
    )
    return router
