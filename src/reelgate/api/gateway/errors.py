"""The gateway dialect's error envelope: Bifrost's `BifrostError`.

`{"is_bifrost_error": true, "status_code": 400, "error": {"type", "code", "message", "param"}}`:
keys without a value are left out (the document types them as strings, not nullable ones).
"""

from __future__ import annotations

from typing import Any

from fastapi import Response
from fastapi.responses import JSONResponse

from reelgate.api.openai.errors import translate_validation
from reelgate.core.errors import (
    Conflict,
    IdempotencyKeyReused,
    InvalidRequest,
    ModerationRejected,
    NotFound,
    NotReady,
    RateLimited,
    ReelgateError,
    Unauthorized,
    UpstreamFailed,
)

_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    404: "not_found_error",
    405: "invalid_request_error",
    413: "invalid_request_error",
    415: "invalid_request_error",
    416: "invalid_request_error",  # a Range past the end of a download
    422: "invalid_request_error",
    429: "rate_limit_error",
}


def gateway_error(
    status_code: int,
    message: str,
    *,
    param: str | None = None,
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    detail: dict[str, Any] = {"type": _TYPES.get(status_code, "server_error"), "message": message}
    if code:
        detail["code"] = code
    if param:
        detail["param"] = param
    body = {"is_bifrost_error": True, "status_code": status_code, "error": detail}
    return JSONResponse(body, status_code=status_code, headers=headers)


def _status_of(exc: ReelgateError) -> int:
    if isinstance(exc, NotFound | NotReady):
        return 404
    if isinstance(exc, Unauthorized):
        return 401
    if isinstance(exc, RateLimited):
        return 429
    if isinstance(exc, IdempotencyKeyReused):
        return 422
    if isinstance(exc, UpstreamFailed):
        return 502
    if isinstance(exc, InvalidRequest | Conflict | ModerationRejected):
        return 400
    return 400


class GatewayEnvelope:
    def domain(self, exc: ReelgateError) -> Response:
        headers = exc.headers if isinstance(exc, RateLimited) else None
        return gateway_error(
            _status_of(exc), exc.message, param=exc.param, code=exc.code, headers=headers
        )

    def validation(self, errors: list[dict[str, Any]]) -> Response:
        message, param, code = translate_validation(errors[0])
        return gateway_error(400, message, param=param or None, code=code)

    def http(self, status_code: int, detail: str, headers: dict[str, str] | None) -> Response:
        if status_code == 404 and detail == "Not Found":
            detail = "No such endpoint."
        elif status_code == 405:
            detail = "Method not allowed for this endpoint."
        return gateway_error(status_code, detail, headers=headers)
