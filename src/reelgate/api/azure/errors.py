"""Azure OpenAI's video error envelope: `{"error": {"code", "message", "param"?, "type"?,
"inner_error"?}}`, the `AzureOpenAIVideoGenerationErrorResponse` schema of the official document.

The schema's keys are not nullable, so absent values are left out rather than sent as null.
Validation messages use the same wording as the OpenAI dialect.
"""

from __future__ import annotations

from typing import Any

from fastapi import Response
from fastapi.responses import JSONResponse

from reelgate.api.openai.errors import translate_validation
from reelgate.api.server.error_words import SERVER_ERRORS
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

_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}


def azure_error(
    status_code: int,
    message: str,
    *,
    code: str,
    param: str | None = None,
    error_type: str | None = "invalid_request_error",
    inner_error: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    error: dict[str, Any] = {"code": code, "message": message}
    if param is not None:
        error["param"] = param
    if error_type is not None:
        error["type"] = error_type
    if inner_error is not None:
        error["inner_error"] = inner_error
    return JSONResponse({"error": error}, status_code=status_code, headers=headers)


class AzureEnvelope:
    def domain(self, exc: ReelgateError) -> Response:
        if isinstance(exc, ModerationRejected):
            inner: dict[str, Any] = {"code": "ResponsibleAIPolicyViolation"}
            if exc.revised_prompt is not None:
                inner["revised_prompt"] = exc.revised_prompt
            if exc.details is not None:
                inner["error_details"] = exc.details
            code = exc.code or "content_policy_violation"
            return azure_error(400, exc.message, code=code, param=exc.param, inner_error=inner)
        if isinstance(exc, UpstreamFailed):
            return azure_error(502, exc.message, code=exc.code or "upstream_error", error_type=None)
        if isinstance(exc, IdempotencyKeyReused):
            return azure_error(422, exc.message, code=exc.code or "", param=exc.param)
        if isinstance(exc, Unauthorized):  # Azure answers auth failures with the status as code
            return azure_error(401, exc.message, code="401", error_type=None)
        if isinstance(exc, RateLimited):
            return azure_error(429, exc.message, code="429", error_type=None, headers=exc.headers)
        if isinstance(exc, NotFound | NotReady):  # ids are path segments: no `param` to name
            return azure_error(404, exc.message, code=exc.code or "not_found")
        if isinstance(exc, Conflict | InvalidRequest):
            return azure_error(
                400, exc.message, code=exc.code or "invalid_request", param=exc.param
            )
        return azure_error(500, exc.message, code="internal_error", error_type="server_error")

    def validation(self, errors: list[dict[str, Any]]) -> Response:
        message, param, code = translate_validation(errors[0])
        return azure_error(400, message, code=code, param=param or None)

    def http(self, status_code: int, detail: str, headers: dict[str, str] | None) -> Response:
        if status_code == 404 and detail == "Not Found":
            detail = "Resource not found: no such endpoint."
        elif status_code == 405:
            detail = "Method not allowed for this endpoint."
        if status_code >= 500:  # a condition of the server (503 disk full): Azure's server words
            code = SERVER_ERRORS.get(status_code, SERVER_ERRORS[500])[1]
            return azure_error(
                status_code, detail, code=code, error_type="server_error", headers=headers
            )
        code = _HTTP_CODES.get(status_code, "invalid_request")
        return azure_error(status_code, detail, code=code, headers=headers)
