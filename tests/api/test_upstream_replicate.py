"""The `replicate` provider against a fake Replicate API on loopback: official models and
versions, inputs mapped per model, every dialect, progress from the model's logs, E005 as
moderation, 429 and 5xx retried, malformed predictions, cancel on delete, a restart with one
submission, outputs kept after their delivery URL expired, and a fallback."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.base import Scripted
from tests.fakes.gateway import SECRET, Gateway, provider, write_routing
from tests.fakes.replicate import VERSION, FakeReplicate


def routing(tmp: Path, fake: FakeReplicate) -> Path:
    return write_routing(
        tmp / "models.yaml",
        {"replicate": provider("replicate", f"{fake.origin}/v1")},
        {
            "wan": {"provider": "replicate", "upstream_model": "wan-video/wan-2.2-t2v-fast",
                    "parameters": {"inputs": {"duration": "num_frames_seconds"},
                                   "go_fast": True}},
            "pinned": {"provider": "replicate", "upstream_model": f"acme/video-model:{VERSION}",
                       "parameters": {"output": ""}},
            "wan-or-preview": {"provider": "replicate", "upstream_model": "acme/missing:bad",
                               "fallbacks": [{"provider": "preview"}]},
        },
    )  # fmt: skip


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeReplicate]:
    with FakeReplicate(key=SECRET, duration=0.8) as upstream:
        yield upstream


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory, fake: FakeReplicate) -> Iterator[Gateway]:
    tmp = tmp_path_factory.mktemp("replicate-gateway")
    with Gateway(tmp, routing(tmp, fake)) as running:
        yield running


def sent(gateway: Gateway, fake: FakeReplicate, video_id: str) -> dict:
    pid = json.loads(gateway.job_row(video_id)["upstream_ref"])["id"]
    return fake.jobs[pid].params


def test_an_official_model_through_the_openai_dialect(gateway: Gateway, fake: FakeReplicate):
    made = gateway.create("wan", "A glass city", seconds="8", size="720x1280")
    seen = set()
    while (body := gateway.http.get(f"/v1/videos/{made['id']}").json())["status"] not in (
        "completed",
        "failed",
    ):
        seen.add(body["progress"])
        time.sleep(0.05)
    assert body["status"] == "completed", body["error"]
    assert len(seen) > 1
    params = sent(gateway, fake, made["id"])
    assert params["model"] == "wan-video/wan-2.2-t2v-fast" and params["version"] is None
    inputs = params["input"]
    assert (inputs["prompt"], inputs["num_frames_seconds"], inputs["aspect_ratio"]) == (
        "A glass city",
        8,
        "9:16",
    )
    assert inputs["go_fast"] is True and "duration" not in inputs
    fake.expire()
    try:
        content = gateway.http.get(f"/v1/videos/{made['id']}/content")
        assert content.status_code == 200 and content.content == fake.media.video
    finally:
        fake.expired = False


def test_a_pinned_version_and_a_list_output(gateway: Gateway, fake: FakeReplicate):
    job = gateway.azure_create("pinned", "list_output through Azure", n_seconds=5)
    assert gateway.wait_azure(job["id"])["status"] == "succeeded"
    params = sent(gateway, fake, job["id"])
    assert (params["version"], params["input"]["duration"]) == (VERSION, 5)


def test_the_gateway_dialect(gateway: Gateway, fake: FakeReplicate):
    made = gateway.http.post(
        "/gateway/v1/videos",
        json={"model": "replicate/minimax/video-01", "prompt": "Gateway", "seconds": 6, "seed": 9},
    )
    assert made.status_code == 200, made.text
    assert made.json()["id"].endswith(":replicate")
    done = gateway.wait(made.json()["id"].partition(":")[0])
    assert done["status"] == "completed", done["error"]
    params = sent(gateway, fake, done["id"])
    assert params["model"] == "minimax/video-01" and params["input"]["seed"] == 9


def test_e005_is_moderation_and_bad_answers_are_protocol_errors(
    gateway: Gateway, fake: FakeReplicate
):
    unsafe = gateway.wait(gateway.create("wan", "Something unsafe")["id"])
    assert unsafe["status"] == "failed" and unsafe["error"]["code"] == "input_moderation"
    assert "E005" in unsafe["error"]["message"]
    fake.script("poll", Scripted(200, {"id": "x", "status": "succeeded", "output": {"a": 1}}))
    odd = gateway.wait(gateway.create("wan", "Odd")["id"])
    assert odd["error"]["code"] == "upstream_protocol_error", odd["error"]


def test_429_and_5xx_are_retried(gateway: Gateway, fake: FakeReplicate):
    throttled = {"detail": "Request was throttled. Expected available in 0 seconds.",
                 "status": 429}  # fmt: skip
    fake.script("submit", Scripted(429, throttled, {"Retry-After": "0"}))
    fake.script("poll", Scripted(500, {"title": "Internal", "detail": "oops", "status": 500}))
    before = fake.submissions
    assert gateway.wait(gateway.create("wan", "Patient")["id"])["status"] == "completed"
    assert fake.submissions == before + 1


def test_a_refused_prediction_falls_back(gateway: Gateway):
    done = gateway.wait(gateway.create("wan-or-preview", "Plan B")["id"])
    assert done["status"] == "completed", done["error"]
    assert gateway.job_row(done["id"])["provider"] == "preview"


def test_deleting_a_job_cancels_its_prediction(tmp_path: Path):
    with (
        FakeReplicate(key=SECRET, duration=30.0) as fake,
        Gateway(tmp_path, routing(tmp_path, fake)) as gateway,
    ):
        video = gateway.create("wan", "Never mind")
        deadline = time.monotonic() + 10
        while gateway.job_row(video["id"])["upstream_ref"] is None:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        pid = json.loads(gateway.job_row(video["id"])["upstream_ref"])["id"]
        assert gateway.http.delete(f"/v1/videos/{video['id']}").status_code == 200
        while pid not in fake.cancelled:
            assert time.monotonic() < deadline, "no cancel of the prediction"
            time.sleep(0.05)


def test_restart_mid_job_resumes_with_one_submission(tmp_path: Path):
    with (
        FakeReplicate(key=SECRET, duration=4.0) as fake,
        Gateway(tmp_path, routing(tmp_path, fake), lease_seconds=1.0) as gateway,
    ):
        video = gateway.create("wan", "Survives a restart")
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
