"""The `openai` provider against a fake OpenAI Videos/Images API on loopback: full jobs through
reelgate's OpenAI and Azure dialects, retries, 429 with Retry-After, moderation, malformed
answers, content kept after the upstream expired it, images, and keys kept out of the logs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from openai import OpenAI

from tests.fakes.base import Scripted
from tests.fakes.gateway import SECRET, Gateway, provider, write_routing
from tests.fakes.media import HEIGHT, WIDTH
from tests.fakes.openai_videos import FakeOpenAI


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(key=SECRET, duration=0.8) as upstream:
        yield upstream


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory, fake: FakeOpenAI) -> Iterator[Gateway]:
    tmp = tmp_path_factory.mktemp("openai-gateway")
    routing = write_routing(
        tmp / "models.yaml",
        {"up": provider("openai", f"{fake.origin}/v1")},
        {
            "sora-2": {"provider": "up", "limits": {"max_seconds": 8}},
            "gpt-image-1": {"kind": "image", "provider": "up"},
            "dall-e-2": {"kind": "image", "provider": "up"},
        },
    )
    with Gateway(tmp, routing) as running:
        yield running


def test_a_job_through_the_openai_dialect_is_polled_fetched_and_kept(
    gateway: Gateway, fake: FakeOpenAI
):
    client = OpenAI(base_url=f"{gateway.server.base_url}/v1", api_key="x", max_retries=0)
    submitted = fake.submissions
    video = client.videos.create_and_poll(
        model="sora-2", prompt="A lighthouse", seconds="4", size="1280x720", poll_interval_ms=100
    )
    assert video.status == "completed", video
    assert fake.submissions == submitted + 1
    row = gateway.job_row(video.id)
    assert row["provider"] == "up" and row["upstream_ref"] in fake.jobs
    upstream = fake.jobs[row["upstream_ref"]]
    assert upstream.params == {"model": "sora-2", "prompt": "A lighthouse", "seconds": "4",
                               "size": "1280x720"}  # fmt: skip
    assert {"video", "thumbnail", "spritesheet"} <= upstream.fetched
    # Everything is in reelgate's storage: the upstream may forget it now.
    fake.expire()
    try:
        content = client.videos.download_content(video.id).read()
        assert content == fake.media.video
        thumbnail = gateway.http.get(f"/v1/videos/{video.id}/content?variant=thumbnail")
        assert thumbnail.content == fake.media.thumbnail_webp
    finally:
        fake.expired = False


def test_a_job_through_the_azure_dialect_gets_derived_jpeg_and_low_quality(
    gateway: Gateway, fake: FakeOpenAI
):
    job = gateway.azure_create("sora-2", "A harbour at dawn", n_seconds=8)
    done = gateway.wait_azure(job["id"])
    assert done["status"] == "succeeded", done
    (generation,) = done["generations"]
    assert (generation["width"], generation["height"]) == (WIDTH, HEIGHT)
    base = f"/openai/v1/video/generations/{generation['id']}/content"
    assert gateway.http.get(f"{base}/video").content == fake.media.video
    low = gateway.http.get(f"{base}/video?quality=low")
    assert low.status_code == 200 and low.content[4:8] == b"ftyp"
    thumbnail = gateway.http.get(f"{base}/thumbnail")
    assert thumbnail.status_code == 200 and thumbnail.content[:3] == b"\xff\xd8\xff"


def test_5xx_and_429_are_retried_honouring_retry_after(gateway: Gateway, fake: FakeOpenAI):
    fake.script("submit", Scripted(503, {"error": {"message": "overloaded"}}))
    fake.script("poll", Scripted(429, {"error": {"message": "slow down"}}, {"Retry-After": "1"}))
    submitted = fake.submissions
    video = gateway.create("sora-2", "Retried")
    done = gateway.wait(video["id"])
    assert done["status"] == "completed", done
    assert fake.submissions == submitted + 1  # the 503 created nothing; the retry did
    ref = gateway.job_row(done["id"])["upstream_ref"]
    polls = [r[3] for r in fake.requests if r[0] == "GET" and r[1] == f"/v1/videos/{ref}"]
    assert len(polls) >= 2 and polls[1] - polls[0] >= 0.95  # waited out Retry-After: 1


def test_moderation_refusal_fails_the_job_as_input_moderation(gateway: Gateway):
    video = gateway.create("sora-2", "Something forbidden")
    done = gateway.wait(video["id"])
    assert done["status"] == "failed"
    assert done["error"]["code"] == "input_moderation"
    assert "up:" in done["error"]["message"] and "moderation" in done["error"]["message"]


def test_a_malformed_answer_fails_the_job_naming_the_provider(gateway: Gateway, fake: FakeOpenAI):
    fake.script(
        "poll", Scripted(200, b"<html>gateway timeout</html>", {"content-type": "text/html"})
    )
    video = gateway.create("sora-2", "Garbled")
    done = gateway.wait(video["id"])
    assert done["status"] == "failed"
    assert done["error"]["code"] == "upstream_protocol_error"
    assert done["error"]["message"].startswith("up: ") and "not JSON" in done["error"]["message"]
    # The worker survived: the next job completes.
    assert gateway.wait(gateway.create("sora-2", "After the garble")["id"])["status"] == "completed"


def test_unknown_models_and_limits_are_refused_at_creation(gateway: Gateway):
    unknown = gateway.http.post("/v1/videos", json={"model": "nope", "prompt": "x"})
    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == "model_not_found"
    too_long = gateway.http.post(
        "/v1/videos", json={"model": "sora-2", "prompt": "x", "seconds": "12"}
    )
    assert (
        too_long.status_code == 400 and "at most 8 seconds" in too_long.json()["error"]["message"]
    )


def test_models_are_listed_in_openai_shape(gateway: Gateway):
    listed = gateway.http.get("/v1/models").json()
    assert listed["object"] == "list"
    names = {item["id"]: item for item in listed["data"]}
    assert set(names) == {"sora-2", "gpt-image-1", "dall-e-2"}
    assert names["sora-2"]["object"] == "model" and names["sora-2"]["owned_by"] == "up"
    assert gateway.http.get("/v1/models/sora-2").json()["id"] == "sora-2"
    assert gateway.http.get("/v1/models/missing").status_code == 404


def test_images_are_served_by_the_upstream(gateway: Gateway, fake: FakeOpenAI):
    client = OpenAI(base_url=f"{gateway.server.base_url}/v1", api_key="x", max_retries=0)
    result = client.images.generate(model="gpt-image-1", prompt="A red square", size="1024x1024")
    import base64
    import io

    from PIL import Image

    (item,) = result.data
    with Image.open(io.BytesIO(base64.b64decode(item.b64_json))) as image:
        assert image.size == (64, 64) and image.getpixel((0, 0))[:3] == (200, 40, 40)


def test_the_api_key_never_reaches_the_logs(gateway: Gateway, fake: FakeOpenAI):
    fake.script(
        "submit", Scripted(401, {"error": {"message": "bad key", "code": "invalid_api_key"}})
    )
    failed = gateway.wait(gateway.create("sora-2", "Refused")["id"])
    assert failed["status"] == "failed" and failed["error"]["code"] == "upstream_refused"
    assert any(r[2].get("authorization") == f"Bearer {SECRET}" for r in fake.requests)
    log = gateway.server.log()
    assert "up:" in log  # the server did log upstream traffic at debug level
    assert SECRET not in log and SECRET not in failed["error"]["message"]


def test_restart_mid_job_resumes_with_one_submission(tmp_path: Path):
    with FakeOpenAI(key=SECRET, duration=4.0) as fake:
        routing = write_routing(
            tmp_path / "models.yaml", {"up": provider("openai", f"{fake.origin}/v1")},
            {"sora-2": {"provider": "up"}},
        )  # fmt: skip
        gateway = Gateway(tmp_path, routing, lease_seconds=1.0)
        with gateway:
            video = gateway.create("sora-2", "Survives a crash")
            _wait_for_upstream_ref(gateway, video["id"])
            gateway.server.stop(kill=True)
            polls = fake.polls
            gateway.server.start()
            done = gateway.wait(video["id"])
        assert done["status"] == "completed", done
        assert fake.submissions == 1 and fake.polls > polls


def _wait_for_upstream_ref(gateway: Gateway, video_id: str) -> None:
    import time

    deadline = time.monotonic() + 10
    while gateway.job_row(video_id)["upstream_ref"] is None:
        assert time.monotonic() < deadline, gateway.server.log()
        time.sleep(0.05)


@pytest.mark.parametrize(
    ("answer", "status", "code"),
    [
        (Scripted(400, {"error": {"message": "bad size", "code": "invalid_value"}}), 502,
         "upstream_refused"),
        (Scripted(400, {"error": {"message": "blocked", "code": "moderation_blocked"}}), 400,
         "moderation_blocked"),
    ],
)  # fmt: skip
def test_an_upstream_image_failure_is_the_clients_answer(gateway, fake, answer, status, code):
    """Images are synchronous: the upstream's failure is answered in the dialect's envelope."""
    fake.script("submit", answer)
    response = gateway.http.post(
        "/v1/images/generations", json={"model": "gpt-image-1", "prompt": "A red square"}
    )
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"].startswith("up:"), "the message names the provider"


def test_variations_are_sent_to_the_upstreams_variations(gateway: Gateway, fake: FakeOpenAI):
    import base64
    import io

    from PIL import Image

    client = OpenAI(base_url=f"{gateway.server.base_url}/v1", api_key="x", max_retries=0)
    square = io.BytesIO()
    Image.new("RGB", (64, 64), (1, 2, 3)).save(square, format="PNG")
    result = client.images.create_variation(
        image=("s.png", square.getvalue()), n=2, size="256x256", response_format="b64_json"
    )
    assert len(result.data or []) == 2
    assert base64.b64decode((result.data or [])[0].b64_json or "") == fake.media.png
    sent = fake.variation_fields
    assert {k: sent[k] for k in ("model", "n", "size", "response_format")} == {
        "model": "dall-e-2", "n": "2", "size": "256x256", "response_format": "b64_json"
    }  # fmt: skip
    assert int(sent["image_bytes"]) > 0
