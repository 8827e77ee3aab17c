"""One ASGI middleware for every request: its id, its metrics, and error bodies that carry the
id. Plain ASGI (no BaseHTTPMiddleware): status polling is the hottest path and must stay cheap.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reelgate.observability.metrics import Metrics
from reelgate.observability.request_ids import HEADER, current_request_id, request_id_from

log = logging.getLogger("reelgate.http")

_HEADER_BYTES = HEADER.encode()
_UNMATCHED = "(unmatched)"


def _route_of(scope: Scope) -> str:
    """The matched route as a template (`/v1/videos/{video_id}`), never the raw path, so the
    labels stay bounded: the path with each path parameter's value put back as its name."""
    route = scope.get("route")
    if route is None:
        return _UNMATCHED
    if isinstance(route, Route):  # a plain route knows its template (every API route is one)
        return route.path_format
    path: str = scope["path"]
    params: dict[str, Any] = scope.get("path_params") or {}
    if not params:
        return path
    names = {str(value): name for name, value in params.items()}
    segments = [f"{{{names[s]}}}" if s in names else s for s in path.split("/")]
    template = "/".join(segments)
    for value, name in names.items():  # values that span segments ({path:path})
        if "/" in value:
            template = template.replace(value, f"{{{name}}}", 1)
    return template


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def _with_request_id(body: bytes, request_id: str) -> bytes:
    try:
        document = json.loads(body)
    except ValueError:
        return body
    if not isinstance(document, dict) or "error" not in document:
        return body  # the app API's `{"detail"}` bodies stay exactly as seed 004 wrote them
    document["request_id"] = request_id
    return json.dumps(document, separators=(",", ":")).encode()


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(_header(scope, _HEADER_BYTES))
        token = current_request_id.set(request_id)
        started = time.perf_counter()
        status = 500
        held: Message | None = None  # an error response's start, until its body is rewritten
        chunks: list[bytes] = []

        async def send_with_id(message: Message) -> None:
            nonlocal status, held
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [*message.get("headers", []), (_HEADER_BYTES, request_id.encode())]
                message = {**message, "headers": headers}
                if status >= 400 and _is_json(headers):
                    held = message
                    return
            elif message["type"] == "http.response.body" and held is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                body = _with_request_id(b"".join(chunks), request_id)
                await send(_resized(held, len(body)))
                message = {"type": "http.response.body", "body": body}
                held = None
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error in %s %s", scope["method"], scope["path"])
            status = 500
            await _send_internal_error(send, request_id, scope["path"])
        finally:
            self.metrics.observe_request(
                scope["method"], _route_of(scope), status, time.perf_counter() - started
            )
            current_request_id.reset(token)


def _is_json(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(k == b"content-type" and v.startswith(b"application/json") for k, v in headers)


def _resized(start: Message, length: int) -> Message:
    headers = [(k, v) for k, v in start["headers"] if k != b"content-length"]
    return {**start, "headers": [*headers, (b"content-length", str(length).encode())]}


async def _send_internal_error(send: Send, request_id: str, path: str) -> None:
    """An unexpected error: one body every dialect's clients can read (OpenAI and Azure read
    `error`, the app API `detail`, the gateway's a `BifrostError`), with the id to look for in
    the logs."""
    message = f"Internal server error (request id {request_id})."
    body: dict[str, Any] = {
        "error": {
            "message": message,
            "type": "server_error",
            "param": None,
            "code": "internal_error",
        },
        "detail": "Internal server error",
        "request_id": request_id,
    }
    if path.startswith("/gateway/"):  # the BifrostError's strings are never null
        error = {"message": message, "type": "server_error", "code": "internal_error"}
        body = {
            "is_bifrost_error": True,
            "status_code": 500,
            "error": error,
            "request_id": request_id,
        }
    payload = json.dumps(body).encode()
    try:
        await send(
            {
                "type": "http.response.start",
                "status": 500,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                    (_HEADER_BYTES, request_id.encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})
    except RuntimeError:  # the response had already started: nothing more can be said
        pass
