"""Azure OpenAI's video-jobs API over real HTTP: every path and method, both create encodings,
inpaint items, filters, cursors, quality, deletion, errors, and the cross-dialect store."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openai import OpenAI
from PIL import Image

from tests.conftest import SpecSchemas
from tests.media_checks import decode_mp4, png_bytes
from tests.server import ServerProcess

JOBS = "/openai/v1/video/generations/jobs"
GENERATIONS = "/openai/v1/video/generations"
PREVIEW = {"api-version": "preview"}
SCRIPTS = Path(__file__).parent / "scripts"


def create(http: httpx.Client, **fields: Any) -> dict[str, Any]:
    body = {"prompt": "A red kite", "model": "video-deployment", "width": 480, "height": 480,
            "n_seconds": 1, **fields}  # fmt: skip
    response = http.post(JOBS, params=PREVIEW, json=body)
    assert response.status_code == 200, response.text
    return response.json()


def wait_job(http: httpx.Client, job_id: str, timeout: float = 90) -> tuple[dict, list[str]]:
    """Poll a job until it ends; return it and every status seen on the way."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = http.get(f"{JOBS}/{job_id}", params=PREVIEW).json()
        if not seen or seen[-1] != job["status"]:
            seen.append(job["status"])
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job, seen
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish: {seen}")


def assert_azure_error(response: httpx.Response, spec: SpecSchemas, status: int, param, code):
    assert response.status_code == status, response.text
    body = response.json()
    assert "error" in body and set(body) <= {"error", "request_id"}  # the id: observability
    spec.validate("AzureOpenAIVideoGenerationErrorResponse", body["error"])
    assert (body["error"].get("param"), body["error"]["code"]) == (param, code), body
    return body["error"]


@pytest.fixture(scope="module")
def finished(http: httpx.Client) -> dict[str, Any]:
    """A job with two variants that has succeeded."""
    job, _ = wait_job(http, create(http, n_variants=2, prompt="Two kites")["id"])
    assert job["status"] == "succeeded", job
    return job


def test_json_job_runs_through_azure_statuses(http: httpx.Client, azure_spec: SpecSchemas):
    created = create(http, width=854, height=480, n_seconds=2)
    azure_spec.validate("VideoGenerationJob", created)
    assert (created["object"], created["status"], created["generations"]) == (
        "video.generation.job",
        "queued",
        [],
    )
    assert "finished_at" not in created and "failure_reason" not in created
    job, seen = wait_job(http, created["id"])
    azure_spec.validate("VideoGenerationJob", job)
    allowed = ["queued", "preprocessing", "running", "processing", "succeeded"]
    assert [allowed.index(s) for s in seen] == sorted(allowed.index(s) for s in seen), seen
    assert job["finished_at"] >= job["created_at"]
    (generation,) = job["generations"]
    assert (generation["width"], generation["height"], generation["n_seconds"]) == (854, 480, 2)


def test_variants_are_distinct_generations(http, finished, azure_spec):
    first, second = finished["generations"]
    for generation in (first, second):
        azure_spec.validate("VideoGeneration", generation)
        fetched = http.get(f"{GENERATIONS}/{generation['id']}", params=PREVIEW)
        assert fetched.status_code == 200 and fetched.json() == generation
    videos = [http.get(f"{GENERATIONS}/{g['id']}/content/video").content for g in (first, second)]
    hashes = {decode_mp4(video).frames_sha256 for video in videos}
    assert len(hashes) == 2, "each variant is a different video"


def test_quality_high_low_head_and_thumbnail(http, finished):
    generation_id = finished["generations"][0]["id"]
    path = f"{GENERATIONS}/{generation_id}/content/video"
    high = http.get(path, params={**PREVIEW, "quality": "high"})
    low = http.get(path, params={**PREVIEW, "quality": "low"})
    default = http.get(path, params=PREVIEW)
    assert high.headers["content-type"] == low.headers["content-type"] == "video/mp4"
    assert default.content == high.content
    assert len(low.content) < len(high.content)
    high_video, low_video = decode_mp4(high.content), decode_mp4(low.content)
    assert (high_video.width, low_video.width) == (480, 240)
    assert high_video.frames == low_video.frames == 24
    for quality, response in (("high", high), ("low", low)):
        head = http.head(path, params={**PREVIEW, "quality": quality})
        assert head.status_code == 200 and head.content == b""
        assert int(head.headers["content-length"]) == len(response.content)
        assert head.headers["accept-ranges"] == "bytes" and "last-modified" in head.headers
    thumbnail = http.get(f"{GENERATIONS}/{generation_id}/content/thumbnail", params=PREVIEW)
    assert thumbnail.headers["content-type"] == "image/jpg"
    assert int(thumbnail.headers["content-length"]) == len(thumbnail.content)
    assert Image.open(io.BytesIO(thumbnail.content)).format == "JPEG"


