"""Validating parsed bodies against a dialect's models, with errors that name nested keys."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.requests import Request

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


def validate(
    model: type[M],
    value: Any,
    param: str | tuple[str | int, ...] | None = None,
    *,
    strict: bool | None = None,
) -> M:
    """Validate `value`; error locations are reported under `param` (a key or a path).

    `strict=False` lets multipart bodies, whose values are all strings, say `width=1280`.
    """
    try:
        return model.model_validate(value, strict=strict)
    except ValidationError as exc:
        prefix: tuple[str | int, ...] = (param,) if isinstance(param, str) else (param or ())
        raise _located(exc, prefix) from exc


def query_value(request: Request, name: str, adapter: TypeAdapter[T], default: T) -> T:
    """One query parameter, read and validated as FastAPI would (the last of repeated values;
    errors located at `("query", name)`), for routes that skip FastAPI's request handling."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        return adapter.validate_python(raw)
    except ValidationError as exc:
        raise _located(exc, ("query", name)) from exc


def _located(exc: ValidationError, prefix: tuple[str | int, ...]) -> RequestValidationError:
    return RequestValidationError(
        [{**error, "loc": (*prefix, *error["loc"])} for error in exc.errors()]
    )
