"""The `fal` provider against a fake fal.ai queue on loopback: full jobs through the OpenAI,
Azure and gateway dialects with inputs mapped per model, queue states in order, content-policy
and runner failures, 429 and 5xx retried, malformed answers, deletion cancelling upstream, a
restart with one submission, results kept after their signed link expired, and a fallback."""

from __future__ import annotations

import base64
import io
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from tests.fakes.base import Scripted
from tests.fakes.fal import FakeFal
from tests.fakes.gateway import SECRET, Gateway, provider, write_routing

KLING = "fal-ai/kling-video/v2/master/text-to-video"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeFal]:
    with FakeFal(key=SECRET, duration=0.8) as upstream:
        yield upstream


def routes(fake: FakeFal) -> tuple[dict, dict]:
    providers = {"fal": provider("fal", fake.origin)}
    models = {
        "kling": {
            "provider": "fal",
            "upstream_model": KLING,
            "parameters": {"negative_prompt": "blur", "cfg_scale": 0.5},
        },
        "veo-on-fal": {
            "provider": "fal",
            "upstream_model": "fal-ai/veo3",
            "parameters": {
                "duration_format": "seconds_suffix",
                "inputs": {"seed": None, "image_url": "first_frame_url"},
                "output": "videos.0.url",
            },
        },
        "kling-or-preview": {
            "provider": "fal",
            "upstream_model": KLING,
            "fallbacks": [{"provider": "preview"}],
        },
    }
    return providers, models


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory, fake: FakeFal) -> Iterator[Gateway]:
    tmp = tmp_path_factory.mktemp("fal-gateway")
    with Gateway(tmp, write_routing(tmp / "models.yaml", *routes(fake))) as running:
        yield running


def sent(gateway: Gateway, fake: FakeFal, video_id: str) -> dict:
    request_id = json.loads(gateway.job_row(video_id)["upstream_ref"])["request_id"]
    return fake.jobs[request_id].params


def test_a_job_through_the_openai_dialect_maps_the_inputs(gateway: Gateway, fake: FakeFal):
    done = gateway.wait(gateway.create("kling", "A red kite", seconds="8")["id"])
    assert done["status"] == "completed", done["error"]
    body = sent(gateway, fake, done["id"])
    assert body["_model"] == KLING, "the subpath is used on submit"
    assert (body["prompt"], body["duration"], body["aspect_ratio"]) == ("A red kite", "8", "16:9")
    assert (body["negative_prompt"], body["cfg_scale"]) == ("blur", 0.5)
    assert "seed" not in body, "no seed asked, none sent"
    paths = {path for _, path, _, _ in fake.requests}
    request_id = json.loads(gateway.job_row(done["id"])["upstream_ref"])["request_id"]
    assert f"/fal-ai/kling-video/requests/{request_id}/status" in paths, "owner/app only"
    fake.expire()
    try:
        content = gateway.http.get(f"/v1/videos/{done['id']}/content")
        assert content.status_code == 200 and content.content == fake.media.video
    finally:
        fake.expired = False