def test_multipart_create_with_inpaint_items(http: httpx.Client, azure_spec: SpecSchemas):
    items = [{"file_name": "red.png", "frame_index": 12, "type": "image",
              "crop_bounds": {"left_fraction": 0.5, "top_fraction": 0.0, "right_fraction": 1.0,
                              "bottom_fraction": 0.5}}]  # fmt: skip
    response = http.post(
        JOBS,
        params=PREVIEW,
        data={"prompt": "Inpainted", "model": "video-deployment", "width": "480",
              "height": "480", "n_seconds": "1", "inpaint_items": json.dumps(items)},
        files=[("files", ("red.png", png_bytes((250, 0, 0)), "image/png"))],
    )  # fmt: skip
    assert response.status_code == 200, response.text
    created = response.json()
    azure_spec.validate("VideoGenerationJob", created)
    assert created["inpaint_items"] == items
    job, _ = wait_job(http, created["id"])
    assert job["status"] == "succeeded" and job["inpaint_items"] == items
    content = http.get(f"{GENERATIONS}/{job['generations'][0]['id']}/content/video").content
    frames = _frames(content)
    region = (slice(8, 232), slice(248, 472))  # the top-right quarter of 480x480

    def is_red(frame) -> bool:
        red, green, blue = frame[region].reshape(-1, 3).mean(axis=0)
        return red > 200 and green < 40 and blue < 40

    assert not is_red(frames[11]) and is_red(frames[12]) and is_red(frames[23])


