"""Status polling (and content downloads) run on plain Starlette routes ahead of FastAPI's
(api/short_way/routes.py), and polls read jobs from memory between commits (store/recent_jobs.py);
they must answer exactly as the documented routes would, and never from a stale copy."""

from __future__ import annotations

import errno
import sqlite3

import httpx
import pytest
from fastapi import Request
from openai import NotFoundError, OpenAI
from sqlalchemy.exc import OperationalError
from starlette.responses import Response
from starlette.testclient import TestClient

from reelgate.api.openai.videos import ENVELOPE, retrieve_video, video_content_fast
from reelgate.api.short_way.routes import FastRoute
from reelgate.app import create_app
from reelgate.config import Settings
from tests.conftest import wait_for

PREFIXES = ("/v1", "/openai/v1")


def test_polls_and_downloads_are_matched_before_fastapis_routes(tmp_path):
    app = create_app(Settings(data_dir=tmp_path, workers=0))
    first = app.shortcuts
    assert len(first) == 4 and all(isinstance(route, FastRoute) for route in first)
    endpoints = {route.path: route.endpoint for route in first}
    for prefix in PREFIXES:
        poll = endpoints[f"{prefix}/videos/{{video_id}}"]
        download = endpoints[f"{prefix}/videos/{{video_id}}/content"]
        if prefix == "/openai/v1":  # Azure's copies check `api-version` first
            poll, download = poll.__wrapped__, download.__wrapped__
        assert poll is retrieve_video
        assert download is video_content_fast


def test_an_endpoint_it_cannot_call_is_refused_at_start_up():
    async def needs_more(video_id: str, request: Request, limit: int) -> Response:
        raise AssertionError("never called")

    with pytest.raises(TypeError, match="needs_more"):
        FastRoute("/v1/videos/{video_id}", needs_more, ENVELOPE)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_polls_answer_as_the_documented_route(http: httpx.Client, prefix: str):
    created = http.post(f"{prefix}/videos", json={"prompt": "Polled"}).json()
    polled = http.get(f"{prefix}/videos/{created['id']}")
    assert polled.status_code == 200
    assert polled.json()["id"] == created["id"]
    assert polled.headers["content-type"] == "application/json"
    assert int(polled.headers["openai-poll-after-ms"]) > 0
    assert polled.headers["x-request-id"]

    missing = http.get(f"{prefix}/videos/video_01hzzzzzzzzzzzzzzzzzzzzzzz")
    assert missing.status_code == 404
    error = missing.json()
    assert error["error"]["param"] == "video_id"
    assert error["error"]["type"] == "invalid_request_error"
    assert error["request_id"] == missing.headers["x-request-id"]

    operation = http.get("/openapi.json").json()["paths"][f"{prefix}/videos/{{video_id}}"]["get"]
    assert operation["operationId"].endswith("GetVideo")


def test_other_methods_reach_their_routes_and_polls_see_every_change(
    http: httpx.Client, client: OpenAI
):
    video = client.videos.create(prompt="Seen through", seconds="4", size="720x1280")
    assert client.videos.retrieve(video.id).status in ("queued", "in_progress", "completed")
    finished = wait_for(http, video.id)
    assert finished["status"] == "completed"
    assert client.videos.retrieve(video.id).progress == 100
    assert http.head(f"/v1/videos/{video.id}").status_code == 405  # GET only, as documented
    assert client.videos.delete(video.id).deleted
    with pytest.raises(NotFoundError):
        client.videos.retrieve(video.id)


def test_polls_are_counted_under_the_route_template(http: httpx.Client):
    created = http.post("/v1/videos", json={"prompt": "Counted"}).json()
    for _ in range(3):
        http.get(f"/v1/videos/{created['id']}")
    metrics = http.get("/metrics").text
    assert 'method="GET",route="/v1/videos/{video_id}",status="200"' in metrics
    assert created["id"] not in metrics


@pytest.mark.parametrize("prefix", PREFIXES)
def test_downloads_answer_as_the_documented_route(http: httpx.Client, prefix: str):
    created = http.post(f"{prefix}/videos", json={"prompt": "Downloaded", "seconds": "4"}).json()
    done = wait_for(http, created["id"])
    path = f"{prefix}/videos/{done['id']}/content"
    whole = http.get(path)
    assert whole.status_code == 200 and whole.headers["content-type"] == "video/mp4"
    assert whole.headers["content-disposition"] == f'inline; filename="{done["id"]}.mp4"'
    part = http.get(path, headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.content == whole.content[10:20]
    assert part.headers["cache-control"] == whole.headers["cache-control"]
    thumbnail = http.get(path, params={"variant": "thumbnail"})
    assert thumbnail.headers["content-type"] == "image/webp"
    # The last of repeated values counts, as in FastAPI's parameter handling.
    repeated = http.get(f"{path}?variant=poster&variant=spritesheet")
    assert repeated.headers["content-type"] == "image/jpeg"
    unknown = http.get(path, params={"variant": "poster"})
    assert unknown.status_code == 400 and unknown.json()["error"]["param"] == "variant"
    head = http.head(path)  # HEAD is FastAPI's documented route
    assert head.status_code == 200 and head.headers["content-length"] == str(len(whole.content))
    operation = http.get("/openapi.json").json()["paths"][f"{prefix}/videos/{{video_id}}/content"]
    versioned = ["api-version"] if prefix == "/openai/v1" else []
    names = [p["name"] for p in operation["get"]["parameters"]]
    assert names == ["video_id", "variant", *versioned]

    metrics = http.get("/metrics").text
    assert f'method="GET",route="{prefix}/videos/{{video_id}}/content",status="206"' in metrics


def test_the_short_way_answers_server_faults_as_fastapis_does(tmp_path, monkeypatch):
    """A busy database or a failing disk during a poll or a download: 503 in the envelope."""
    busy = OperationalError("SELECT", {}, sqlite3.OperationalError("database is locked"))
    broken = OSError(errno.EIO, "Input/output error")
    app = create_app(Settings(data_dir=tmp_path, workers=0))
    with TestClient(app) as client:
        for path, fault in (("/v1/videos/video_x", busy), ("/v1/videos/video_x/content", broken)):

            def fail(*_args: object, fault: Exception = fault, **_kwargs: object) -> None:
                raise fault

            monkeypatch.setattr(app.state.jobs, "get", fail)
            monkeypatch.setattr(app.state.jobs, "content", fail)
            answer = client.get(path)
            assert answer.status_code == 503, path
            assert answer.headers["retry-after"] == "5"
            error = answer.json()["error"]
            assert error["type"] and error["message"].startswith(("The database", "Storage failed"))
            assert answer.json()["request_id"] == answer.headers["x-request-id"]
        # Anything else is a bug: the 500 of FastAPI's way, logged with the request's id.
        monkeypatch.setattr(app.state.jobs, "get", lambda *_a, **_k: 1 / 0)
        bug = client.get("/v1/videos/video_x")
        assert bug.status_code == 500 and bug.json()["request_id"] == bug.headers["x-request-id"]


def test_recorded_requests_include_the_short_way(tmp_path):
    app = create_app(Settings(data_dir=tmp_path, workers=0, record_requests=True))
    with TestClient(app) as client:
        client.get("/v1/videos/video_x")
        client.get("/v1/videos/video_x/content")
        recorded = client.get("/api/recordings").json()
    paths = [entry["path"] for entry in recorded["data"]]
    assert "/v1/videos/video_x" in paths and "/v1/videos/video_x/content" in paths