def test_a_model_with_its_own_field_names(gateway: Gateway, fake: FakeFal):
    picture = io.BytesIO()
    Image.new("RGB", (720, 1280), (10, 200, 90)).save(picture, format="PNG")
    response = gateway.http.post(
        "/v1/videos",
        data={"model": "veo-on-fal", "prompt": "videos_field tall", "seconds": "8",
              "size": "720x1280"},
        files={"input_reference": ("still.png", picture.getvalue(), "image/png")},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    done = gateway.wait(response.json()["id"])
    assert done["status"] == "completed", done["error"]
    body = sent(gateway, fake, done["id"])
    assert body["duration"] == "8s" and body["aspect_ratio"] == "9:16"
    assert "seed" not in body and "image_url" not in body
    encoded = body["first_frame_url"].removeprefix("data:image/png;base64,")
    with Image.open(io.BytesIO(base64.b64decode(encoded))) as image:
        assert image.getpixel((0, 0)) == (10, 200, 90)


def test_the_azure_and_gateway_dialects(gateway: Gateway, fake: FakeFal):
    job = gateway.azure_create("kling", "Through Azure", n_seconds=5)
    done = gateway.wait_azure(job["id"])
    assert done["status"] == "succeeded", done
    assert sent(gateway, fake, job["id"])["duration"] == "5"
    made = gateway.http.post(
        "/gateway/v1/videos",
        json={"model": f"fal/{KLING}", "prompt": "Through the gateway", "seconds": 5, "seed": 7},
    )
    assert made.status_code == 200, made.text
    video_id = made.json()["id"]
    assert video_id.endswith(":fal")
    finished = gateway.wait(video_id.partition(":")[0])
    assert finished["status"] == "completed", finished["error"]
    body = sent(gateway, fake, finished["id"])
    assert (body["_model"], body["seed"], body["duration"]) == (KLING, 7, "5")
    assert "negative_prompt" not in body, "a qualified name has no route's parameters"


def test_failures_map_to_the_canonical_codes(gateway: Gateway):
    unsafe = gateway.wait(gateway.create("kling", "Something unsafe")["id"])
    assert unsafe["status"] == "failed" and unsafe["error"]["code"] == "input_moderation"
    assert "flagged" in unsafe["error"]["message"]
    crashed = gateway.wait(gateway.create("kling", "A crash")["id"])
    assert crashed["status"] == "failed" and "Runner disconnected" in crashed["error"]["message"]


def test_429_and_503_are_retried_and_garbage_is_a_protocol_error(gateway: Gateway, fake: FakeFal):
    fake.script("submit", Scripted(429, {"detail": "Too many requests"}, {"Retry-After": "0"}))
    fake.script("poll", Scripted(503, {"detail": "busy"}))
    before = fake.submissions
    assert gateway.wait(gateway.create("kling", "Patient")["id"])["status"] == "completed"
    assert fake.submissions == before + 1, "a refused submission is not a submission"
    fake.script("poll", Scripted(200, {"status": "EXPLODED"}))
    odd = gateway.wait(gateway.create("kling", "Odd")["id"])
    assert odd["error"]["code"] == "upstream_protocol_error", odd["error"]
    fake.script("content", Scripted(200, {"image": {"url": "http://x"}}))
    empty = gateway.wait(gateway.create("kling", "No video")["id"])
    assert "no video URL at 'video.url'" in empty["error"]["message"]


def test_a_refused_submission_falls_back_to_the_preview_engine(gateway: Gateway, fake: FakeFal):
    item = {"loc": ["body", "duration"], "msg": "unsupported", "type": "value_error"}
    fake.script("submit", Scripted(422, {"detail": [item]}))
    done = gateway.wait(gateway.create("kling-or-preview", "Plan B")["id"])
    assert done["status"] == "completed", done["error"]
    assert gateway.job_row(done["id"])["provider"] == "preview"


def test_deleting_a_job_cancels_it_upstream(tmp_path: Path):
    with (
        FakeFal(key=SECRET, duration=30.0) as fake,
        Gateway(tmp_path, write_routing(tmp_path / "models.yaml", *routes(fake))) as gateway,
    ):
        video = gateway.create("kling", "Never mind")
        deadline = time.monotonic() + 10
        while gateway.job_row(video["id"])["upstream_ref"] is None:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        request_id = json.loads(gateway.job_row(video["id"])["upstream_ref"])["request_id"]
        assert gateway.http.delete(f"/v1/videos/{video['id']}").status_code == 200
        while request_id not in fake.cancels:
            assert time.monotonic() < deadline, "no PUT on the cancel URL"
            time.sleep(0.05)
        assert request_id in fake.cancelled


def test_restart_mid_job_resumes_with_one_submission(tmp_path: Path):
    with FakeFal(key=SECRET, duration=4.0) as fake:
        routing = write_routing(tmp_path / "models.yaml", *routes(fake))
        with Gateway(tmp_path, routing, lease_seconds=1.0) as gateway:
            video = gateway.create("kling", "Survives a restart")
            deadline = time.monotonic() + 10
            while gateway.job_row(video["id"])["upstream_ref"] is None:
                assert time.monotonic() < deadline
                time.sleep(0.05)
            gateway.server.stop(kill=True)
            polls = fake.polls
            gateway.server.start()
            done = gateway.wait(video["id"])
        assert done["status"] == "completed", done
        assert fake.submissions == 1 and fake.polls > polls
