"""`api-version` on every route under `/openai/v1`: the document's `v1` and `preview` (or none)
are served, anything else is a 400 naming the parameter, in the route's own envelope."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.conftest import SpecSchemas

MESSAGE = "Invalid value: '2024-10-21'. Supported values are: 'v1' and 'preview'."


def _azure_operations(http: httpx.Client) -> list[tuple[str, str]]:
    paths = http.get("/openapi.json").json()["paths"]
    return [
        (method.upper(), re.sub(r"\{[^}]+\}", "x1", template))
        for template, operations in paths.items()
        if template.startswith("/openai/v1/")
        for method in operations
    ]


def test_every_azure_route_refuses_an_unknown_version(
    http: httpx.Client, spec: SpecSchemas, azure_spec: SpecSchemas, azure_images_spec: SpecSchemas
):
    operations = _azure_operations(http)
    assert len(operations) > 15
    for method, path in operations:
        response = http.request(method, path, params={"api-version": "2024-10-21"})
        assert response.status_code == 400, (method, path, response.text)
        if method == "HEAD":
            continue
        error = response.json()["error"]
        assert (error["param"], error["code"], error["message"]) == (
            "api-version",
            "invalid_value",
            MESSAGE,
        ), (method, path)
        if path.startswith("/openai/v1/videos"):  # OpenAI's envelope, also Azure's shape
            spec.validate("ErrorResponse", response.json())
            azure_spec.validate("AzureOpenAIVideoGenerationErrorResponse", error)
        elif path.startswith("/openai/v1/images"):
            azure_images_spec.validate("AzureErrorResponse", response.json())
        else:
            azure_spec.validate("AzureOpenAIVideoGenerationErrorResponse", error)


@pytest.mark.parametrize(
    "path", ["/openai/v1/videos", "/openai/v1/videos/x1", "/openai/v1/videos/x1/content"]
)
def test_the_short_way_checks_it_too(http: httpx.Client, path: str):
    """Polls and downloads are answered before FastAPI's routing (api/short_way/)."""
    for value in ("", "v2", "PREVIEW"):
        response = http.get(path, params={"api-version": value})
        assert response.status_code == 400, (path, value)
        assert response.json()["error"]["param"] == "api-version"
    repeated = http.get(path, params=[("api-version", "preview"), ("api-version", "x")])
    assert repeated.status_code == 400, "the last value counts, as FastAPI reads it"


@pytest.mark.parametrize("params", [{}, {"api-version": "v1"}, {"api-version": "preview"}])
def test_the_documented_versions_are_served(http: httpx.Client, params: dict[str, str]):
    assert http.get("/openai/v1/videos", params=params).status_code == 200
    assert http.get("/openai/v1/video/generations/jobs", params=params).status_code == 200
    missing = http.get("/openai/v1/videos/video_missing", params=params)
    assert missing.status_code == 404, missing.text
    content = http.get("/openai/v1/videos/video_missing/content", params=params)
    assert content.status_code == 404, content.text
