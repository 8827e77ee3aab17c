"""Seed 004's app API over the wire: every status and error case its document lists, its own
Python client example run unchanged, and jobs shared with the other dialects."""

from __future__ import annotations

import asyncio
import base64
import io
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.conftest import wait_for
from tests.media_checks import decode_mp4, png_bytes
from tests.server import ServerProcess

FILE_URL = re.compile(r"^/api/download/(gen_[0-9a-z]{26})$")
SMALL = {"duration": 1, "width": 256, "height": 256}


@pytest.fixture(scope="module")
def idle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """A server with no workers: jobs stay queued, so validation tests never render."""
    with (
        ServerProcess(tmp_path_factory.mktemp("idle") / "data", workers=0) as server,
        httpx.Client(base_url=server.base_url, timeout=30) as session,
    ):
        yield session


def wait_status(http: httpx.Client, job_id: str, wanted: set[str], timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = http.get(f"/api/status/{job_id}").json()
        if body["status"] in wanted:
            return body
        time.sleep(0.05)
    raise AssertionError(f"{job_id} never reached {wanted}")


def generate(http: httpx.Client, **body: Any) -> str:
    response = http.post("/api/generate", json=body)
    assert response.status_code == 200, response.text
    return response.json()["job_id"]


# -- the seed's own Python client, verbatim (seed 004, "Python Integration") --------------------


class VideoGeneratorClient:
    def __init__(self, base_url="http://localhost:8000/api"):
        self.base_url = base_url
        self.client = httpx.AsyncClient()

    async def generate_video(self, prompt, duration=10, width=1920, height=1080):
        """Generate a video from a prompt."""
        response = await self.client.post(
            f"{self.base_url}/generate",
            json={"prompt": prompt, "duration": duration, "width": width, "height": height},
        )
        response.raise_for_status()
        return response.json()

    async def get_status(self, job_id):
        """Check the status of a generation job."""
        response = await self.client.get(f"{self.base_url}/status/{job_id}")
        response.raise_for_status()
        return response.json()

    async def download_video(self, file_id, output_path):
        """Download a generated video."""
        response = await self.client.get(f"{self.base_url}/download/{file_id}")
        response.raise_for_status()

        with open(output_path, "wb") as f:
            f.write(response.content)

    async def generate_and_wait(self, prompt, **kwargs):
        """Generate video and wait for completion."""
        # Start generation
        result = await self.generate_video(prompt, **kwargs)
        job_id = result["job_id"]

        # Poll for completion
        while True:
            status = await self.get_status(job_id)

            if status["status"] == "completed":
                return status
            elif status["status"] == "failed":
                raise Exception(f"Generation failed: {status.get('error')}")

            await asyncio.sleep(2)  # Wait 2 seconds before next poll


async def seed_example_main(base_url: str) -> None:
    """The seed's `main()`, the one change being the base URL of the test server."""
    client = VideoGeneratorClient(base_url)

    try:
        result = await client.generate_and_wait("A peaceful mountain lake at sunset")

        # Extract file ID from video URL
        video_url = result["video_url"]
        file_id = video_url.split("/")[-1]

        # Download the video
        await client.download_video(file_id, "generated_video.mp4")
        print("Video downloaded successfully!")

    except Exception as e:
        print(f"Error: {e}")


@pytest.mark.slow
def test_the_seed_python_client_example_runs_unchanged(
    server: ServerProcess, http: httpx.Client, tmp_path: Path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    asyncio.run(seed_example_main(f"{server.base_url}/api"))
    assert capsys.readouterr().out.strip() == "Video downloaded successfully!"
    video = decode_mp4((tmp_path / "generated_video.mp4").read_bytes())
    # The seed's defaults: 1920x1080, 10 seconds.
    assert (video.width, video.height, video.frames) == (1920, 1080, 240)
    assert video.duration == pytest.approx(10.0, abs=0.05)


# -- POST /api/generate --------------------------------------------------------------------


def test_generate_answers_job_id_and_status_with_the_seed_defaults(idle: httpx.Client):
    response = idle.post("/api/generate", json={"prompt": "A golden retriever in a park"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"job_id", "status"} and body["status"] == "queued"
    job = idle.get(f"/api/jobs/{body['job_id']}").json()
    assert (job["width"], job["height"], job["seconds"]) == (1920, 1080, 10)
    assert (job["model"], job["n_variants"]) == ("sora-2", 1)


@pytest.mark.parametrize(
    "body",
    [
        {"duration": 1, "width": 256, "height": 256},
        {"duration": 60, "width": 4096, "height": 4096},
        {"duration": "15"},  # FastAPI accepts numeric strings, as the seed's server did
        {},
    ],
)
def test_generate_accepts_the_documented_ranges(idle: httpx.Client, body: dict):
    response = idle.post("/api/generate", json={"prompt": "Edges", **body})
    assert response.status_code == 200, response.text


def test_generate_accepts_a_prompt_of_exactly_1000_characters(idle: httpx.Client):
    assert idle.post("/api/generate", json={"prompt": "x" * 1000}).status_code == 200


@pytest.mark.parametrize("prompt", ["", "   ", "\n\t"])
def test_an_empty_prompt_is_a_400_with_the_seeds_sentence(idle: httpx.Client, prompt: str):
    response = idle.post("/api/generate", json={"prompt": prompt})
    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid prompt: prompt cannot be empty"}


def test_a_prompt_over_1000_characters_is_a_400(idle: httpx.Client):
    response = idle.post("/api/generate", json={"prompt": "x" * 1001})
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Invalid prompt: prompt must be at most 1000")


def test_validation_errors_are_422_exactly_as_the_seed_documents(idle: httpx.Client):
    response = idle.post("/api/generate", json={"prompt": "A cat", "duration": 0})
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "loc": ["body", "duration"],
                "msg": "ensure this value is greater than or equal to 1",
                "type": "value_error.number.not_ge",
                "ctx": {"limit_value": 1},
            }
        ]
    }


