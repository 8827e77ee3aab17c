"""What makes a dialect a dialect: its error envelope, applied to every error its routes raise.

Each dialect's router uses a `route_class` made by `dialect_route(envelope)`, so domain errors,
validation errors and HTTP errors from its routes all come out in that dialect's own shape.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from fastapi import Request, Response, params
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, APIRouter
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from reelgate.api.parsing.json_text import JsonNotText, parse_json
from reelgate.core.errors import ReelgateError


class ErrorEnvelope(Protocol):
    def domain(self, exc: ReelgateError) -> Response: ...

    def validation(self, errors: list[dict[str, Any]]) -> Response: ...

    def http(self, status_code: int, detail: str, headers: dict[str, str] | None) -> Response: ...


async def in_envelope(envelope: ErrorEnvelope, answer: Coroutine[Any, Any, Response]) -> Response:
    """The route's answer, or the error it raised rendered in the dialect's envelope."""
    try:
        return await answer
    except ReelgateError as exc:
        return envelope.domain(exc)
    except (RequestValidationError, ValidationError) as exc:
        return envelope.validation(list(exc.errors()))
    except HTTPException as exc:
        return envelope.http(exc.status_code, str(exc.detail), exc.headers)


def _is_json(request: Request) -> bool:
    media_type = request.headers.get("content-type", "application/json").split(";")[0].strip()
    return media_type.lower() == "application/json" or media_type.lower().endswith("+json")


async def _parse_json_first(request: Request) -> None:
    """Parse a JSON body the bounded way (`api/parsing/json_text.py`) before FastAPI reads it
    for a body model, which then finds it parsed (Starlette caches it as `Request._json`). Text
    that is no JSON at all is left to FastAPI, which reports it as each dialect expects."""
    raw = await request.body()
    if not raw.strip():
        return
    try:
        request._json = parse_json(raw, invalid="not JSON")
    except JsonNotText:
        return


def dialect_route(envelope: ErrorEnvelope) -> type[APIRoute]:
    class DialectRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()
            field = self.body_field
            takes_json = field is not None and not isinstance(field.field_info, params.Form)

            async def answer(request: Request) -> Response:
                if takes_json and _is_json(request):
                    await _parse_json_first(request)
                return await handler(request)

            async def handle(request: Request) -> Response:
                return await in_envelope(envelope, answer(request))

            return handle

    return DialectRoute


class DialectPrefixes:
    """Maps URL prefixes to envelopes, for errors raised before any route matched (404, 405)."""

    def __init__(self) -> None:
        self._entries: list[tuple[str, ErrorEnvelope]] = []

    def add(self, prefix: str, envelope: ErrorEnvelope) -> None:
        self._entries.append((prefix.rstrip("/"), envelope))
        self._entries.sort(key=lambda entry: len(entry[0]), reverse=True)

    def envelope_for(self, path: str) -> ErrorEnvelope | None:
        for prefix, envelope in self._entries:
            if path == prefix or path.startswith(prefix + "/"):
                return envelope
        return None


def mounted_copy(source: APIRouter, *, operation_prefix: str, tags: list[str]) -> APIRouter:
    """The same routes and handlers under new operation ids and tags, to mount a dialect at a
    second prefix (Azure serves the OpenAI Videos API under `/openai/v1`) without a second
    implementation and without duplicate operation ids in the OpenAPI document."""
    copy = APIRouter(route_class=source.route_class)
    for route in source.routes:
        if not isinstance(route, APIRoute):
            raise TypeError(f"cannot copy route {route!r}")
        copy.add_api_route(
            route.path,
            route.endpoint,
            methods=sorted(route.methods),
            response_model=route.response_model,
            status_code=route.status_code,
            responses=route.responses,
            summary=route.summary,
            description=route.description,
            operation_id=f"{operation_prefix}{route.operation_id}",
            tags=list(tags),
            dependencies=route.dependencies,
            include_in_schema=route.include_in_schema,
            openapi_extra=route.openapi_extra,
        )
    return copy
