"""The Responses API's image generation tool over real HTTP, with the official SDK as client:
images in every format, streaming in the official order with real partial images, the SDK's
stream helper, multi-turn edits through `previous_response_id`, stored responses and their
owners, Azure's client, and errors; answers checked against the official schemas."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import openai
import pytest
from openai import AzureOpenAI, OpenAI
from PIL import Image

from reelgate.store.connect import open_store
from reelgate.store.keys import KeyStore
from tests.conftest import SPECS, SpecSchemas
from tests.server import ServerProcess

TOOL = {"type": "image_generation", "quality": "low"}
STREAM_ORDER = [
    "response.created",
    "response.in_progress",
    "response.output_item.added",
    "response.image_generation_call.in_progress",
    "response.image_generation_call.generating",
]
CLOSING = [
    "response.image_generation_call.completed",
    "response.output_item.done",
    "response.completed",
]
EVENT_SCHEMAS = {
    "response.created": "ResponseCreatedEvent",
    "response.in_progress": "ResponseInProgressEvent",
    "response.output_item.added": "ResponseOutputItemAddedEvent",
    "response.image_generation_call.in_progress": "ResponseImageGenCallInProgressEvent",
    "response.image_generation_call.generating": "ResponseImageGenCallGeneratingEvent",
    "response.image_generation_call.partial_image": "ResponseImageGenCallPartialImageEvent",
    "response.image_generation_call.completed": "ResponseImageGenCallCompletedEvent",
    "response.output_item.done": "ResponseOutputItemDoneEvent",
    "response.completed": "ResponseCompletedEvent",
    "response.failed": "ResponseFailedEvent",
}


@pytest.fixture(scope="module")
def responses_spec() -> SpecSchemas:
    return SpecSchemas(SPECS / "openai-responses.json")


def decode(b64: str) -> Image.Image:
    image = Image.open(io.BytesIO(base64.b64decode(b64)))
    image.load()
    return image


def create_raw(client: OpenAI, **body: Any) -> dict[str, Any]:
    """`responses.create` through the SDK, and the JSON exactly as the server sent it."""
    raw = client.responses.with_raw_response.create(**body)
    parsed = raw.parse()
    answer = raw.http_response.json()
    assert parsed.id == answer["id"]
    return answer


def checked(spec: SpecSchemas, answer: dict[str, Any]) -> dict[str, Any]:
    """The answer's `image_generation_call` item, after validating the whole `Response`."""
    spec.validate("Response", answer)
    assert answer["object"] == "response" and answer["status"] == "completed"
    (item,) = answer["output"]
    spec.validate("ImageGenToolCall", item)
    assert item["type"] == "image_generation_call" and item["status"] == "completed"
    return item


def events_of(text: str) -> list[dict[str, Any]]:
    events = []
    for block in text.split("\n\n"):
        if not block.strip():
            continue
        name, data = block.split("\n")
        event = json.loads(data.removeprefix("data: "))
        assert name == f"event: {event['type']}"
        events.append(event)
    return events


def check_stream(spec: SpecSchemas, events: list[dict[str, Any]]) -> None:
    numbers = [event["sequence_number"] for event in events]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    for event in events:
        spec.validate(EVENT_SCHEMAS[event["type"]], event)


# -- images --------------------------------------------------------------------------------------


def test_the_image_tool_makes_a_png_in_a_valid_response(client: OpenAI, responses_spec):
    answer = create_raw(
        client, model="gpt-4.1", input="A red fox in the snow", tools=[TOOL],
        instructions="Draw well", metadata={"case": "png"}, user="someone",
    )  # fmt: skip
    item = checked(responses_spec, answer)
    image = decode(item["result"])
    assert image.format == "PNG" and image.size == (1024, 1024)
    assert item["revised_prompt"].startswith("A red fox in the snow")
    assert (item["size"], item["quality"], item["output_format"]) == ("1024x1024", "low", "png")
    assert item["background"] == "opaque" and item["action"] == "generate"
    assert answer["model"] == "gpt-4.1" and answer["instructions"] == "Draw well"
    assert answer["metadata"] == {"case": "png"} and answer["user"] == "someone"
    assert answer["tools"][0]["type"] == "image_generation" and answer["store"] is True
    assert answer["usage"]["output_tokens"] == 272 and answer["usage"]["total_tokens"] > 272
    # The same picture /v1/images draws for the same request.
    plain = client.images.generate(model="gpt-image-1", prompt="A red fox in the snow",
                                   quality="low", size="1024x1024")  # fmt: skip
    assert base64.b64decode(plain.data[0].b64_json) == base64.b64decode(item["result"])