def _frames(content: bytes) -> list:
    import av

    with av.open(io.BytesIO(content)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def test_a_single_file_without_items_is_placed_at_the_start(http: httpx.Client):
    response = http.post(
        JOBS,
        data={"prompt": "Start here", "model": "m", "width": "480", "height": "480",
              "n_seconds": "1"},
        files=[("files[]", ("blue.png", png_bytes((0, 0, 250)), "image/png"))],
    )  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json()["inpaint_items"][0]["frame_index"] == 0
    job, _ = wait_job(http, response.json()["id"])
    first = _frames(http.get(f"{GENERATIONS}/{job['generations'][0]['id']}/content/video").content)[
        0
    ]
    assert first.reshape(-1, 3).mean(axis=0)[2] > 200


def test_delete_is_204_and_removes_everything(http, server, azure_spec):
    job, _ = wait_job(http, create(http)["id"])
    generation_id = job["generations"][0]["id"]
    assert (server.data_dir / "blobs" / "jobs" / job["id"]).exists()
    deleted = http.delete(f"{JOBS}/{job['id']}", params=PREVIEW)
    assert deleted.status_code == 204 and deleted.content == b""
    assert not (server.data_dir / "blobs" / "jobs" / job["id"]).exists()
    for path in (
        f"{JOBS}/{job['id']}",
        f"{GENERATIONS}/{generation_id}",
        f"{GENERATIONS}/{generation_id}/content/video",
        f"{GENERATIONS}/{generation_id}/content/thumbnail",
    ):
        assert_azure_error(http.get(path, params=PREVIEW), azure_spec, 404, None, "not_found")
    assert http.delete(f"{JOBS}/{job['id']}").status_code == 404


@pytest.mark.parametrize(
    ("fields", "param", "code"),
    [
        ({"width": 640, "height": 480}, "width", "invalid_value"),
        ({"n_seconds": 21}, "n_seconds", "integer_above_max_value"),
        ({"n_seconds": 0}, "n_seconds", "integer_below_min_value"),
        ({"n_variants": 6}, "n_variants", "integer_above_max_value"),
        ({"width": 1920, "height": 1080, "n_seconds": 11}, "n_seconds", "invalid_value"),
        ({"width": 1080, "height": 1920, "n_variants": 2}, "n_variants", "invalid_value"),
        ({"width": 1280, "height": 720, "n_variants": 3}, "n_variants", "invalid_value"),
        ({"width": "480"}, "width", "invalid_type"),
        ({"prompt": ""}, "prompt", "string_below_min_length"),
        ({"inpaint_items": []}, "inpaint_items", "unknown_parameter"),
        ({"fps": 30}, "fps", "unknown_parameter"),
    ],
)
def test_create_rejects(http, azure_spec, fields, param, code):
    body = {"prompt": "p", "model": "m", "width": 480, "height": 480, **fields}
    assert_azure_error(http.post(JOBS, params=PREVIEW, json=body), azure_spec, 400, param, code)


@pytest.mark.parametrize("missing", ["prompt", "model", "width", "height"])
def test_create_requires(http, azure_spec, missing):
    body = {"prompt": "p", "model": "m", "width": 480, "height": 480}
    del body[missing]
    response = http.post(JOBS, json=body)
    assert_azure_error(response, azure_spec, 400, missing, "missing_required_parameter")


@pytest.mark.parametrize(
    ("items", "files", "param", "code"),
    [
        ([{"file_name": "other.png", "frame_index": 0, "type": "image"}], ["a.png"],
         "inpaint_items.0.file_name", "invalid_value"),
        ("[not json", ["a.png"], "inpaint_items", "invalid_value"),
        ([{"file_name": "a.png", "frame_index": 0, "type": "image",
           "crop_bounds": {"left_fraction": 0.8, "right_fraction": 0.2}}], ["a.png"],
         "inpaint_items.0.crop_bounds", "invalid_value"),
        ([{"file_name": "a.png", "frame_index": 0, "type": "image",
           "crop_bounds": {"left_fraction": 1.5}}], ["a.png"],
         "inpaint_items.0.crop_bounds.left_fraction", "decimal_above_max_value"),
        ([{"file_name": "a.png", "frame_index": 500, "type": "image"}], ["a.png"],
         "inpaint_items[0].frame_index", "invalid_value"),
        ([{"file_name": "a.png", "frame_index": 0, "type": "audio"}], ["a.png"],
         "inpaint_items.0.type", "invalid_value"),
        ([{"file_name": "a.png", "frame_index": 0, "type": "image"}], ["a.png", "b.png"],
         "files", "invalid_value"),
        (None, ["a.png", "b.png"], "inpaint_items", "missing_required_parameter"),
    ],
)  # fmt: skip
def test_inpaint_rules(http, azure_spec, items, files, param, code):
    data = {"prompt": "p", "model": "m", "width": "480", "height": "480", "n_seconds": "1"}
    if items is not None:
        data["inpaint_items"] = items if isinstance(items, str) else json.dumps(items)
    uploads = [("files", (name, png_bytes((1, 2, 3)), "image/png")) for name in files]
    response = http.post(JOBS, data=data, files=uploads)
    assert assert_azure_error(response, azure_spec, 400, param, code)["message"]


def test_an_uploaded_file_that_is_not_an_image_is_refused(http, azure_spec):
    response = http.post(
        JOBS,
        data={"prompt": "p", "model": "m", "width": "480", "height": "480"},
        files=[("files", ("notes.png", b"plain text", "image/png"))],
    )
    error = assert_azure_error(response, azure_spec, 400, "files", "invalid_image")
    assert "notes.png" in error["message"]


@pytest.mark.parametrize(
    ("path", "params", "param", "code"),
    [
        (JOBS, {"api-version": "2024-01-01"}, "api-version", "invalid_value"),
        (JOBS, {"statuses": "queued,done"}, "statuses", "invalid_value"),
        (JOBS, {"statuses": ""}, "statuses", "invalid_value"),  # an empty item is no JobStatus
        (JOBS, {"statuses": "queued,"}, "statuses", "invalid_value"),
        (JOBS, [("statuses", "queued"), ("statuses", " ")], "statuses", "invalid_value"),
        (JOBS, {"limit": "0"}, "limit", "integer_below_min_value"),
        (f"{GENERATIONS}/gen_x/content/video", {"quality": "medium"}, "quality", "invalid_value"),
    ],
)
def test_query_parameters_are_checked(http, azure_spec, path, params, param, code):
    assert assert_azure_error(http.get(path, params=params), azure_spec, 400, param, code)


def test_unknown_ids_and_paths(http, azure_spec):
    for path in (f"{JOBS}/video_missing", f"{GENERATIONS}/gen_missing",
                 f"{GENERATIONS}/gen_missing/content/thumbnail", "/openai/v1/nothing"):  # fmt: skip
        response = http.get(path, params=PREVIEW)
        assert response.status_code == 404
        azure_spec.validate("AzureOpenAIVideoGenerationErrorResponse", response.json()["error"])


@pytest.fixture(scope="module")
def idle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """A server without workers: every job stays queued."""
    data_dir = tmp_path_factory.mktemp("azure-idle") / "data"
    with (
        ServerProcess(data_dir, workers=0) as process,
        httpx.Client(base_url=process.base_url, timeout=30) as http,
    ):
        yield http


def test_list_pages_both_ways(idle: httpx.Client, azure_spec: SpecSchemas):
    ids = [create(idle, prompt=f"job {n}")["id"] for n in range(5)]
    newest = ids[::-1]
    first = idle.get(JOBS, params={**PREVIEW, "limit": 2}).json()
    azure_spec.validate("VideoGenerationJobList", first)
    assert [j["id"] for j in first["data"]] == newest[:2] and first["has_more"] is True
    assert (first["first_id"], first["last_id"]) == (newest[0], newest[1])
    middle = idle.get(JOBS, params={"limit": 2, "after": first["last_id"]}).json()
    assert [j["id"] for j in middle["data"]] == newest[2:4] and middle["has_more"] is True
    last = idle.get(JOBS, params={"limit": 2, "after": middle["last_id"]}).json()
    assert [j["id"] for j in last["data"]] == newest[4:] and last["has_more"] is False
    back = idle.get(JOBS, params={"limit": 2, "before": last["first_id"]}).json()
    assert [j["id"] for j in back["data"]] == newest[2:4] and back["has_more"] is True
    start = idle.get(JOBS, params={"limit": 2, "before": back["first_id"]}).json()
    assert [j["id"] for j in start["data"]] == newest[:2] and start["has_more"] is False
    default = idle.get(JOBS).json()
    assert len(default["data"]) == 5 and default["has_more"] is False  # default limit: 10


def test_list_filters_by_status(idle: httpx.Client, http: httpx.Client, finished):
    queued = idle.get(JOBS, params={"statuses": "queued"}).json()["data"]
    assert queued and all(job["status"] == "queued" for job in queued)
    assert idle.get(JOBS, params={"statuses": "succeeded,failed"}).json()["data"] == []
    done = http.get(JOBS, params={"statuses": "succeeded", "limit": 100}).json()["data"]
    assert finished["id"] in [job["id"] for job in done]
    assert all(job["status"] == "succeeded" for job in done)
    repeated = http.get(JOBS, params=[("statuses", "queued"), ("statuses", "succeeded")])
    assert finished["id"] in [job["id"] for job in repeated.json()["data"]]


def test_jobs_cross_dialects(http: httpx.Client, client: OpenAI, spec, azure_spec):
    via_openai = client.videos.create_and_poll(prompt="From OpenAI", size="1280x720")
    azure_view = http.get(f"{JOBS}/{via_openai.id}").json()
    azure_spec.validate("VideoGenerationJob", azure_view)
    assert (azure_view["status"], azure_view["n_seconds"], azure_view["width"]) == (
        "succeeded",
        4,
        1280,
    )
    generation_id = azure_view["generations"][0]["id"]
    azure_bytes = http.get(f"{GENERATIONS}/{generation_id}/content/video").content
    assert azure_bytes == client.videos.download_content(via_openai.id).content

    via_azure = create(http, width=1280, height=720, prompt="From Azure")
    wait_job(http, via_azure["id"])
    openai_view = client.videos.retrieve(via_azure["id"])
    spec.validate("VideoResource", openai_view.model_dump(mode="json"))
    assert (openai_view.status, openai_view.size, openai_view.seconds) == (
        "completed",
        "1280x720",
        "1",
    )


def test_azure_openai_style_videos_surface(server: ServerProcess, spec: SpecSchemas):
    azure = OpenAI(base_url=f"{server.base_url}/openai/v1", api_key="k", max_retries=0,
                   default_query={"api-version": "preview"})  # fmt: skip
    video = azure.videos.create_and_poll(prompt="Azure surface", size="1280x720")
    assert video.status == "completed"
    spec.validate("VideoResource", video.model_dump(mode="json"))
    assert decode_mp4(azure.videos.download_content(video.id).content).width == 1280
    missing = httpx.get(f"{server.base_url}/openai/v1/videos/video_nope")
    spec.validate("ErrorResponse", missing.json())


@pytest.mark.skipif(not (shutil.which("jq") and shutil.which("curl")), reason="needs curl and jq")
@pytest.mark.slow
def test_seed_001_curl_walkthrough_runs_unchanged(server: ServerProcess, tmp_path: Path):
    result = subprocess.run(
        ["bash", str(SCRIPTS / "seed001_video_steps.sh")],
        cwd=tmp_path,
        env={"ENDPOINT": server.base_url, "PATH": "/usr/bin:/bin:/usr/local/bin"},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Status: succeeded" in result.stdout
    assert "HTTP/1.1 204" in result.stdout, "step 8 deletes the job"
    video = decode_mp4((tmp_path / "video.mp4").read_bytes())
    assert (video.width, video.height, video.frames) == (1280, 720, 240)
    assert Image.open(tmp_path / "thumb.jpg").format == "JPEG"
