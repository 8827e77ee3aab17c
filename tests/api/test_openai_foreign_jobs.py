"""Jobs made through Azure, the app API and the gateway, as the OpenAI dialect shows them: every
answer validates against OpenAI's `VideoResource`, whatever size or length the job has."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from openai import OpenAI

from tests.conftest import SpecSchemas
from tests.server import ServerProcess

AZURE_JOBS = "/openai/v1/video/generations/jobs"


@pytest.fixture(scope="module")
def idle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """A server without workers: jobs stay queued, so large sizes cost nothing."""
    data_dir = tmp_path_factory.mktemp("foreign-jobs") / "data"
    with (
        ServerProcess(data_dir, workers=0) as process,
        httpx.Client(base_url=process.base_url, timeout=30) as http,
    ):
        yield http


def _azure(http: httpx.Client, width: int, height: int, seconds: int) -> str:
    body = {"prompt": "kite", "model": "video-deployment", "width": width, "height": height,
            "n_seconds": seconds}  # fmt: skip
    response = http.post(AZURE_JOBS, params={"api-version": "preview"}, json=body)
    assert response.status_code == 200, response.text
    return response.json()["id"]


def _app(http: httpx.Client, width: int, height: int, seconds: int) -> str:
    body = {"prompt": "kite", "width": width, "height": height, "duration": seconds}
    response = http.post("/api/generate", json=body)
    assert response.status_code == 200, response.text
    return response.json()["job_id"]


def _gateway(http: httpx.Client, width: int, height: int, seconds: int) -> str:
    body = {"model": "openai/sora-2", "prompt": "kite", "size": f"{width}x{height}",
            "seconds": seconds}  # fmt: skip
    response = http.post("/gateway/v1/videos", json=body)
    assert response.status_code == 200, response.text
    return response.json()["id"].partition(":")[0]


# (how it is made, width, height, seconds, the size OpenAI's answer names)
CASES = [
    (_azure, 480, 480, 1, "1280x720"),
    (_azure, 480, 854, 3, "720x1280"),
    (_azure, 1080, 1920, 10, "1024x1792"),
    (_azure, 1280, 720, 5, "1280x720"),
    (_app, 4096, 256, 17, "1280x720"),
    (_app, 257, 301, 60, "720x1280"),
    (_app, 2048, 2048, 1, "1792x1024"),
    (_gateway, 640, 360, 33, "1280x720"),
]


@pytest.mark.parametrize(("make", "width", "height", "seconds", "named"), CASES)
def test_other_dialects_jobs_validate_as_openai_videos(
    idle: httpx.Client, spec: SpecSchemas, make: Any, width: int, height: int, seconds: int,
    named: str,
):  # fmt: skip
    job_id = make(idle, width, height, seconds)
    true_size = f"{width - width % 2}x{height - height % 2}"  # odd sides are rounded down
    for prefix in ("/v1", "/openai/v1"):
        video = idle.get(f"{prefix}/videos/{job_id}").json()
        spec.validate("VideoResource", video)
        assert (video["size"], video["seconds"]) == (named, str(seconds)), video
        if named == true_size:
            assert "reelgate_size" not in video, "an allowed size needs no second word"
        else:
            assert video["reelgate_size"] == true_size
        listed = idle.get(f"{prefix}/videos", params={"limit": 100}).json()
        spec.validate("VideoListResource", listed)
        assert video in listed["data"]


def test_the_sdk_reads_them(idle: httpx.Client):
    job_id = _azure(idle, 720, 720, 2)
    client = OpenAI(base_url=f"{idle.base_url}/v1", api_key="k", max_retries=0)
    video = client.videos.retrieve(job_id)
    assert (video.size, video.seconds, video.status) == ("1280x720", "2", "queued")
    assert job_id in [listed.id for listed in client.videos.list(limit=100)]
