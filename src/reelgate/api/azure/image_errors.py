"""Azure's error envelope for its images API: `AzureErrorResponse` of the official document,
`{"error": {"code", "message", "param"?, "type": "error", "inner_error"?}}`.

A prompt the content filter blocks is refused the way Azure refuses it: 400, code
`content_filter`, and an `inner_error` with code `ResponsibleAIPolicyViolation` and the
per-category `content_filter_results`.
"""

from __future__ import annotations

from typing import Any

from fastapi import Response

from reelgate.api.azure.content_filter import prompt_filter_results
from reelgate.api.azure.errors import azure_error
from reelgate.api.openai.errors import translate_validation
from reelgate.api.server.error_words import SERVER_ERRORS
from reelgate.core.content_filter import PromptBlocked
from reelgate.core.errors import (
    Conflict,
    InvalidRequest,
    ModerationRejected,
    NotFound,
    NotReady,
    RateLimited,
    ReelgateError,
    Unauthorized,
    UpstreamFailed,
)

_TYPE = "error"  # the document's only value for `error.type`
_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}


def blocked_error(exc: ModerationRejected) -> dict[str, Any]:
    """The `error` object of a refused prompt (also sent as a stream's error event)."""
    inner: dict[str, Any] = {"code": "ResponsibleAIPolicyViolation"}
    if isinstance(exc, PromptBlocked):
        inner["content_filter_results"] = prompt_filter_results(exc.verdict)
    return {
        "code": "content_filter",
        "message": exc.message,
        "param": exc.param or "prompt",
        "type": _TYPE,
        "inner_error": inner,
    }


class AzureImagesEnvelope:
    def domain(self, exc: ReelgateError) -> Response:
        if isinstance(exc, ModerationRejected):
            error = blocked_error(exc)
            return azure_error(
                400,
                error["message"],
                code=error["code"],
                param=error["param"],
                error_type=_TYPE,
                inner_error=error["inner_error"],
            )
        if isinstance(exc, UpstreamFailed):
            return azure_error(
                502, exc.message, code=exc.code or "upstream_error", error_type=_TYPE
            )
        if isinstance(exc, Unauthorized):  # Azure answers auth failures with the status as code
            return azure_error(401, exc.message, code="401", error_type=_TYPE)
        if isinstance(exc, RateLimited):
            return azure_error(429, exc.message, code="429", error_type=_TYPE, headers=exc.headers)
        if isinstance(exc, NotFound | NotReady):
            return azure_error(404, exc.message, code=exc.code or "not_found", error_type=_TYPE)
        if isinstance(exc, Conflict | InvalidRequest):
            return azure_error(
                400, exc.message, code=exc.code or "invalid_request", param=exc.param,
                error_type=_TYPE,
            )  # fmt: skip
        return azure_error(500, exc.message, code="internal_error", error_type=_TYPE)

    def validation(self, errors: list[dict[str, Any]]) -> Response:
        message, param, code = translate_validation(errors[0])
        return azure_error(400, message, code=code, param=param or None, error_type=_TYPE)

    def http(self, status_code: int, detail: str, headers: dict[str, str] | None) -> Response:
        if status_code == 404 and detail == "Not Found":
            detail = "Resource not found: no such endpoint."
        elif status_code == 405:
            detail = "Method not allowed for this endpoint."
        if status_code >= 500:  # a condition of the server (503 disk full): Azure's server words
            code = SERVER_ERRORS.get(status_code, SERVER_ERRORS[500])[1]
        else:
            code = _HTTP_CODES.get(status_code, "invalid_request")
        return azure_error(status_code, detail, code=code, error_type=_TYPE, headers=headers)
