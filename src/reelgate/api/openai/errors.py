"""OpenAI's error envelope, `{"error": {"message", "type", "param", "code"}}`, and its wording.

Messages follow the phrasing the OpenAI API uses for the same mistakes, e.g.
"Invalid value: '10'. Supported values are: '4', '8', and '12'." (code `invalid_value`).
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import Response
from fastapi.responses import JSONResponse

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

_STATUS_TYPES = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    404: "invalid_request_error",
    405: "invalid_request_error",
    409: "invalid_request_error",
    413: "invalid_request_error",
    415: "invalid_request_error",
    416: "invalid_request_error",  # a Range past the end of a download
    422: "invalid_request_error",
    429: "requests",  # OpenAI's type for request-rate limits (code `rate_limit_exceeded`)
}


def openai_error(
    status_code: int,
    message: str,
    *,
    param: str | None = None,
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    error_type = _STATUS_TYPES.get(status_code, "server_error")
    body = {"error": {"message": message, "type": error_type, "param": param, "code": code}}
    return JSONResponse(body, status_code=status_code, headers=headers)


def quote_list(values: list[str]) -> str:
    """'a', 'b', and 'c' — the way OpenAI lists supported values."""
    quoted = [f"'{value}'" for value in values]
    if len(quoted) <= 2:
        return " and ".join(quoted)
    return ", ".join(quoted[:-1]) + ", and " + quoted[-1]


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "a file"


_EXPECTED_TYPES = {
    "string_type": "a string",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "bool_type": "a boolean",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
}


# pydantic bound errors: (words, comparison, ctx key, code suffix). OpenAI says which kind of
# number: "integer above maximum value" / "decimal above maximum value".
_BOUNDS = {
    "greater_than_equal": ("below minimum", ">=", "ge", "below_min_value"),
    "greater_than": ("below minimum", ">", "gt", "below_min_value"),
    "less_than_equal": ("above maximum", "<=", "le", "above_max_value"),
    "less_than": ("above maximum", "<", "lt", "above_max_value"),
}


def _param(loc: tuple[Any, ...]) -> str:
    parts = [str(part) for part in loc if part not in ("body", "query", "path")]
    return ".".join(parts)


def translate_validation(error: dict[str, Any]) -> tuple[str, str, str]:
    """(message, param, code) for one pydantic/FastAPI validation error, in OpenAI's words."""
    param = _param(tuple(error.get("loc", ())))
    kind = error.get("type", "")
    value = error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return f"Missing required parameter: '{param}'.", param, "missing_required_parameter"
    if kind == "extra_forbidden":
        return f"Unknown parameter: '{param}'.", param, "unknown_parameter"
    if kind in ("literal_error", "enum") and not isinstance(value, str):
        # The supported values are strings (e.g. seconds "4"): a number is a type mistake.
        return (
            f"Invalid type for '{param}': expected a string, but got {_json_type(value)} instead.",
            param,
            "invalid_type",
        )
    if kind in ("literal_error", "enum"):
        supported = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        return (
            f"Invalid value: '{value}'. Supported values are: {quote_list(supported)}.",
            param,
            "invalid_value",
        )
    if kind in _EXPECTED_TYPES:
        return (
            f"Invalid type for '{param}': expected {_EXPECTED_TYPES[kind]}, "
            f"but got {_json_type(value)} instead.",
            param,
            "invalid_type",
        )
    if kind == "string_too_short":
        minimum = ctx.get("min_length", 1)
        got = "an empty string" if value == "" else f"a string with length {len(str(value))}"
        return (
            f"Invalid '{param}': string too short. Expected a string with minimum length "
            f"{minimum}, but got {got} instead.",
            param,
            "string_below_min_length",
        )
    if kind == "string_too_long":
        return (
            f"Invalid '{param}': string too long. Expected a string with maximum length "
            f"{ctx.get('max_length')}, but got a string with length {len(str(value))} instead.",
            param,
            "string_above_max_length",
        )
    if kind in _BOUNDS:
        words, sign, bound_key, suffix = _BOUNDS[kind]
        number = "decimal" if isinstance(value, float) else "integer"
        return (
            f"Invalid '{param}': {number} {words} value. Expected a value {sign} "
            f"{ctx.get(bound_key)}, but got {value} instead.",
            param,
            f"{number}_{suffix}",
        )
    return f"Invalid '{param}': {error.get('msg', 'invalid value')}.", param, "invalid_value"


class OpenAIEnvelope:
    def domain(self, exc: ReelgateError) -> Response:
        if isinstance(exc, ModerationRejected):
            return openai_error(400, exc.message, param=exc.param, code="moderation_blocked")
        if isinstance(exc, UpstreamFailed):
            return openai_error(502, exc.message, code=exc.code)
        if isinstance(exc, IdempotencyKeyReused):
            return openai_error(422, exc.message, param=exc.param, code=exc.code)
        if isinstance(exc, Unauthorized):
            return openai_error(401, exc.message, code=exc.code)
        if isinstance(exc, RateLimited):
            return openai_error(429, exc.message, code=exc.code, headers=exc.headers)
        status = 400
        if isinstance(exc, NotFound | NotReady):
            status = 404
        elif isinstance(exc, Conflict | InvalidRequest):
            status = 400
        return openai_error(status, exc.message, param=exc.param, code=exc.code)

    def validation(self, errors: list[dict[str, Any]]) -> Response:
        message, param, code = translate_validation(errors[0])
        return openai_error(400, message, param=param or None, code=code)

    def http(self, status_code: int, detail: str, headers: dict[str, str] | None) -> Response:
        if status_code == 404 and detail == "Not Found":
            detail = "Invalid URL: no such endpoint."
        elif status_code == 405:
            detail = "Method not allowed for this endpoint."
        return openai_error(status_code, detail, headers=headers)
