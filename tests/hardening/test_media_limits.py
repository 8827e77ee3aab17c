"""Client media is bounded by the work it causes, not by its bytes: a 3 KB H.264 file can claim
16x4096 pixels a frame and a 20 KB PNG 6000x6000 pixels. Source videos are held to a size per
side, an aspect ratio, a frame count and a number of decoded pixels, and an image request to a
number of pixels over all its inputs, all read from headers and refused with a 400 in the
dialect's envelope before any job exists or any input is decoded."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator

import av
import httpx
import numpy as np
import pytest
from openai import OpenAI
from PIL import Image

from tests.conftest import SpecSchemas
from tests.server import ServerProcess

IMAGE_BUDGET = 20_000_000  # pixels per image request, inputs and mask together
VIDEO_PIXELS = 2_000_000  # decoded pixels per source video (width * height * frames)
VIDEO_FRAMES = 100
ENV = {
    "REELGATE_MAX_IMAGE_REQUEST_PIXELS": str(IMAGE_BUDGET),
    "REELGATE_MAX_SOURCE_VIDEO_PIXELS": str(VIDEO_PIXELS),
    "REELGATE_MAX_SOURCE_VIDEO_FRAMES": str(VIDEO_FRAMES),
}
OPENAI_SOURCES = [
    "/v1/videos/edits",
    "/v1/videos/extensions",
    "/openai/v1/videos/edits",
    "/openai/v1/videos/extensions",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """No workers: an accepted source stays queued, so a wrongly accepted one costs nothing."""
    data = tmp_path_factory.mktemp("media-limits") / "data"
    with ServerProcess(data, workers=0, env=ENV, check_orphans=True) as process:
        yield process


@pytest.fixture()
def http(server: ServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=60) as client:
        yield client


def mp4(
    width: int, height: int, frames: int, fps: int = 24, container_format: str = "mp4"
) -> bytes:
    """A black H.264 clip: a few KB whatever its size (what the attack sent)."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container_format) as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        black = av.VideoFrame.from_ndarray(np.zeros((height, width, 3), np.uint8), "rgb24")
        for _ in range(frames):
            container.mux(stream.encode(black))
        container.mux(stream.encode(None))
    return buffer.getvalue()


def png(width: int, height: int, mode: str = "1") -> bytes:
    """A PNG that is large in pixels and small in bytes (one bit a pixel, all black)."""
    buffer = io.BytesIO()
    Image.new(mode, (width, height)).save(buffer, format="PNG")
    return buffer.getvalue()


def openai_error(response: httpx.Response, spec: SpecSchemas, param: str, code: str) -> str:
    assert response.status_code == 400, response.text
    spec.validate("ErrorResponse", response.json())
    error = response.json()["error"]
    assert (error["param"], error["code"], error["type"]) == (
        param,
        code,
        "invalid_request_error",
    ), error
    return error["message"]


def video_count(http: httpx.Client) -> int:
    answer = http.get("/v1/videos", params={"limit": 100})
    assert answer.status_code == 200, answer.text
    return len(answer.json()["data"])


def send_source(http: httpx.Client, path: str, video: bytes) -> httpx.Response:
    data = {"prompt": "Edited"}
    if path.endswith("extensions"):
        data["seconds"] = "4"
    return http.post(path, data=data, files={"video": ("clip.mp4", video, "video/mp4")})


# -- source videos ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", OPENAI_SOURCES)
def test_a_thin_source_video_is_refused_before_any_job(
    http: httpx.Client, spec: SpecSchemas, path: str
) -> None:
    """The attack: 16x4096 pixels, every frame scaled to cover the output before cropping."""
    before = video_count(http)
    answer = send_source(http, path, mp4(16, 4096, 2))
    message = openai_error(answer, spec, "video", "invalid_video")
    assert "16x4096" in message and "8:1" in message, message
    assert video_count(http) == before, "no job was made"


def test_a_source_video_wider_than_the_side_limit_is_refused(
    http: httpx.Client, spec: SpecSchemas
) -> None:
    message = openai_error(
        send_source(http, "/v1/videos/edits", mp4(4160, 1040, 1)), spec, "video", "invalid_video"
    )
    assert "4160x1040" in message and "4096" in message, message


def test_a_source_video_over_the_decoded_pixel_budget_is_refused(
    http: httpx.Client, spec: SpecSchemas
) -> None:
    # 256 x 256 x 48 frames = 3,145,728 decoded pixels, past the 2,000,000 set for this server.
    message = openai_error(
        send_source(http, "/v1/videos/edits", mp4(256, 256, 48)), spec, "video", "invalid_video"
    )
    assert f"{VIDEO_PIXELS} decoded pixel" in message, message


