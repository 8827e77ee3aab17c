"""Validating parsed bodies against a dialect's models, with errors that name nested keys."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


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
        errors = [{**error, "loc": (*prefix, *error["loc"])} for error in exc.errors()]
        raise RequestValidationError(errors) from exc
