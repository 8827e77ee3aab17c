"""A 405 names, in `Allow`, every method its path serves (RFC 9110 15.5.6), in every dialect."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.server import ServerProcess


def allowed(response: httpx.Response) -> set[str]:
    assert response.status_code == 405, response.text
    return {method.strip() for method in response.headers["allow"].split(",")}


@pytest.mark.parametrize(
    ("method", "path", "methods"),
    [
        ("PUT", "/v1/videos/video_x", {"GET", "DELETE"}),
        ("PATCH", "/v1/videos", {"GET", "POST"}),
        ("POST", "/v1/videos/video_x/content", {"GET", "HEAD"}),
        ("PUT", "/openai/v1/videos/video_x", {"GET", "DELETE"}),
        ("PUT", "/openai/v1/video/generations/jobs", {"GET", "POST"}),
        ("PATCH", "/openai/v1/video/generations/jobs/job_x", {"GET", "DELETE"}),
        ("DELETE", "/v1/videos/video_x/remix", {"POST"}),
        ("PUT", "/gateway/v1/videos/video_x:openai", {"GET", "DELETE"}),
    ],
)
def test_allow_lists_every_method_of_the_path(http: httpx.Client, method, path, methods):
    assert allowed(http.request(method, path)) == methods


def test_every_documented_path(server: ServerProcess, http: httpx.Client):
    """Each path of the OpenAPI document, asked with a method it does not serve. A path can
    match several templates (`/v1/videos/edits` is also `/v1/videos/{video_id}`): `Allow`
    names what all of them serve."""
    paths = http.get("/openapi.json").json()["paths"]
    patterns = {
        template: re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")
        for template in paths
    }
    for template in paths:
        path = re.sub(r"\{[^}]+\}", "x1", template)
        served = {
            method.upper()
            for other, operations in paths.items()
            if patterns[other].match(path)
            for method in operations
        }
        unserved = next(m for m in ("PATCH", "PUT", "DELETE", "POST") if m not in served)
        allow = allowed(http.request(unserved, path))
        assert served <= allow, template
        for method in allow - served:  # served but not documented (HEAD of a download)
            assert http.request(method, path).status_code != 405, (template, method)
    assert len(paths) > 20