def test_a_source_video_with_too_many_frames_is_refused(
    http: httpx.Client, spec: SpecSchemas
) -> None:
    # 16 x 16 x 120 frames is few pixels, but every frame is fitted to the output size.
    message = openai_error(
        send_source(http, "/v1/videos/edits", mp4(16, 16, 120, fps=60)),
        spec,
        "video",
        "invalid_video",
    )
    assert f"{VIDEO_FRAMES} frame" in message, message


def test_frames_of_a_video_that_states_no_count_are_counted_only_past_the_limit(
    http: httpx.Client, spec: SpecSchemas
) -> None:
    """Matroska records no frame count: reelgate counts packets, and stops one past the limit
    instead of reading (or decoding) all of them."""
    clip = mp4(16, 16, VIDEO_FRAMES * 20, fps=60, container_format="matroska")
    answer = http.post(
        "/v1/videos/edits",
        data={"prompt": "Edited"},
        files={"video": ("clip.mkv", clip, "video/x-matroska")},
    )
    message = openai_error(answer, spec, "video", "invalid_video")
    assert f"has {VIDEO_FRAMES + 1} frames; the limit is {VIDEO_FRAMES}" in message, message


def test_a_source_video_within_the_limits_is_accepted(http: httpx.Client) -> None:
    answer = send_source(http, "/v1/videos/edits", mp4(64, 64, 24))
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "queued"


def test_an_azure_inpaint_video_is_held_to_the_same_limits(
    http: httpx.Client, azure_spec: SpecSchemas
) -> None:
    items = [{"file_name": "thin.mp4", "frame_index": 0, "type": "video"}]
    response = http.post(
        "/openai/v1/video/generations/jobs",
        params={"api-version": "preview"},
        data={
            "prompt": "Inpainted",
            "model": "video-deployment",
            "width": "480",
            "height": "480",
            "n_seconds": "1",
            "inpaint_items": json.dumps(items),
        },
        files=[("files", ("thin.mp4", mp4(16, 4096, 2), "video/mp4"))],
    )
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    azure_spec.validate("AzureOpenAIVideoGenerationErrorResponse", error)
    assert (error["code"], error["param"]) == ("invalid_video", "files"), error
    assert "8:1" in error["message"], error


# -- image requests --------------------------------------------------------------------------


def test_an_edit_over_the_request_pixel_budget_is_refused(
    http: httpx.Client, images_spec: SpecSchemas
) -> None:
    # Three 3000x3000 inputs: 27,000,000 pixels, each well under the per-image limit.
    files = [("image[]", (f"{n}.png", png(3000, 3000), "image/png")) for n in range(3)]
    answer = http.post("/v1/images/edits", data={"prompt": "p"}, files=files)
    message = openai_error(answer, images_spec, "image", "invalid_image")
    assert "27000000" in message and f"{IMAGE_BUDGET} pixel" in message, message


def test_the_mask_counts_towards_the_request_pixel_budget(
    http: httpx.Client, images_spec: SpecSchemas
) -> None:
    files = [("image[]", (f"{n}.png", png(3000, 3000), "image/png")) for n in range(2)]
    files.append(("mask", ("mask.png", png(3000, 3000, "RGBA"), "image/png")))
    answer = http.post("/v1/images/edits", data={"prompt": "p"}, files=files)
    openai_error(answer, images_spec, "mask", "invalid_image")


def test_an_azure_edit_over_the_request_pixel_budget_is_refused(
    http: httpx.Client, azure_images_spec: SpecSchemas
) -> None:
    files = [("image[]", (f"{n}.png", png(3000, 3000), "image/png")) for n in range(3)]
    answer = http.post(
        "/openai/v1/images/edits",
        params={"api-version": "preview"},
        data={"prompt": "p", "model": "gpt-image-1-deployment"},
        files=files,
    )
    assert answer.status_code == 400, answer.text
    azure_images_spec.validate("AzureErrorResponse", answer.json())
    error = answer.json()["error"]
    assert (error["code"], error["param"], error["type"]) == ("invalid_image", "image", "error")
    assert f"{IMAGE_BUDGET} pixel" in error["message"], error


def test_a_multi_image_edit_within_the_budget_still_works(server: ServerProcess) -> None:
    client = OpenAI(base_url=f"{server.base_url}/v1", api_key="k", max_retries=0)
    images = [(f"{n}.png", png(3000, 3000), "image/png") for n in range(2)]
    result = client.images.edit(
        model="gpt-image-1", image=images, prompt="Side by side", quality="low", size="1024x1024"
    )
    assert result.data and result.data[0].b64_json
    decoded = Image.open(io.BytesIO(base64.b64decode(result.data[0].b64_json)))
    assert decoded.size == (1024, 1024)
