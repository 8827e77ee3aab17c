"""A cap on request bodies, enforced while they stream in, answered in the path's dialect.

Without it a multipart upload is spooled to disk whole and a JSON body is read into memory whole,
however large. A body that announces a `Content-Length` over the limit is refused before the
application sees it; a chunked (or lying) body is cut off as soon as the bytes received pass the
limit. Either way the answer is a 413 with `Connection: close`, so the server stops reading the
rest and the client learns at once instead of after uploading everything.

Starlette's `RequestBodyLimitMiddleware` counts the same way, but answers in plain text and keeps
the connection open (the server then drains the whole body); this one speaks each dialect.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reelgate.api.server.envelopes import DialectPrefixes

_CLOSE = {"Connection": "close"}


class RequestTooLarge(HTTPException):
    """Raised from `receive` once the body passes the limit. An HTTPException, so that FastAPI's
    body parsing re-raises it and the route's dialect renders it."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            status_code=413,
            detail=f"The request body is larger than the {limit} byte limit.",
            headers=dict(_CLOSE),
        )


def _declared_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    return int(value) if value is not None and value.isdigit() else None


class BodyLimitMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware): it wraps `receive`, so nothing is buffered here."""

    def __init__(self, app: ASGIApp, *, limit: int, prefixes: DialectPrefixes) -> None:
        self.app = app
        self.limit = limit
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.limit:
            await self._refuse(scope, receive, send)
            return
        received = 0
        finished = False
        started = False

        async def limited_receive() -> Message:
            nonlocal received, finished
            if received > self.limit:
                raise RequestTooLarge(self.limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                finished = not message.get("more_body", False)
                if received > self.limit:
                    raise RequestTooLarge(self.limit)
            return message

        async def closing_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if message["status"] == 413 and not finished:
                    # The unread rest of the body would otherwise be drained before the
                    # connection can be reused; closing it is what makes the 413 arrive quickly.
                    headers = [
                        (name, value)
                        for name, value in message.get("headers", [])
                        if name.lower() != b"connection"
                    ]
                    message = {**message, "headers": [*headers, (b"connection", b"close")]}
            await send(message)

        try:
            await self.app(scope, limited_receive, closing_send)
        except RequestTooLarge:
            if started:  # the body was read while streaming a response: nothing more to say
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = self._response(scope["path"])
        await response(scope, receive, send)

    def _response(self, path: str) -> Response:
        error = RequestTooLarge(self.limit)
        envelope = self.prefixes.envelope_for(path)
        if envelope is None:
            return JSONResponse({"detail": error.detail}, status_code=413, headers=error.headers)
        return envelope.http(413, error.detail, error.headers)
