"""Local models through the API, on tiny random-weight pipelines saved to disk and loaded the
way users load theirs (`type: diffusers` in the routing file): a video per family through the
gateway and app dialects with the asked frame count, size and frame rate, the same seed giving
the same frames, image-to-video, images and edits through the official SDK, and a job deleted
mid-run freeing the worker for the next."""

from __future__ import annotations

import base64
import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openai import OpenAI
from PIL import Image

from tests.fakes.gateway import Gateway, write_routing
from tests.local.tiny_pipelines import (
    save_tiny_flux,
    save_tiny_ltx,
    save_tiny_sdxl,
    save_tiny_wan,
    save_tiny_wan_i2v,
)
from tests.media_checks import decode_mp4, png_bytes

G = "/gateway/v1"


def _local(family: str, weights: Path, **options: Any) -> dict[str, Any]:
    return {"type": "diffusers", "pipeline": {"family": family, "weights": str(weights), **options}}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    tmp = tmp_path_factory.mktemp("local-models")
    wan = save_tiny_wan(tmp / "wan")
    providers = {
        "wan": _local("wan", wan, steps=3),
        # Azure's smallest size is 480x480: at 4 fps a second is 4 frames, quick on a CPU.
        "wan-4fps": _local("wan", wan, steps=1, fps=4),
        "wan-i2v": _local("wan", save_tiny_wan_i2v(tmp / "wan-i2v"), steps=2),
        "ltx": _local("ltx", save_tiny_ltx(tmp / "ltx"), steps=2, fps=12),
        # Long enough to be deleted while it runs.
        "wan-slow": _local("wan", wan, steps=500),
        "flux": _local("flux", save_tiny_flux(tmp / "flux"), steps=2),
        "sdxl": _local("sdxl", save_tiny_sdxl(tmp / "sdxl"), steps=2),
    }
    models = {
        "wan-t2v": {"provider": "wan"},
        "wan-slow": {"provider": "wan-slow"},
        "wan-deployment": {"provider": "wan-4fps"},
        # The model's name picks the images API's rules: DALL-E 2's sizes start at 256x256.
        "flux-dall-e-2": {"provider": "flux", "kind": "image"},
        "sdxl-dall-e-2": {"provider": "sdxl", "kind": "image"},
        "flux-image": {"provider": "flux", "kind": "image"},  # GPT image rules: the image tool
    }
    routing = write_routing(tmp / "models.yaml", providers, models)
    # One worker: a job deleted mid-run must give it back for the next one to start.
    with Gateway(tmp, routing, lease_seconds=10, workers=1) as running:
        yield running


def _gateway_video(server: Gateway, model: str, **fields: Any) -> dict[str, Any]:
    body = {"model": model, "prompt": "A paper boat on a river", "seconds": 1, "size": "96x64"}
    response = server.http.post(f"{G}/videos", json={**body, **fields})
    assert response.status_code == 200, response.text
    return response.json()


def _wait_gateway(server: Gateway, video_id: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = server.http.get(f"{G}/videos/{video_id}").json()
        if body["status"] in ("completed", "failed"):
            return body
        time.sleep(0.1)
    raise AssertionError(f"{video_id} did not finish in {timeout} s:\n{server.server.log()}")


def _content(server: Gateway, video_id: str) -> bytes:
    response = server.http.get(f"{G}/videos/{video_id}/content")
    assert response.status_code == 200, response.text
    return response.content


def test_wan_makes_the_asked_frames_size_and_rate(server: Gateway):
    video = _gateway_video(server, "wan/wan2.1", seed=7)
    done = _wait_gateway(server, video["id"])
    assert done["status"] == "completed", done
    decoded = decode_mp4(_content(server, video["id"]))
    # 1 s at Wan's 16 fps: the model makes 17 frames (4k+1), reelgate keeps 16. The
    # thumbnail and low-quality copy exist as for any job.
    assert (decoded.width, decoded.height, decoded.frames) == (96, 64, 16)
    assert abs(decoded.duration - 1.0) < 0.07
    thumbnail = server.http.get(
        f"{G}/videos/{video['id']}/content", params={"variant": "thumbnail"}
    )
    assert thumbnail.status_code == 200 and thumbnail.content


def test_the_same_seed_gives_the_same_frames(server: Gateway):
    first, second, other = (
        _gateway_video(server, "wan/wan2.1", seed=seed, size="64x64") for seed in (11, 11, 12)
    )
    frames = []
    for video in (first, second, other):
        assert _wait_gateway(server, video["id"])["status"] == "completed"
        frames.append(decode_mp4(_content(server, video["id"])).frames_sha256)
    assert frames[0] == frames[1] != frames[2]


def test_ltx_rounds_sizes_up_and_crops_back(server: Gateway):
    # 80 is not a multiple of 32: drawn 96 wide, then cropped from the centre.
    video = _gateway_video(server, "ltx/ltx-video", size="80x64", seconds=2)
    done = _wait_gateway(server, video["id"])
    assert done["status"] == "completed", done
    decoded = decode_mp4(_content(server, video["id"]))
    assert (decoded.width, decoded.height, decoded.frames) == (80, 64, 24)  # 2 s at 12 fps


def test_image_to_video_starts_from_the_reference(server: Gateway):
    reference = "data:image/png;base64," + base64.b64encode(png_bytes((200, 40, 40))).decode()
    for model in ("wan-i2v/wan2.1-i2v", "ltx/ltx-video"):
        video = _gateway_video(server, model, input_reference=reference, size="64x64")
        done = _wait_gateway(server, video["id"])
        assert done["status"] == "completed", (model, done)


def test_text_to_video_weights_refuse_a_reference_image(server: Gateway):
    reference = "data:image/png;base64," + base64.b64encode(png_bytes((0, 90, 200))).decode()
    video = _gateway_video(server, "wan/wan2.1", input_reference=reference)
    done = _wait_gateway(server, video["id"])
    assert done["status"] == "failed", done
    assert "text-to-video" in str(done.get("error")), done


def test_the_app_api_and_its_model_names(server: Gateway):
    response = server.http.post(
        "/api/generate",
        json={"prompt": "A lighthouse", "model": "wan-t2v", "duration": 1, "width": 256,
              "height": 256, "seed": 3},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    job_id = response.json()["job_id"]
    deadline = time.monotonic() + 120
    while (status := server.http.get(f"/api/status/{job_id}").json())["status"] not in (
        "completed",
        "failed",
    ):
        assert time.monotonic() < deadline, server.server.log()
        time.sleep(0.2)
    assert status["status"] == "completed", status
    decoded = decode_mp4(server.http.get(status["video_url"]).content)
    assert (decoded.width, decoded.height, decoded.frames) == (256, 256, 16)


def _decoded(b64: str | None) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(b64 or "")))


