"""A bad or unsatisfiable `Range` on a content download answers in the dialect's JSON envelope
(never Starlette's plain text), and a 416 keeps `Content-Range: bytes */<size>`."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from openai import OpenAI

from tests.conftest import wait_for

AZURE = "?api-version=preview"
MALFORMED = ("bytes=500-100", "items=0-10", "bytes")


@pytest.fixture(scope="module")
def paths(client: OpenAI, http: httpx.Client) -> dict[str, str]:
    """One completed video's content, as each dialect serves it."""
    video = client.videos.create_and_poll(prompt="Ranges refused", size="1280x720", seconds="4")
    assert video.status == "completed"
    azure = http.get(f"/openai/v1/video/generations/jobs/{video.id}{AZURE}").json()
    generation = azure["generations"][0]["id"]
    app = http.get(f"/api/status/{video.id}").json()
    gateway = http.post("/gateway/v1/videos", json={"model": "openai/sora-2", "prompt": "Ranges"})
    gateway_id = gateway.json()["id"]
    wait_for(http, gateway_id.partition(":")[0])
    return {
        "openai": f"/v1/videos/{video.id}/content",
        "azure_openai": f"/openai/v1/videos/{video.id}/content",
        "azure": f"/openai/v1/video/generations/{generation}/content/video{AZURE}",
        "app": app["video_url"],
        "gateway": f"/gateway/v1/videos/{gateway_id}/content",
    }


def error_of(dialect: str, response: httpx.Response) -> str:
    """The message, after checking the body is the dialect's envelope."""
    assert response.headers["content-type"].startswith("application/json"), response.text
    body: dict[str, Any] = response.json()
    if dialect == "app":
        assert isinstance(body["detail"], str)
        return body["detail"]
    error = body["error"]
    if dialect in ("openai", "azure_openai"):
        assert set(error) == {"message", "type", "param", "code"}
        assert error["type"] == "invalid_request_error"
    elif dialect == "azure":
        assert error["code"] == "invalid_request"
        assert error["type"] == "invalid_request_error"
    else:  # the gateway's BifrostError
        assert body["status_code"] == response.status_code
        assert error["type"] == "invalid_request_error"
    return error["message"]


DIALECTS = ("openai", "azure_openai", "azure", "app", "gateway")


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("dialect", DIALECTS)
def test_an_unsatisfiable_range_is_a_416_in_the_envelope(
    http: httpx.Client, paths: dict[str, str], dialect: str, method: str
):
    size = int(http.head(paths[dialect]).headers["content-length"])
    refused = http.request(method, paths[dialect], headers={"Range": f"bytes={size + 10}-"})
    assert refused.status_code == 416
    assert refused.headers["content-range"] == f"bytes */{size}"
    if method == "GET":
        message = error_of(dialect, refused)
        assert message == f"The requested range is not satisfiable: the file is {size} bytes."


@pytest.mark.parametrize("range_header", MALFORMED)
@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_malformed_range_is_a_400_in_the_envelope(
    http: httpx.Client, paths: dict[str, str], dialect: str, range_header: str
):
    refused = http.get(paths[dialect], headers={"Range": range_header})
    assert refused.status_code == 400
    assert error_of(dialect, refused).startswith("Invalid Range header")


def test_good_ranges_still_stream(http: httpx.Client, paths: dict[str, str]):
    for path in paths.values():
        whole = http.get(path).content
        part = http.get(path, headers={"Range": "bytes=10-109"})
        assert part.status_code == 206 and part.content == whole[10:110]
