"""The Responses API's image tool served by an upstream provider (a fake OpenAI Images API on
loopback): the picture is the upstream's, and the upstream's failure ends a stream with
`response.failed` (not streamed: a 502 in OpenAI's envelope)."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from openai import OpenAI
from PIL import Image

from tests.conftest import SPECS, SpecSchemas
from tests.fakes.base import Scripted
from tests.fakes.gateway import SECRET, Gateway, provider, write_routing
from tests.fakes.openai_videos import FakeOpenAI

REFUSAL = Scripted(400, {"error": {"message": "bad size", "code": "invalid_value"}})
BODY = {"model": "gpt-4.1", "input": "A red square", "tools": [{"type": "image_generation"}]}


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(key=SECRET, duration=0.8) as upstream:
        yield upstream


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory, fake: FakeOpenAI) -> Iterator[Gateway]:
    tmp = tmp_path_factory.mktemp("responses-upstream")
    routing = write_routing(
        tmp / "models.yaml",
        {"up": provider("openai", f"{fake.origin}/v1")},
        {"gpt-image-1": {"kind": "image", "provider": "up"}},
    )
    with Gateway(tmp, routing) as running:
        yield running


def _events(text: str) -> list[dict[str, Any]]:
    return [
        json.loads(block.split("\n")[1].removeprefix("data: "))
        for block in text.split("\n\n")
        if block.strip()
    ]


def test_the_upstream_draws_the_tools_image(gateway: Gateway):
    client = OpenAI(base_url=f"{gateway.server.base_url}/v1", api_key="x", max_retries=0)
    response = client.responses.create(**BODY)
    (item,) = response.output
    with Image.open(io.BytesIO(base64.b64decode(item.result))) as image:
        assert image.size == (64, 64) and image.getpixel((0, 0))[:3] == (200, 40, 40)


def test_an_upstream_failure_ends_the_stream_with_response_failed(
    gateway: Gateway, fake: FakeOpenAI
):
    spec = SpecSchemas(SPECS / "openai-responses.json")
    fake.script("submit", REFUSAL)
    with gateway.http.stream("POST", "/v1/responses", json={**BODY, "stream": True}) as answer:
        assert answer.status_code == 200
        events = _events(answer.read().decode())
    assert [event["type"] for event in events] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.image_generation_call.in_progress",
        "response.image_generation_call.generating",
        "response.failed",
    ]
    spec.validate("ResponseFailedEvent", events[-1])
    failed = events[-1]["response"]
    assert failed["status"] == "failed" and failed["error"]["code"] == "server_error"
    assert failed["error"]["message"].startswith("up:"), "the message names the provider"
    assert failed["output"][0]["status"] == "failed"
    stored = gateway.http.get(f"/v1/responses/{failed['id']}").json()
    assert stored["status"] == "failed"
    fake.script("submit", REFUSAL)
    refused = gateway.http.post("/v1/responses", json=BODY)
    assert refused.status_code == 502
    spec.validate("ErrorResponse", refused.json())