@pytest.mark.parametrize(
    ("field", "value", "message", "kind"),
    [
        ("duration", 61, "ensure this value is less than or equal to 60", "not_le"),
        ("width", 255, "ensure this value is greater than or equal to 256", "not_ge"),
        ("width", 4097, "ensure this value is less than or equal to 4096", "not_le"),
        ("height", 255, "ensure this value is greater than or equal to 256", "not_ge"),
        ("height", 4097, "ensure this value is less than or equal to 4096", "not_le"),
    ],
)
def test_out_of_range_numbers(idle: httpx.Client, field: str, value: int, message: str, kind: str):
    response = idle.post("/api/generate", json={"prompt": "A cat", field: value})
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", field] and error["msg"] == message
    assert error["type"] == f"value_error.number.{kind}"
    assert error["ctx"] == {"limit_value": int(message.rsplit(" ", 1)[1])}


def test_every_invalid_field_is_listed(idle: httpx.Client):
    response = idle.post("/api/generate", json={"duration": "ten", "width": 10.5})
    assert response.status_code == 422
    errors = {tuple(e["loc"]): (e["msg"], e["type"]) for e in response.json()["detail"]}
    assert errors == {
        ("body", "prompt"): ("field required", "value_error.missing"),
        ("body", "duration"): ("value is not a valid integer", "type_error.integer"),
        ("body", "width"): ("value is not a valid integer", "type_error.integer"),
    }


@pytest.mark.parametrize(
    ("content", "content_type"),
    [("{not json", "application/json"), ("[1, 2]", "application/json"), ("", "application/json")],
)
def test_bodies_that_are_not_a_json_object_are_422(idle: httpx.Client, content, content_type):
    response = idle.post("/api/generate", content=content, headers={"Content-Type": content_type})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail[0]["loc"][0] == "body"
    assert {"loc", "msg", "type"} <= set(detail[0])


def test_a_prompt_of_the_wrong_type_is_422(idle: httpx.Client):
    response = idle.post("/api/generate", json={"prompt": 42})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "type_error.str"


def test_a_bad_reference_image_is_a_400(idle: httpx.Client):
    response = idle.post(
        "/api/generate", json={"prompt": "A cat", "reference_image": "data:image/png;base64,AAAA"}
    )
    assert response.status_code == 400
    assert set(response.json()) == {"detail"}
    assert isinstance(response.json()["detail"], str)


# -- GET /api/status/{job_id} --------------------------------------------------------------


def test_status_of_a_queued_job(idle: httpx.Client):
    job_id = generate(idle, prompt="Waiting", **SMALL)
    assert idle.get(f"/api/status/{job_id}").json() == {"job_id": job_id, "status": "queued"}


def test_status_while_processing_then_completed(http: httpx.Client):
    job_id = generate(http, prompt="Processing", duration=3, width=1280, height=720)
    processing = wait_status(http, job_id, {"processing", "completed"})
    assert processing == {"job_id": job_id, "status": "processing"}
    done = wait_status(http, job_id, {"completed", "failed"})
    assert set(done) == {"job_id", "status", "video_url"} and done["status"] == "completed"
    assert FILE_URL.match(done["video_url"])


