"""The `runway` provider against a fake Runway API on loopback: text-to-video and
image-to-video through the OpenAI, Azure and gateway dialects, statuses in order with progress,
safety failures as moderation, 429 with Retry-After and 5xx retried, malformed tasks, deletion
cancelling the task, a restart with one submission, expired links, and a fallback."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from tests.fakes.base import Scripted
from tests.fakes.gateway import SECRET, Gateway, provider, write_routing
from tests.fakes.runway import FakeRunway


def routing(tmp: Path, fake: FakeRunway) -> Path:
    return write_routing(
        tmp / "models.yaml",
        {"runway": provider("runway", fake.origin)},
        {
            "gen45": {"provider": "runway", "upstream_model": "gen4.5",
                      "parameters": {"contentModeration": {"publicFigureThreshold": "low"}}},
            "turbo-or-preview": {"provider": "runway", "upstream_model": "gen4_turbo",
                                 "fallbacks": [{"provider": "preview"}]},
        },
    )  # fmt: skip


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeRunway]:
    with FakeRunway(key=SECRET, duration=0.8) as upstream:
        yield upstream


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory, fake: FakeRunway) -> Iterator[Gateway]:
    tmp = tmp_path_factory.mktemp("runway-gateway")
    with Gateway(tmp, routing(tmp, fake)) as running:
        yield running


def sent(gateway: Gateway, fake: FakeRunway, video_id: str) -> tuple[str, dict]:
    task_id = gateway.job_row(video_id)["upstream_ref"]
    return fake.endpoints[task_id], fake.jobs[task_id].params


def still(width: int, height: int) -> bytes:
    picture = io.BytesIO()
    Image.new("RGB", (width, height), (5, 5, 250)).save(picture, format="PNG")
    return picture.getvalue()


def test_text_to_video_through_the_openai_dialect(gateway: Gateway, fake: FakeRunway):
    made = gateway.create("gen45", "A paper boat", seconds="8", size="1280x720")
    seen = set()
    while (body := gateway.http.get(f"/v1/videos/{made['id']}").json())["status"] not in (
        "completed",
        "failed",
    ):
        seen.add(body["progress"])
        time.sleep(0.05)
    assert body["status"] == "completed", body["error"]
    assert len(seen) > 1, "progress moves while Runway runs the task"
    endpoint, params = sent(gateway, fake, made["id"])
    assert endpoint == "/v1/text_to_video"
    assert (params["model"], params["ratio"], params["duration"]) == ("gen4.5", "1280:720", 8)
    assert params["promptText"] == "A paper boat"
    assert params["contentModeration"] == {"publicFigureThreshold": "low"}
    fake.expire()
    try:
        content = gateway.http.get(f"/v1/videos/{made['id']}/content")
        assert content.status_code == 200 and content.content == fake.media.video
    finally:
        fake.expired = False


def test_an_image_reference_goes_to_image_to_video(gateway: Gateway, fake: FakeRunway):
    response = gateway.http.post(
        "/v1/videos",
        data={"model": "gen45", "prompt": "Rising", "seconds": "4", "size": "720x1280"},
        files={"input_reference": ("still.png", still(720, 1280), "image/png")},
    )
    assert response.status_code == 200, response.text
    done = gateway.wait(response.json()["id"])
    assert done["status"] == "completed", done["error"]
    endpoint, params = sent(gateway, fake, done["id"])
    assert (endpoint, params["ratio"], params["duration"]) == ("/v1/image_to_video", "720:1280", 4)
    assert params["promptImage"].startswith("data:image/png;base64,")


def test_the_azure_and_gateway_dialects(gateway: Gateway, fake: FakeRunway):
    job = gateway.azure_create("gen45", "Through Azure", n_seconds=5)
    assert gateway.wait_azure(job["id"])["status"] == "succeeded"
    _, params = sent(gateway, fake, job["id"])
    assert (params["duration"], params["ratio"]) == (5, "1280:720")
    made = gateway.http.post(
        "/gateway/v1/videos",
        json={"model": "runway/gen4_turbo", "prompt": "Through the gateway", "seconds": 5,
              "size": "720x1280", "seed": 3},
    )  # fmt: skip
    assert made.status_code == 200, made.text
    assert made.json()["id"].endswith(":runway")
    done = gateway.wait(made.json()["id"].partition(":")[0])
    assert done["status"] == "completed", done["error"]
    _, params = sent(gateway, fake, done["id"])
    assert (params["model"], params["seed"], params["ratio"]) == ("gen4_turbo", 3, "720:1280")


def test_failures_map_to_the_canonical_codes(gateway: Gateway):
    unsafe = gateway.wait(gateway.create("gen45", "Something unsafe", seconds="4")["id"])
    assert unsafe["status"] == "failed" and unsafe["error"]["code"] == "input_moderation"
    assert "SAFETY.INPUT.TEXT" in unsafe["error"]["message"]
    job = gateway.azure_create("gen45", "Something broken", n_seconds=5)
    assert gateway.wait_azure(job["id"])["status"] == "failed"
    broken = gateway.wait(job["id"])["error"]
    assert "INTERNAL.BAD_OUTPUT" in broken["message"], broken


def test_retries_and_malformed_tasks(gateway: Gateway, fake: FakeRunway):
    fake.script("submit", Scripted(429, {"error": "Too many requests"}, {"Retry-After": "0"}))
    fake.script("poll", Scripted(502, {"error": "bad gateway"}))
    before = fake.submissions
    job = gateway.azure_create("gen45", "Patient", n_seconds=5)
    assert gateway.wait_azure(job["id"])["status"] == "succeeded"
    assert fake.submissions == before + 1
    fake.script("poll", Scripted(200, {"id": "x", "status": "SUCCEEDED", "output": []}))
    odd = gateway.wait(gateway.azure_create("gen45", "Odd", n_seconds=5)["id"])
    assert odd["error"]["code"] == "upstream_protocol_error", odd["error"]
    assert "no output URL" in odd["error"]["message"]


def test_a_refused_task_falls_back_to_the_preview_engine(gateway: Gateway, fake: FakeRunway):
    # gen4_turbo makes 5 or 10 s: Runway refuses 8, naming the field; the fallback makes it.
    before = fake.submissions
    done = gateway.wait(gateway.create("turbo-or-preview", "Plan B", seconds="8")["id"])
    assert done["status"] == "completed", done["error"]
    assert gateway.job_row(done["id"])["provider"] == "preview"
    assert fake.submissions == before, "a refused task is no submission"


def test_deleting_a_job_cancels_its_task(tmp_path: Path):
    with (
        FakeRunway(key=SECRET, duration=30.0) as fake,
        Gateway(tmp_path, routing(tmp_path, fake)) as gateway,
    ):
        job = gateway.azure_create("gen45", "Never mind", n_seconds=5)
        deadline = time.monotonic() + 10
        while gateway.job_row(job["id"])["upstream_ref"] is None:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        task_id = gateway.job_row(job["id"])["upstream_ref"]
        deleted = gateway.http.delete(
            f"/openai/v1/video/generations/jobs/{job['id']}", params={"api-version": "preview"}
        )
        assert deleted.status_code == 204, deleted.text
        while task_id not in fake.cancelled:
            assert time.monotonic() < deadline, "no DELETE of the task"
            time.sleep(0.05)


def test_restart_mid_job_resumes_with_one_submission(tmp_path: Path):
    with (
        FakeRunway(key=SECRET, duration=4.0) as fake,
        Gateway(tmp_path, routing(tmp_path, fake), lease_seconds=1.0) as gateway,
    ):
        job = gateway.azure_create("gen45", "Survives a restart", n_seconds=5)
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
