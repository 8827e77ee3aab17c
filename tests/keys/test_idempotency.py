"""`Idempotency-Key` on every create, over real HTTP: a retry gets the job the first request
made, another request with the same key is refused (422), in each dialect."""

from __future__ import annotations

import io
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import openai
import pytest
from openai import OpenAI
from PIL import Image

from tests.server import ServerProcess

AZURE_JOBS = "/openai/v1/video/generations/jobs?api-version=preview"


def fresh_key() -> dict[str, str]:
    return {"Idempotency-Key": f"test-{uuid.uuid4()}"}


def png(color: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (720, 1280), color).save(out, format="PNG")
    return out.getvalue()


def test_openai_retry_gets_the_same_video(client: OpenAI) -> None:
    key = fresh_key()
    first = client.videos.create(prompt="a red kite", seconds="4", extra_headers=key)
    again = client.videos.create(prompt="a red kite", seconds="4", extra_headers=key)
    assert again.id == first.id
    ids = [video.id for video in client.videos.list(limit=100)]
    assert ids.count(first.id) == 1
    other = client.videos.create(prompt="a red kite", seconds="4", extra_headers=fresh_key())
    assert other.id != first.id


def test_openai_same_key_other_body_is_422(client: OpenAI) -> None:
    key = fresh_key()
    client.videos.create(prompt="a blue kite", seconds="4", extra_headers=key)
    with pytest.raises(openai.UnprocessableEntityError) as refused:
        client.videos.create(prompt="a green kite", seconds="4", extra_headers=key)
    body = refused.value.body
    assert isinstance(body, dict) and body["code"] == "idempotency_key_reused"
    assert body["param"] == "Idempotency-Key"


def test_multipart_retries_match_despite_new_boundaries(client: OpenAI) -> None:
    key = fresh_key()
    image = png("teal")
    first = client.videos.create(
        prompt="a reference", input_reference=("ref.png", image, "image/png"), extra_headers=key
    )
    again = client.videos.create(
        prompt="a reference", input_reference=("ref.png", image, "image/png"), extra_headers=key
    )
    assert again.id == first.id
    with pytest.raises(openai.UnprocessableEntityError):  # another file is another request
        client.videos.create(
            prompt="a reference",
            input_reference=("ref.png", png("olive"), "image/png"),
            extra_headers=key,
        )


def test_azure_and_app_creates_are_idempotent(http: httpx.Client) -> None:
    body = {"prompt": "dunes", "model": "sora", "height": 480, "width": 480, "n_seconds": 1}
    key = fresh_key()
    first = http.post(AZURE_JOBS, json=body, headers=key)
    again = http.post(AZURE_JOBS, json={**body}, headers=key)
    assert first.status_code == again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    changed = http.post(AZURE_JOBS, json={**body, "prompt": "hills"}, headers=key)
    assert changed.status_code == 422
    assert changed.json()["error"]["code"] == "idempotency_key_reused"

    key = fresh_key()
    generate = {"prompt": "a tram at night", "duration": 2}
    made = http.post("/api/generate", json=generate, headers=key)
    repeated = http.post("/api/generate", json=generate, headers=key)
    assert made.status_code == repeated.status_code == 200
    assert repeated.json()["job_id"] == made.json()["job_id"]
    other = http.post("/api/generate", json={**generate, "duration": 3}, headers=key)
    assert other.status_code == 422 and "Idempotency-Key" in other.json()["detail"]


def test_a_key_too_long_is_a_clear_400(client: OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        client.videos.create(prompt="x", extra_headers={"Idempotency-Key": "k" * 256})
    assert "Idempotency-Key" in refused.value.message


def test_racing_twins_make_one_job(server: ServerProcess, http: httpx.Client) -> None:
    key = fresh_key()
    body = {"prompt": "twins", "model": "sora-2", "seconds": "4"}

    def create(_: int) -> str:
        answer = httpx.post(f"{server.base_url}/v1/videos", json=body, headers=key, timeout=30)
        assert answer.status_code == 200, answer.text
        return answer.json()["id"]

    with ThreadPoolExecutor(8) as pool:
        ids = set(pool.map(create, range(8)))
    assert len(ids) == 1


def test_image_retries_get_the_same_images(client: OpenAI, http: httpx.Client) -> None:
    key = fresh_key()
    first = client.images.generate(
        model="gpt-image-1", prompt="a paper boat", size="1024x1024", extra_headers=key
    )
    again = client.images.generate(
        model="gpt-image-1", prompt="a paper boat", size="1024x1024", extra_headers=key
    )
    assert first.data and again.data
    assert again.data[0].b64_json == first.data[0].b64_json
    assert again.created == first.created
    # DALL-E 3 reports the prompt as drawn: a retry gets the same words.
    key = fresh_key()
    drawn = client.images.generate(model="dall-e-3", prompt="a paper lantern", extra_headers=key)
    redrawn = client.images.generate(model="dall-e-3", prompt="a paper lantern", extra_headers=key)
    assert drawn.data and redrawn.data and drawn.data[0].revised_prompt
    assert redrawn.data[0].revised_prompt == drawn.data[0].revised_prompt
    assert redrawn.data[0].url and drawn.data[0].url
    with pytest.raises(openai.UnprocessableEntityError):
        client.images.generate(
            model="gpt-image-1", prompt="a paper plane", size="1024x1024", extra_headers=key
        )
    azure = "/openai/v1/images/generations?api-version=preview"
    body = {"model": "gpt-image-1", "prompt": "a lantern", "size": "1024x1024"}
    key = fresh_key()
    made = http.post(azure, json=body, headers=key)
    repeated = http.post(azure, json=body, headers=key)
    assert made.status_code == repeated.status_code == 200
    assert repeated.json()["data"][0]["b64_json"] == made.json()["data"][0]["b64_json"]
