"""The `veo` provider against a fake Gemini API (long-running operations) on loopback: full
jobs through both dialects with the parameters mapped, responsible-AI filtering, google.rpc
errors, malformed operations, a restart mid-job, and videos kept after the link expired."""

from __future__ import annotations

import base64
import io
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from tests.fakes.base import Scripted
from tests.fakes.gateway import SECRET, Gateway, provider, write_routing
from tests.fakes.veo import FakeVeo


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeVeo]:
    with FakeVeo(key=SECRET, duration=0.8) as upstream:
        yield upstream


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory, fake: FakeVeo) -> Iterator[Gateway]:
    tmp = tmp_path_factory.mktemp("veo-gateway")
    routing = write_routing(
        tmp / "models.yaml",
        {"google": provider("veo", f"{fake.origin}/v1beta")},
        {
            "veo-3": {
                "provider": "google",
                "upstream_model": "veo-3.0-generate-001",
                "parameters": {"negativePrompt": "blurry", "personGeneration": "allow_adult"},
            }
        },
    )
    with Gateway(tmp, routing) as running:
        yield running


def test_a_job_through_the_openai_dialect_maps_every_parameter(gateway: Gateway, fake: FakeVeo):
    picture = io.BytesIO()
    Image.new("RGB", (720, 1280), (250, 200, 0)).save(picture, format="PNG")
    response = gateway.http.post(
        "/v1/videos",
        data={"model": "veo-3", "prompt": "A tall waterfall", "seconds": "8", "size": "720x1280"},
        files={"input_reference": ("still.png", picture.getvalue(), "image/png")},
    )
    assert response.status_code == 200, response.text
    done = gateway.wait(response.json()["id"])
    assert done["status"] == "completed", done["error"]
    name = gateway.job_row(done["id"])["upstream_ref"]
    assert name.startswith("models/veo-3.0-generate-001/operations/")
    sent = fake.jobs[name].params
    assert sent["aspectRatio"] == "9:16" and sent["durationSeconds"] == 8
    assert sent["negativePrompt"] == "blurry" and sent["personGeneration"] == "allow_adult"
    assert sent["image"]["mimeType"] == "image/png"
    with Image.open(io.BytesIO(base64.b64decode(sent["image"]["bytesBase64Encoded"]))) as image:
        assert image.getpixel((0, 0)) == (250, 200, 0)
    fake.expire()
    try:
        content = gateway.http.get(f"/v1/videos/{done['id']}/content")
        assert content.status_code == 200 and content.content == fake.media.video
    finally:
        fake.expired = False


def test_variants_and_seed_through_the_azure_dialect(gateway: Gateway, fake: FakeVeo):
    job = gateway.azure_create("veo-3", "Two takes", n_variants=2, n_seconds=6)
    done = gateway.wait_azure(job["id"])
    assert done["status"] == "succeeded", done
    assert len(done["generations"]) == 2
    sent = fake.jobs[gateway.job_row(job["id"])["upstream_ref"]].params
    assert sent["sampleCount"] == 2 and sent["aspectRatio"] == "16:9"
    for generation in done["generations"]:
        base = f"/openai/v1/video/generations/{generation['id']}/content"
        assert gateway.http.get(f"{base}/thumbnail").content[:3] == b"\xff\xd8\xff"
        assert gateway.http.get(f"{base}/video?quality=low").status_code == 200


def test_filtered_videos_fail_as_output_moderation(gateway: Gateway):
    done = gateway.wait(gateway.create("veo-3", "Something filtered", seconds="4")["id"])
    assert done["status"] == "failed" and done["error"]["code"] == "output_moderation"
    assert "safety" in done["error"]["message"]


def test_a_failed_operation_and_a_malformed_one(gateway: Gateway, fake: FakeVeo):
    broken = {"name": "x", "done": True, "error": {"code": 13, "message": "Internal error"}}
    fake.script("poll", Scripted(200, broken))
    failed = gateway.wait(gateway.create("veo-3", "Unlucky")["id"])
    assert failed["status"] == "failed" and "Internal error" in failed["error"]["message"]
    fake.script("poll", Scripted(200, {"name": "x", "done": True, "response": {"oops": 1}}))
    odd = gateway.wait(gateway.create("veo-3", "Odd")["id"])
    assert odd["error"]["code"] == "upstream_protocol_error"
    assert odd["error"]["message"].startswith("google: ")


def test_503_on_create_is_retried(gateway: Gateway, fake: FakeVeo):
    fake.script("submit", Scripted(503, {"error": {"code": 503, "message": "busy",
                                                   "status": "UNAVAILABLE"}}))  # fmt: skip
    before = fake.submissions
    assert gateway.wait(gateway.create("veo-3", "Again")["id"])["status"] == "completed"
    assert fake.submissions == before + 1


def test_restart_mid_job_resumes_with_one_submission(tmp_path: Path):
    with FakeVeo(key=SECRET, duration=4.0) as fake:
        routing = write_routing(
            tmp_path / "models.yaml",
            {"google": provider("veo", f"{fake.origin}/v1beta")},
            {"veo-3": {"provider": "google", "upstream_model": "veo-3.0-generate-001"}},
        )
        with Gateway(tmp_path, routing, lease_seconds=1.0) as gateway:
            video = gateway.create("veo-3", "Survives a crash")
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