def test_status_of_a_failed_job_says_why(tmp_path: Path):
    """A remix whose source is deleted before a worker reaches it fails: a real failure, made
    without any test hook. One worker, kept busy, orders the steps."""
    with (
        ServerProcess(tmp_path / "data", workers=1) as server,
        httpx.Client(base_url=server.base_url, timeout=30) as http,
    ):
        source = generate(http, prompt="Source", **SMALL)
        wait_status(http, source, {"completed"})
        blocker = generate(http, prompt="Busy", duration=30, width=1920, height=1080)
        wait_status(http, blocker, {"processing"})
        remix = http.post(f"/api/jobs/{source}/remix", json={"prompt": "Remix"}).json()["id"]
        assert http.delete(f"/api/jobs/{source}").status_code == 200
        assert http.delete(f"/api/jobs/{blocker}").status_code == 200
        failed = wait_status(http, remix, {"failed", "completed"})
    assert set(failed) == {"job_id", "status", "error"} and failed["status"] == "failed"
    assert source in failed["error"] and "no longer exists" in failed["error"]


def test_status_of_an_unknown_job_is_404(http: httpx.Client):
    response = http.get("/api/status/01jyg74z6ee6e9y23ceq2fmwc4")
    assert response.status_code == 404
    assert response.json() == {"detail": "Job not found"}


def test_status_reads_jobs_made_through_the_openai_dialect(http: httpx.Client):
    video = http.post("/v1/videos", json={"prompt": "Made elsewhere", "size": "1280x720"}).json()
    wait_for(http, video["id"])
    status = http.get(f"/api/status/{video['id']}").json()
    assert status["status"] == "completed"
    file_id = FILE_URL.match(status["video_url"]).group(1)
    assert (
        http.get(f"/api/download/{file_id}").content
        == http.get(f"/v1/videos/{video['id']}/content").content
    )


# -- GET /api/download/{file_id} -----------------------------------------------------------


@pytest.fixture(scope="module")
def finished(http: httpx.Client) -> dict:
    """A completed job at an odd size: the engine renders it one pixel smaller, even."""
    job_id = generate(http, prompt="Download me", duration=2, width=641, height=359)
    status = wait_status(http, job_id, {"completed", "failed"})
    assert status["status"] == "completed", status
    return {"job_id": job_id, "file_id": FILE_URL.match(status["video_url"]).group(1)}


