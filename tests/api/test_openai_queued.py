"""Behaviour that needs jobs to stay queued: a server with no workers (`--workers 0`)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import openai
import pytest
from openai import OpenAI

from tests.conftest import SpecSchemas, by_id
from tests.server import ServerProcess


@pytest.fixture(scope="module")
def idle_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with ServerProcess(tmp_path_factory.mktemp("idle") / "data", workers=0) as process:
        yield process


@pytest.fixture(scope="module")
def idle_client(idle_server: ServerProcess) -> OpenAI:
    return OpenAI(base_url=f"{idle_server.base_url}/v1", api_key="k", max_retries=0)


@pytest.fixture(scope="module")
def created(idle_client: OpenAI) -> list[str]:
    return [idle_client.videos.create(prompt=f"video {i}").id for i in range(7)]


def test_sdk_auto_pagination_walks_every_page(idle_client: OpenAI, created: list[str]):
    walked = [video.id for video in idle_client.videos.list(limit=2)]
    assert walked == list(reversed(created)), "default order is newest first"
    ascending = [video.id for video in idle_client.videos.list(limit=3, order="asc")]
    assert ascending == created


def test_pages_after_limit_and_order(idle_server: ServerProcess, created: list[str], spec):
    with httpx.Client(base_url=idle_server.base_url) as http:
        page = http.get("/v1/videos", params={"limit": 3, "order": "asc"}).json()
        spec.validate("VideoListResource", page)
        assert [v["id"] for v in page["data"]] == created[:3]
        assert (page["first_id"], page["last_id"], page["has_more"]) == (
            created[0],
            created[2],
            True,
        )
        rest = http.get("/v1/videos", params={"after": page["last_id"], "order": "asc"}).json()
        assert [v["id"] for v in rest["data"]] == created[3:] and rest["has_more"] is False
        newest = http.get("/v1/videos", params={"limit": 2, "after": created[3]}).json()
        assert [v["id"] for v in newest["data"]] == [created[2], created[1]]
        empty = http.get("/v1/videos", params={"limit": 0}).json()
        spec.validate("VideoListResource", empty)
        assert (empty["data"], empty["first_id"], empty["has_more"]) == ([], None, True)


def test_cursor_survives_deleting_its_video(idle_client: OpenAI, idle_server: ServerProcess):
    ids = [idle_client.videos.create(prompt=f"cursor {i}").id for i in range(3)]
    idle_client.videos.delete(ids[1])
    with httpx.Client(base_url=idle_server.base_url) as http:
        after = http.get("/v1/videos", params={"after": ids[1], "order": "asc"}).json()
    assert [v["id"] for v in after["data"]] == [ids[2]]
    idle_client.videos.delete(ids[0])
    idle_client.videos.delete(ids[2])


def test_queued_video_has_no_content_yet(idle_client: OpenAI, created: list[str], spec):
    video = idle_client.videos.retrieve(created[0])
    assert (video.status, video.progress, video.completed_at) == ("queued", 0, None)
    spec.validate("VideoResource", video.model_dump(mode="json"))
    raw = idle_client.videos.with_raw_response.retrieve(created[0])
    assert raw.headers["openai-poll-after-ms"] == "500"
    for variant in ("video", "thumbnail", "spritesheet"):
        with pytest.raises(openai.NotFoundError) as caught:
            idle_client.videos.download_content(created[0], variant=variant)
        assert caught.value.body["message"].startswith("Video is not ready yet")


def test_only_completed_videos_are_remixed_edited_or_extended(idle_client: OpenAI, created):
    with pytest.raises(openai.BadRequestError, match="only completed videos can be remixed"):
        idle_client.videos.remix(created[0], prompt="again")
    with pytest.raises(openai.BadRequestError, match="only completed videos can be edited"):
        by_id(idle_client, "/videos/edits", video={"id": created[0]}, prompt="again")
    with pytest.raises(openai.BadRequestError, match="only completed videos can be extended"):
        by_id(idle_client, "/videos/extensions", video={"id": created[0]}, prompt="a", seconds="4")


def test_openapi_document_lists_the_video_paths(idle_server: ServerProcess):
    document = httpx.get(f"{idle_server.base_url}/openapi.json").json()
    for path in (
        "/v1/videos",
        "/v1/videos/{video_id}",
        "/v1/videos/{video_id}/content",
        "/v1/videos/{video_id}/remix",
        "/v1/videos/edits",
        "/v1/videos/extensions",
    ):
        assert path in document["paths"], path
    docs = httpx.get(f"{idle_server.base_url}/api/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_validation_of_json_body_matches_schema(idle_client: OpenAI, spec: SpecSchemas):
    for video in idle_client.videos.list(limit=100):
        spec.validate("VideoResource", video.model_dump(mode="json"))
