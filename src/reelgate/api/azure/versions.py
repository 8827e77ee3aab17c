"""Azure's `api-version` query parameter, checked the same way on every route under `/openai/v1`
(video jobs, images, and the OpenAI-style videos surface, its short way included).

The v1 preview document allows `v1` (the default) and `preview` (`AzureAIFoundryModelsApiVersion`);
anything else, an empty value too, is a 400 naming `api-version` in the route's own envelope.
The classic deployment routes (`/openai/deployments/{deployment}/...`, which the SDK's
`AzureOpenAI` client calls for images) also take the dated versions that Azure's data-plane
documents use, such as `2025-04-01-preview`.
"""

from __future__ import annotations

import functools
import re
from typing import Annotated, Literal

from fastapi import Query
from pydantic import AfterValidator, TypeAdapter
from pydantic_core import PydanticCustomError
from starlette.requests import Request
from starlette.responses import Response

from reelgate.api.parsing.validation import query_value
from reelgate.api.short_way.routes import Endpoint

ApiVersion = Literal["v1", "preview"]
_VERSIONS: TypeAdapter[ApiVersion | None] = TypeAdapter(ApiVersion | None)


async def api_version(
    version: Annotated[
        ApiVersion | None,
        Query(alias="api-version", description="`v1` (the default) or `preview`."),
    ] = None,
) -> None:
    """The dependency of Azure's routers (FastAPI's way)."""


DATED_VERSION = re.compile(r"v1|preview|\d{4}-\d{2}-\d{2}(-preview)?")


def _dated(value: str) -> str:
    if DATED_VERSION.fullmatch(value) is None:
        raise PydanticCustomError(
            "api_version",
            "expected 'v1', 'preview' or a dated version such as '2025-04-01-preview', "
            "but got '{value}'",
            {"value": value},
        )
    return value


DatedApiVersion = Annotated[str, AfterValidator(_dated)]


async def dated_api_version(
    version: Annotated[
        DatedApiVersion | None,
        Query(
            alias="api-version",
            description="`v1`, `preview` or a dated version such as `2025-04-01-preview`.",
        ),
    ] = None,
) -> None:
    """The dependency of the classic deployment routes."""


def check_api_version(request: Request) -> None:
    """The same check for routes that skip FastAPI's request handling (the last of repeated
    values counts, as FastAPI reads it)."""
    query_value(request, "api-version", _VERSIONS, None)


def versioned(endpoint: Endpoint) -> Endpoint:
    """`endpoint` (a short-way one), answering only requests with an allowed `api-version`."""

    @functools.wraps(endpoint)  # the signature too: FastRoute checks it
    async def checked(request: Request, **path_params: str) -> Response:
        check_api_version(request)
        return await endpoint(request=request, **path_params)

    return checked
