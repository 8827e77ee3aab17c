"""The app API's error envelope (seed 004): FastAPI's own `{"detail": ...}` shape.

Seed 004 documents validation errors the way FastAPI reported them when it was written
(pydantic 1): `{"loc": ["body", "duration"], "msg": "ensure this value is greater than or equal
to 1", "type": "value_error.number.not_ge", "ctx": {"limit_value": 1}}`. Clients written against
that document may match on those words, so the common cases are rendered in them; anything else
keeps pydantic's own `msg` and `type`.
"""

from __future__ import annotations

from typing import Any

from fastapi import Response
from fastapi.responses import JSONResponse

from reelgate.core.errors import (
    Conflict,
    IdempotencyKeyReused,
    NotFound,
    NotReady,
    RateLimited,
    ReelgateError,
    Unauthorized,
)

_TYPE_ERRORS = {
    "int_type": ("value is not a valid integer", "type_error.integer"),
    "int_parsing": ("value is not a valid integer", "type_error.integer"),
    "int_from_float": ("value is not a valid integer", "type_error.integer"),
    "string_type": ("str type expected", "type_error.str"),
    "model_attributes_type": ("value is not a valid dict", "type_error.dict"),
    "dict_type": ("value is not a valid dict", "type_error.dict"),
    "missing": ("field required", "value_error.missing"),
    "json_invalid": ("Expecting value", "value_error.jsondecode"),
}

# pydantic 2 bound errors: (ctx key, pydantic 1 wording, pydantic 1 type)
_BOUNDS = {
    "greater_than_equal": ("ge", "greater than or equal to", "value_error.number.not_ge"),
    "greater_than": ("gt", "greater than", "value_error.number.not_gt"),
    "less_than_equal": ("le", "less than or equal to", "value_error.number.not_le"),
    "less_than": ("lt", "less than", "value_error.number.not_lt"),
}


def seed_validation_error(error: dict[str, Any]) -> dict[str, Any]:
    """One pydantic 2 error in the shape and words seed 004 documents."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    rendered: dict[str, Any] = {"loc": list(error.get("loc", ())), "msg": error.get("msg", "")}
    if kind in _BOUNDS:
        key, words, legacy_type = _BOUNDS[kind]
        limit = ctx.get(key)
        rendered["msg"] = f"ensure this value is {words} {limit}"
        rendered["type"] = legacy_type
        rendered["ctx"] = {"limit_value": limit}
    elif kind in _TYPE_ERRORS:
        rendered["msg"], rendered["type"] = _TYPE_ERRORS[kind]
    else:
        rendered["type"] = kind
        if ctx:
            rendered["ctx"] = {name: str(value) for name, value in ctx.items()}
    return rendered


def detail_response(
    status_code: int, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"detail": message}, status_code=status_code, headers=headers)


class AppEnvelope:
    """Errors as seed 004's app returns them: 400/404/409 `{"detail": "..."}`, 422 a list."""

    def domain(self, exc: ReelgateError) -> Response:
        if isinstance(exc, NotFound | NotReady):
            return detail_response(404, exc.message)
        if isinstance(exc, Conflict):
            return detail_response(409, exc.message)
        if isinstance(exc, IdempotencyKeyReused):
            return detail_response(422, exc.message)
        if isinstance(exc, Unauthorized):
            return detail_response(401, exc.message, {"WWW-Authenticate": "Bearer"})
        if isinstance(exc, RateLimited):
            return detail_response(429, exc.message, exc.headers)
        return detail_response(400, exc.message)  # InvalidRequest, and any newer client error

    def validation(self, errors: list[dict[str, Any]]) -> Response:
        return JSONResponse(
            {"detail": [seed_validation_error(error) for error in errors]}, status_code=422
        )

    def http(self, status_code: int, detail: str, headers: dict[str, str] | None) -> Response:
        return detail_response(status_code, detail, headers)