@pytest.mark.parametrize(("output_format", "pil"), [("jpeg", "JPEG"), ("webp", "WEBP")])
def test_every_output_format(client: OpenAI, responses_spec, output_format: str, pil: str):
    tool = {**TOOL, "output_format": output_format, "output_compression": 60,
            "size": "1536x1024"}  # fmt: skip
    answer = create_raw(client, model="gpt-4.1", input="A boat", tools=[tool],
                        tool_choice={"type": "image_generation"})  # fmt: skip
    assert answer["tool_choice"] == {"type": "image_generation"}
    item = checked(responses_spec, answer)
    image = decode(item["result"])
    assert image.format == pil and image.size == (1536, 1024)
    assert item["output_format"] == output_format and item["size"] == "1536x1024"


@pytest.mark.parametrize("output_format", ["png", "webp"])
def test_a_transparent_background_has_real_alpha(client: OpenAI, responses_spec, output_format):
    # The seed's form: the options under `parameters`.
    tool = {
        "type": "image_generation",
        "parameters": {
            "quality": "low",
            "background": "transparent",
            "output_format": output_format,
        },
    }
    item = checked(responses_spec, create_raw(client, model="gpt-4.1", input="A red apple",
                                              tools=[tool]))  # fmt: skip
    assert item["background"] == "transparent"
    alpha = np.asarray(decode(item["result"]).convert("RGBA"))[:, :, 3]
    assert alpha.min() == 0 and alpha.max() == 255


# -- streaming -----------------------------------------------------------------------------------


def test_streaming_sends_the_official_events_with_two_real_partial_images(
    client: OpenAI, http: httpx.Client, responses_spec
):
    body = {"model": "gpt-4.1", "input": "A lighthouse at dusk", "stream": True,
            "tools": [{**TOOL, "partial_images": 2}]}  # fmt: skip
    with http.stream("POST", "/v1/responses", json=body) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = events_of(response.read().decode())
    types = [event["type"] for event in events]
    assert types == [*STREAM_ORDER, *["response.image_generation_call.partial_image"] * 2,
                     *CLOSING]  # fmt: skip
    check_stream(responses_spec, events)
    assert [event["sequence_number"] for event in events] == list(range(len(events)))
    partials = [event for event in events if event["type"].endswith("partial_image")]
    assert [event["partial_image_index"] for event in partials] == [0, 1]
    final = events[-1]["response"]
    item = checked(responses_spec, final)
    assert {event.get("item_id", item["id"]) for event in events[2:]} == {item["id"]}
    assert events[-2]["item"] == item
    pixels = [np.asarray(decode(p["partial_image_b64"]).convert("RGB")) for p in partials]
    last = np.asarray(decode(item["result"]).convert("RGB")).astype(int)
    distances = [np.abs(p.astype(int) - last).mean() for p in pixels]
    assert distances[0] > distances[1] > 0, "two distinct partials, each closer to the end"
    assert events[0]["response"]["status"] == "in_progress" and final["status"] == "completed"
    # The SDK reads the same stream, event by event.
    sdk_events = list(client.responses.create(**body))
    assert [event.type for event in sdk_events] == types
    assert [event.sequence_number for event in sdk_events] == list(range(len(types)))
    (done,) = sdk_events[-1].response.output
    assert done.type == "image_generation_call" and decode(done.result).format == "PNG"