def test_download_is_an_mp4_attachment_named_after_the_file(http: httpx.Client, finished: dict):
    file_id = finished["file_id"]
    response = http.get(f"/api/download/{file_id}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "video/mp4"
    assert response.headers["content-disposition"] == f'attachment; filename="{file_id}.mp4"'
    video = decode_mp4(response.content)
    assert (video.width, video.height, video.frames) == (640, 358, 48)
    assert (video.codec, video.pix_fmt) == ("h264", "yuv420p")


def test_download_honours_ranges(http: httpx.Client, finished: dict):
    path = f"/api/download/{finished['file_id']}"
    full = http.get(path).content
    part = http.get(path, headers={"Range": "bytes=10-109"})
    assert part.status_code == 206 and part.content == full[10:110]
    assert int(http.head(path).headers["content-length"]) == len(full)


def test_download_of_other_files_of_the_video(http: httpx.Client, finished: dict):
    file_id = finished["file_id"]
    thumbnail = http.get(f"/api/download/{file_id}", params={"variant": "thumbnail"})
    assert thumbnail.headers["content-type"] == "image/webp"
    assert thumbnail.headers["content-disposition"].endswith(f'"{file_id}-thumbnail.webp"')
    assert Image.open(io.BytesIO(thumbnail.content)).format == "WEBP"
    sheet = http.get(f"/api/download/{file_id}", params={"variant": "spritesheet"})
    assert Image.open(io.BytesIO(sheet.content)).format == "JPEG"


@pytest.mark.parametrize("file_id", ["gen_01jyg74z6ee6e9y23ceq2fmwc4", "nothing"])
def test_download_of_an_unknown_file_is_404(http: httpx.Client, file_id: str):
    response = http.get(f"/api/download/{file_id}")
    assert response.status_code == 404
    assert response.json() == {"detail": "File not found"}


def test_a_deleted_jobs_file_is_gone(http: httpx.Client):
    job_id = generate(http, prompt="Short-lived", **SMALL)
    file_id = FILE_URL.match(wait_status(http, job_id, {"completed"})["video_url"]).group(1)
    assert http.delete(f"/api/jobs/{job_id}").json() == {
        "id": job_id,
        "object": "job.deleted",
        "deleted": True,
    }
    assert http.get(f"/api/download/{file_id}").status_code == 404
    assert http.get(f"/api/status/{job_id}").status_code == 404
    assert http.delete(f"/api/jobs/{job_id}").json() == {"detail": "Job not found"}


# -- the page's job endpoints --------------------------------------------------------------


def test_a_reference_image_guides_the_video(http: httpx.Client):
    data_url = "data:image/png;base64," + base64.b64encode(png_bytes((250, 20, 20))).decode()
    job_id = generate(http, prompt="Guided", reference_image=data_url, n_variants=2, **SMALL)
    wait_status(http, job_id, {"completed"})
    job = http.get(f"/api/jobs/{job_id}").json()
    assert job["has_reference_image"] and len(job["generations"]) == 2
    first = decode_mp4(http.get(job["generations"][0]["video_url"]).content).first_frame
    red, green, _ = first.reshape(-1, 3).mean(axis=0)
    assert red > green + 60, "the red reference image should fill the first frame"


def test_the_job_view(http: httpx.Client, finished: dict):
    job = http.get(f"/api/jobs/{finished['job_id']}").json()
    assert job["status"] == "completed" and job["app_status"] == "completed"
    assert (job["progress"], job["size"], job["seconds"]) == (100, "640x358", 2)
    assert job["video_url"] == f"/api/download/{finished['file_id']}"
    (generation,) = job["generations"]
    assert generation["files"]["thumbnail"].endswith("?variant=thumbnail")
    sheet = generation["spritesheet"]
    assert (sheet["columns"], sheet["rows"], sheet["tiles"]) == (10, 5, 48)
    assert job["content_urls"]["video"] == f"/v1/videos/{job['id']}/content"
    assert job["created_at"] <= job["started_at"] <= job["completed_at"]


def test_the_job_list_is_newest_first_and_pages(idle: httpx.Client):
    ids = [generate(idle, prompt=f"List {n}", **SMALL) for n in range(3)]
    first = idle.get("/api/jobs", params={"limit": 2}).json()
    assert [job["id"] for job in first["data"]] == ids[::-1][:2]
    assert first["has_more"] is True
    second = idle.get("/api/jobs", params={"limit": 1, "after": first["last_id"]}).json()
    assert second["data"][0]["id"] == ids[0]


def test_remix_needs_a_completed_source(idle: httpx.Client):
    job_id = generate(idle, prompt="Not done", **SMALL)
    response = idle.post(f"/api/jobs/{job_id}/remix", json={"prompt": "Again"})
    assert response.status_code == 409 and "only completed videos" in response.json()["detail"]
    assert idle.post(f"/api/jobs/{job_id}/remix", json={"prompt": " "}).status_code == 400
    missing = idle.post("/api/jobs/video_nope/remix", json={"prompt": "Again"})
    assert missing.json() == {"detail": "Job not found"}


def test_remix_keeps_size_and_length(http: httpx.Client, finished: dict):
    remix = http.post(f"/api/jobs/{finished['job_id']}/remix", json={"prompt": "Same, at dawn"})
    view = remix.json()
    assert remix.status_code == 200 and view["remixed_from"] == finished["job_id"]
    assert (view["size"], view["seconds"], view["operation"]) == ("640x358", 2, "remix")
    assert wait_status(http, view["id"], {"completed", "failed"})["status"] == "completed"


# -- the app API's other answers -----------------------------------------------------------


def test_unknown_paths_and_methods_answer_in_the_app_envelope(http: httpx.Client):
    assert http.get("/api/nothing-here").json() == {"detail": "Not Found"}
    wrong = http.put("/api/generate")
    assert wrong.status_code == 405 and wrong.json() == {"detail": "Method Not Allowed"}


def test_swagger_ui_and_the_openapi_document_cover_every_dialect(http: httpx.Client):
    docs = http.get("/api/docs")
    assert docs.status_code == 200 and "swagger-ui" in docs.text
    paths = http.get("/openapi.json").json()["paths"]
    for path in (
        "/api/generate",
        "/api/status/{job_id}",
        "/api/download/{file_id}",
        "/api/events",
        "/api/jobs/{job_id}/events",
        "/v1/videos",
    ):
        assert path in paths
    generate_schema = http.get("/openapi.json").json()["components"]["schemas"]["GenerateRequest"]
    assert generate_schema["required"] == ["prompt"]
    assert generate_schema["properties"]["duration"] == {
        "type": "integer",
        "maximum": 60,
        "minimum": 1,
        "title": "Duration",
        "description": "Video duration in seconds.",
        "default": 10,
    }