def test_azure_video_jobs_reach_the_local_model(server: Gateway):
    job = server.azure_create(
        "wan-deployment", "A lighthouse", width=480, height=480, n_seconds=1, n_variants=2
    )
    done = server.wait_azure(job["id"], timeout=120)
    assert done["status"] == "succeeded", done
    contents = []
    for generation in done["generations"]:
        response = server.http.get(
            f"/openai/v1/video/generations/{generation['id']}/content/video",
            params={"api-version": "preview"},
        )
        assert response.status_code == 200, response.text
        decoded = decode_mp4(response.content)
        assert (decoded.width, decoded.height, decoded.frames) == (480, 480, 4)  # 1 s at 4 fps
        contents.append(decoded.frames_sha256)
    assert contents[0] != contents[1], "two variants, two seeds"


def test_images_and_edits_through_the_sdk(server: Gateway):
    client = OpenAI(base_url=f"{server.server.base_url}/v1", api_key="x", max_retries=0)
    for model in ("flux-dall-e-2", "sdxl-dall-e-2"):
        made = client.images.generate(
            model=model, prompt="A red apple", size="256x256", n=2, response_format="b64_json"
        )
        pictures = [
            Image.open(io.BytesIO(base64.b64decode(item.b64_json or "")))
            for item in made.data or []
        ]
        assert [picture.size for picture in pictures] == [(256, 256)] * 2, model
        assert pictures[0].tobytes() != pictures[1].tobytes(), "two outputs, two seeds"
        mask = Image.new("RGBA", (256, 256), (0, 0, 0, 255))
        mask.paste((0, 0, 0, 0), (64, 64, 192, 192))  # transparent: redraw the middle
        buffer = io.BytesIO()
        mask.save(buffer, format="PNG")
        edited = client.images.edit(
            model=model,
            image=("apple.png", png_bytes((200, 30, 30), (256, 256)), "image/png"),
            mask=("mask.png", buffer.getvalue(), "image/png"),
            prompt="A green apple",
            size="256x256",
            response_format="b64_json",
        )
        picture = _decoded((edited.data or [])[0].b64_json)
        assert picture.size == (256, 256), model


def test_the_responses_image_tool_draws_with_the_local_model(server: Gateway):
    client = OpenAI(base_url=f"{server.server.base_url}/v1", api_key="x", max_retries=0)
    response = client.responses.create(
        model="gpt-4.1",
        input="A lighthouse at dusk",
        tools=[{"type": "image_generation", "model": "flux-image", "size": "1024x1024"}],
    )
    (call,) = [item for item in response.output if item.type == "image_generation_call"]
    assert call.status == "completed"
    assert _decoded(call.result).size == (1024, 1024)


def test_deleting_a_running_job_frees_its_worker(server: Gateway):
    slow = server.http.post(
        "/api/generate",
        json={"prompt": "Slow", "model": "wan-slow", "duration": 1, "width": 256, "height": 256},
    ).json()["job_id"]
    deadline = time.monotonic() + 60
    while server.http.get(f"/v1/videos/{slow}").json().get("progress", 0) < 2:
        assert time.monotonic() < deadline, server.server.log()
        time.sleep(0.05)
    assert server.http.delete(f"/v1/videos/{slow}").status_code == 200
    deleted_at = time.monotonic()
    # The server's only worker is free again at the deleted job's next step: a quick job
    # finishes long before the hundreds of steps the deleted one had left would have.
    quick = _gateway_video(server, "wan/wan2.1", seed=1)
    assert _wait_gateway(server, quick["id"], timeout=60)["status"] == "completed"
    assert time.monotonic() - deleted_at < 20, "the deleted job kept its worker"