def test_the_sdk_stream_helper_gives_the_final_response(
    client: OpenAI, http: httpx.Client, responses_spec
):
    with client.responses.stream(
        model="gpt-4.1", input="A green kite", tools=[{**TOOL, "partial_images": 1}]
    ) as stream:
        types = [event.type for event in stream]
        final = stream.get_final_response()
    assert types == [*STREAM_ORDER, "response.image_generation_call.partial_image", *CLOSING]
    assert final.status == "completed"
    (item,) = final.output
    assert item.type == "image_generation_call" and decode(item.result).format == "PNG"
    stored = http.get(f"/v1/responses/{final.id}").json()  # the streamed response was stored
    assert checked(responses_spec, stored)["result"] == item.result


def test_a_blocked_prompt_ends_the_stream_with_response_failed(http: httpx.Client, responses_spec):
    body = {"model": "gpt-4.1", "input": "a massacre", "stream": True, "tools": [TOOL]}
    with http.stream("POST", "/v1/responses", json=body) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = events_of(response.read().decode())
    assert [event["type"] for event in events] == [*STREAM_ORDER[:2], "response.failed"]
    check_stream(responses_spec, events)
    failed = events[-1]["response"]
    assert failed["status"] == "failed"
    assert failed["error"]["code"] == "image_content_policy_violation"
    # Not streamed, the same prompt is a plain 400.
    refused = http.post("/v1/responses", json={**body, "stream": False})
    assert refused.status_code == 400
    responses_spec.validate("ErrorResponse", refused.json())
    assert refused.json()["error"]["code"] == "moderation_blocked"
    assert refused.json()["error"]["param"] == "input"


# -- multi-turn, stored responses ----------------------------------------------------------------


def test_previous_response_id_edits_the_previous_image(client: OpenAI, responses_spec):
    made = create_raw(client, model="gpt-4.1", input="A white cat",
                      tools=[{**TOOL, "size": "1024x1536"}])  # fmt: skip
    first = checked(responses_spec, made)
    answer = create_raw(client, model="gpt-4.1", input="Now make it wear a hat",
                        tools=[TOOL], previous_response_id=made["id"])  # fmt: skip
    assert answer["previous_response_id"] == made["id"]
    item = checked(responses_spec, answer)
    assert item["action"] == "edit" and item["size"] == "1024x1536", "the first image's shape"
    # Exactly the edit /v1/images/edits makes of the first image.
    edited = client.images.edit(
        model="gpt-image-1", image=("cat.png", base64.b64decode(first["result"]), "image/png"),
        prompt="Now make it wear a hat", quality="low",
    )  # fmt: skip
    assert base64.b64decode(item["result"]) == base64.b64decode(edited.data[0].b64_json)


