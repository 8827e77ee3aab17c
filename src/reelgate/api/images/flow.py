"""The request flow both images dialects share: check and store inputs, then draw, and answer
with JSON or, for `stream=true`, with server-sent events as images take shape.

Everything that can be the client's fault (parameters, family rules, the content filter, input
images) is raised before any byte of a stream is sent, so it reaches the client as a proper
HTTP error in the dialect's envelope. Drawing runs in a worker thread; partial images cross to
the event loop through a queue as they are drawn.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.responses import Response

from reelgate.api.images.links import ImageLinks
from reelgate.api.images.params import ImageRequest
from reelgate.api.images.responses import completed_events, partial_event, sse
from reelgate.api.parsing.bodies import is_form, read_body
from reelgate.api.parsing.idempotency import idempotency_claim
from reelgate.api.server.dependencies import caller_of
from reelgate.core.errors import ReelgateError
from reelgate.core.images import ImageResult, ImageService, PartialImage, PreparedImages
from reelgate.core.models import ImageSpec

log = logging.getLogger("reelgate.images")

RenderBody = Callable[[ImageResult, ImageRequest], dict[str, Any]]
ErrorBody = Callable[[Exception], dict[str, Any]]


async def image_service(request: Request) -> ImageService:
    return request.app.state.images


async def image_links(request: Request) -> ImageLinks:
    return request.app.state.image_links


async def request_body(request: Request) -> tuple[dict[str, Any], bool]:
    """The body as a dict, and whether it came as a form (values are strings then). The
    request's Idempotency-Key claim is taken here, from the whole body, for `answer`."""
    limit = request.app.state.settings.max_upload_bytes
    body = await read_body(request, max_part_size=limit)
    request.state.idempotency = await idempotency_claim(request, body)
    return body, is_form(request)


async def answer(
    request: Request,
    parsed: ImageRequest,
    service: ImageService,
    render: RenderBody,
    error_body: ErrorBody,
) -> Response:
    owner = caller_of(request).owner
    claim = getattr(request.state, "idempotency", None)
    earlier = await run_in_threadpool(service.replayed, owner, claim)
    if earlier is not None and parsed.stream:  # a retry: the same images again
        return _event_stream(_replayed_events(earlier))
    if earlier is not None:
        return JSONResponse(await run_in_threadpool(render, earlier, parsed))
    prepared = await run_in_threadpool(service.prepare, parsed.new, owner, claim)
    if parsed.stream:
        return _event_stream(_events(service, prepared, error_body))
    try:
        result = await run_in_threadpool(service.render, prepared)
    except BaseException:
        service.discard(prepared)
        raise
    return JSONResponse(await run_in_threadpool(render, result, parsed))


def _event_stream(events: AsyncIterator[bytes]) -> StreamingResponse:
    return StreamingResponse(
        events,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _replayed_events(result: ImageResult) -> AsyncIterator[bytes]:
    """A retried stream: the completed events again (its partial images are not kept)."""
    for event in await run_in_threadpool(completed_events, result):
        yield sse(event)


async def _events(
    service: ImageService, prepared: PreparedImages, error_body: ErrorBody
) -> AsyncIterator[bytes]:
    """Partial images as they are drawn, then one completed event per image. A failure while
    drawing becomes an `error` event (the response has already started)."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()

    def put(kind: str, value: Any) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, (kind, value))

    def work() -> None:
        try:
            put("done", service.render(prepared, lambda partial: put("partial", partial)))
        except Exception as exc:
            log.exception("image job %s failed while streaming", prepared.job_id)
            service.discard(prepared)
            put("error", exc)

    loop.run_in_executor(None, work)
    spec: ImageSpec = prepared.spec
    while True:
        kind, value = await queue.get()
        if kind == "partial":
            assert isinstance(value, PartialImage)
            yield sse(partial_event(spec, value, int(prepared.created_at)))
        elif kind == "done":
            for event in await run_in_threadpool(completed_events, value):
                yield sse(event)
            return
        else:
            yield sse({"type": "error", "error": error_body(value)})
            return


def internal_error(exc: Exception) -> dict[str, Any]:
    message = exc.message if isinstance(exc, ReelgateError) else f"Image generation failed: {exc}"
    return {"message": message, "type": "server_error", "param": None, "code": "internal_error"}
