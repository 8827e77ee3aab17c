"""The `azure-jobs` provider against a fake Azure video-jobs API (seed 000) on loopback: full
jobs through both dialects (variants, inpaint upload), statuses and failure reasons, 429 on
create, malformed answers, a restart mid-job, and content kept after Azure deleted it."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from tests.fakes.azure_jobs import FakeAzureJobs
from tests.fakes.base import Scripted
from tests.fakes.gateway import SECRET, Gateway, provider, write_routing


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeAzureJobs]:
    with FakeAzureJobs(key=SECRET, duration=0.8) as upstream:
        yield upstream


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory, fake: FakeAzureJobs) -> Iterator[Gateway]:
    tmp = tmp_path_factory.mktemp("azure-gateway")
    routing = write_routing(
        tmp / "models.yaml",
        {"az": provider("azure-jobs", f"{fake.origin}/openai/v1")},
        {"sora": {"provider": "az", "upstream_model": "sora-deployment"}},
    )
    with Gateway(tmp, routing) as running:
        yield running


def test_variants_through_the_azure_dialect_are_fetched_with_low_quality_and_thumbnails(
    gateway: Gateway, fake: FakeAzureJobs
):
    job = gateway.azure_create("sora", "Kites over hills", n_variants=2)
    done = gateway.wait_azure(job["id"])
    assert done["status"] == "succeeded", done
    upstream = fake.jobs[gateway.job_row(job["id"])["upstream_ref"]]
    assert upstream.params["model"] == "sora-deployment" and upstream.params["n_variants"] == 2
    assert upstream.fetched == {"video", "low", "thumbnail"}
    fake.expire()
    try:
        for generation in done["generations"]:
            base = f"/openai/v1/video/generations/{generation['id']}/content"
            assert gateway.http.get(f"{base}/video").content == fake.media.video
            assert gateway.http.get(f"{base}/video?quality=low").content == fake.media.low
            assert gateway.http.get(f"{base}/thumbnail").content == fake.media.thumbnail_jpeg
    finally:
        fake.expired = False


def test_a_job_through_the_openai_dialect_with_a_reference_image(
    gateway: Gateway, fake: FakeAzureJobs
):
    picture = io.BytesIO()
    Image.new("RGB", (1280, 720), (10, 120, 200)).save(picture, format="PNG")
    response = gateway.http.post(
        "/v1/videos",
        data={"model": "sora", "prompt": "From this still", "seconds": "4", "size": "1280x720"},
        files={"input_reference": ("still.png", picture.getvalue(), "image/png")},
    )
    assert response.status_code == 200, response.text
    done = gateway.wait(response.json()["id"])
    assert done["status"] == "completed", done
    upstream = fake.jobs[gateway.job_row(done["id"])["upstream_ref"]]
    (item,) = upstream.params["inpaint_items"]
    assert item["frame_index"] == 0 and item["type"] == "image"
    assert upstream.params["files"] == [item["file_name"]]
    thumbnail = gateway.http.get(f"/v1/videos/{done['id']}/content?variant=thumbnail")
    assert thumbnail.status_code == 200 and thumbnail.content[8:12] == b"WEBP"  # derived


def test_a_failure_reason_becomes_the_job_error(gateway: Gateway):
    done = gateway.wait_azure(gateway.azure_create("sora", "This one fails upstream")["id"])
    assert done["status"] == "failed" and done["failure_reason"] == "output_moderation"


def test_429_on_create_is_retried_after_the_asked_delay(gateway: Gateway, fake: FakeAzureJobs):
    fake.script("submit", Scripted(429, {"error": {"code": "429", "message": "Rate limit"}},
                                   {"Retry-After": "1"}))  # fmt: skip
    before = fake.submissions
    started = time.monotonic()
    done = gateway.wait_azure(gateway.azure_create("sora", "Patient")["id"])
    assert done["status"] == "succeeded" and fake.submissions == before + 1
    assert time.monotonic() - started >= 1.0


def test_a_size_azure_refuses_fails_with_its_message(gateway: Gateway):
    video = gateway.create("sora", "Too tall", size="1024x1792")
    done = gateway.wait(video["id"])
    assert done["status"] == "failed" and done["error"]["code"] == "upstream_refused"
    assert "az:" in done["error"]["message"] and "Unsupported size" in done["error"]["message"]


def test_a_malformed_job_fails_naming_the_provider(gateway: Gateway, fake: FakeAzureJobs):
    fake.script("poll", Scripted(200, {"object": "video.generation.job", "status": "exploded"}))
    done = gateway.wait_azure(gateway.azure_create("sora", "Odd")["id"])
    assert done["status"] == "failed"
    assert done["failure_reason"] == "upstream_protocol_error"


def test_restart_mid_job_resumes_with_one_submission(tmp_path: Path):
    with FakeAzureJobs(key=SECRET, duration=4.0) as fake:
        routing = write_routing(
            tmp_path / "models.yaml",
            {"az": provider("azure-jobs", f"{fake.origin}/openai/v1")},
            {"sora": {"provider": "az"}},
        )
        with Gateway(tmp_path, routing, lease_seconds=1.0) as gateway:
            job = gateway.azure_create("sora", "Survives a crash")
            deadline = time.monotonic() + 10
            while gateway.job_row(job["id"])["upstream_ref"] is None:
                assert time.monotonic() < deadline
                time.sleep(0.05)
            gateway.server.stop(kill=True)
            polls = fake.polls
            gateway.server.start()
            done = gateway.wait_azure(job["id"])
        assert done["status"] == "succeeded", done
        assert fake.submissions == 1 and fake.polls > polls