def test_input_images_make_an_edit(client: OpenAI, responses_spec):
    picture = Image.new("RGB", (96, 64), (30, 120, 200))
    data = io.BytesIO()
    picture.save(data, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(data.getvalue()).decode()
    answer = create_raw(client, model="gpt-4.1", tools=[TOOL], input=[{
        "role": "user",
        "content": [{"type": "input_text", "text": "Add a sun"},
                    {"type": "input_image", "image_url": url}],
    }])  # fmt: skip
    item = checked(responses_spec, answer)
    assert item["action"] == "edit" and item["size"] == "1536x1024"
    assert item["revised_prompt"].startswith("Add a sun")


def test_file_ids_name_the_image_and_the_mask(client: OpenAI, responses_spec):
    def png(image: Image.Image) -> bytes:
        data = io.BytesIO()
        image.save(data, format="PNG")
        return data.getvalue()

    picture = png(Image.new("RGB", (64, 64), (200, 180, 20)))
    mask = Image.new("RGBA", (64, 64), (0, 0, 0, 255))
    mask.paste((0, 0, 0, 0), (0, 0, 32, 64))  # the left half is redrawn
    image_file = client.files.create(file=("pic.png", picture, "image/png"), purpose="vision")
    mask_file = client.files.create(file=("mask.png", png(mask), "image/png"), purpose="vision")
    tool = {**TOOL, "input_image_mask": {"file_id": mask_file.id}}
    answer = create_raw(client, model="gpt-4.1", tools=[tool], input=[{
        "role": "user",
        "content": [{"type": "input_text", "text": "A moon"},
                    {"type": "input_image", "file_id": image_file.id}],
    }])  # fmt: skip
    item = checked(responses_spec, answer)
    assert item["action"] == "edit"
    edited = client.images.edit(model="gpt-image-1", image=("pic.png", picture, "image/png"),
                                mask=("mask.png", png(mask), "image/png"), prompt="A moon",
                                quality="low")  # fmt: skip
    assert base64.b64decode(item["result"]) == base64.b64decode(edited.data[0].b64_json)


def test_stored_responses_are_read_back_and_deleted(client: OpenAI, responses_spec, http):
    answer = create_raw(client, model="gpt-4.1", input="A yellow tram", tools=[TOOL])
    again = client.responses.with_raw_response.retrieve(answer["id"]).http_response.json()
    responses_spec.validate("Response", again)
    assert again == answer
    client.responses.delete(answer["id"])
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(answer["id"])
    unstored = create_raw(client, model="gpt-4.1", input="A tram", tools=[TOOL], store=False)
    assert unstored["store"] is False
    missing = http.get(f"/v1/responses/{unstored['id']}")
    assert missing.status_code == 404
    responses_spec.validate("ErrorResponse", missing.json())


# -- errors --------------------------------------------------------------------------------------


def _error(response: httpx.Response, spec: SpecSchemas, param: str, code: str | None = None):
    assert response.status_code == 400, response.text
    spec.validate("ErrorResponse", response.json())
    error = response.json()["error"]
    assert error["param"] == param and error["type"] == "invalid_request_error", error
    if code is not None:
        assert error["code"] == code, error
    return error["message"]


def test_bad_input_is_a_400_naming_the_parameter(http: httpx.Client, responses_spec):
    def post(**body: Any) -> httpx.Response:
        return http.post("/v1/responses", json={"model": "gpt-4.1", "input": "A cat", **body})

    message = _error(post(), responses_spec, "tools", "unsupported_parameter")
    assert "only serves image generation" in message
    _error(post(tools=[{"type": "web_search"}]), responses_spec, "tools")
    _error(post(tools=[{**TOOL, "size": "256x256"}]), responses_spec, "tools[0].size",
           "invalid_value")  # fmt: skip
    _error(post(tools=[{**TOOL, "partial_images": 4}]), responses_spec,
           "tools[0].partial_images", "integer_above_max_value")  # fmt: skip
    _error(post(tools=[{**TOOL, "quality": "hd"}]), responses_spec, "tools[0].quality")
    _error(post(tools=[{**TOOL, "colour": "red"}]), responses_spec, "tools[0].colour",
           "unknown_parameter")  # fmt: skip
    _error(post(tools=[{**TOOL, "output_format": "jpeg", "background": "transparent"}]),
           responses_spec, "tools[0].background")  # fmt: skip
    _error(post(tools=[TOOL], tool_choice="none"), responses_spec, "tool_choice")
    _error(post(tools=[TOOL], temperature=3), responses_spec, "temperature")
    _error(post(tools=[TOOL], colour="red"), responses_spec, "colour", "unknown_parameter")
    _error(post(tools=[TOOL], input=""), responses_spec, "input")
    _error(post(tools=[TOOL], previous_response_id="resp_nope"), responses_spec,
           "previous_response_id", "previous_response_not_found")  # fmt: skip
    _error(post(tools=[{**TOOL, "action": "edit"}]), responses_spec, "tools[0].action")
    remote = [{"role": "user", "content": [
        {"type": "input_text", "text": "x"},
        {"type": "input_image", "image_url": "https://example.com/a.png"}]}]  # fmt: skip
    _error(post(tools=[TOOL], input=remote), responses_spec, "input[0].content[1].image_url")
    by_file = [{"role": "user", "content": [
        {"type": "input_text", "text": "x"},
        {"type": "input_image", "file_id": "file-nope"}]}]  # fmt: skip
    _error(post(tools=[TOOL], input=by_file), responses_spec, "input[0].content[1].file_id")
    missing = http.post("/v1/responses", json={"input": "A cat", "tools": [TOOL]})
    _error(missing, responses_spec, "model", "missing_required_parameter")


# -- keys ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_keys(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, str, str]]:
    data_dir: Path = tmp_path_factory.mktemp("responses-keys") / "data"
    data_dir.mkdir(parents=True)
    store = open_store(f"sqlite:///{data_dir / 'reelgate.sqlite3'}")
    try:
        keys = KeyStore(store.engine)
        alice, bob = keys.create("alice")[1], keys.create("bob")[1]
    finally:
        store.close()
    with ServerProcess(data_dir, workers=1, check_orphans=True) as process:
        yield process, alice, bob


def test_another_keys_response_is_a_404(two_keys, responses_spec):
    server, alice_key, bob_key = two_keys
    alice = OpenAI(base_url=f"{server.base_url}/v1", api_key=alice_key, max_retries=0)
    bob = OpenAI(base_url=f"{server.base_url}/v1", api_key=bob_key, max_retries=0)
    made = create_raw(alice, model="gpt-4.1", input="Alice's owl", tools=[TOOL])
    assert alice.responses.retrieve(made["id"]).id == made["id"]
    for call in (bob.responses.retrieve, bob.responses.delete):
        with pytest.raises(openai.NotFoundError):
            call(made["id"])
    with pytest.raises(openai.BadRequestError) as caught:  # nor can Bob continue it
        bob.responses.create(model="gpt-4.1", input="More", tools=[TOOL],
                             previous_response_id=made["id"])  # fmt: skip
    assert caught.value.code == "previous_response_not_found"
    assert alice.responses.retrieve(made["id"]).status == "completed"


# -- Azure ---------------------------------------------------------------------------------------


def test_the_azure_client_makes_responses(server: ServerProcess):
    azure_spec = SpecSchemas(SPECS / "azure-responses.json")
    client = AzureOpenAI(azure_endpoint=server.base_url, api_version="preview", api_key="x",
                         max_retries=0)  # fmt: skip
    raw = client.responses.with_raw_response.create(
        model="gpt-4.1-deployment", input="A blue whale", tools=[TOOL]
    )
    assert raw.http_request.url.path == "/openai/responses"
    answer = raw.http_response.json()
    azure_spec.validate("AzureResponse", answer)
    assert decode(answer["output"][0]["result"]).format == "PNG"
    assert client.responses.retrieve(answer["id"]).status == "completed"
    with client.responses.stream(model="gpt-4.1", input="A whale", tools=[TOOL]) as stream:
        final = stream.get_final_response()
    assert final.output[0].type == "image_generation_call"
    v1 = OpenAI(base_url=f"{server.base_url}/openai/v1", api_key="x", max_retries=0)
    assert v1.responses.retrieve(answer["id"]).id == answer["id"]
    refused = httpx.post(f"{server.base_url}/openai/v1/responses",
                         json={"model": "gpt-4.1", "input": "x"})  # fmt: skip
    assert refused.status_code == 400
    azure_spec.validate("AzureErrorResponse", refused.json())
    assert refused.json()["error"]["param"] == "tools"


def _azure(server: ServerProcess) -> AzureOpenAI:
    return AzureOpenAI(azure_endpoint=server.base_url, api_version="preview", api_key="x",
                       max_retries=0)  # fmt: skip


def test_the_azure_client_makes_videos(server: ServerProcess):
    client = _azure(server)
    video = client.videos.create(model="sora-2", prompt="A blue whale", seconds="4")
    assert video.object == "video"
    assert client.videos.retrieve(video.id).id == video.id
