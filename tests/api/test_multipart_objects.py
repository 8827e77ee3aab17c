"""Object parts of a multipart create, in both encodings clients use.

The official document types `input_reference` (POST /videos) and `video` (POST /videos/edits,
/videos/extensions) as a file or an object. The SDKs send an object as bracketed names
(`video[id]`); an OpenAPI client sends it JSON-encoded in one part, the default encoding of an
object in multipart/form-data. Both are the same request.
"""

from __future__ import annotations

import base64
import json

import httpx
import pytest
from openai import OpenAI

from tests.conftest import wait_for
from tests.media_checks import png_bytes


@pytest.fixture(scope="module")
def source_id(client: OpenAI) -> str:
    return client.videos.create_and_poll(prompt="A source to derive from", size="1280x720").id


def as_json_part(value: dict[str, str]) -> tuple[None, str, str]:
    return (None, json.dumps(value), "application/json")


@pytest.mark.parametrize(
    ("path", "fields"),
    [("/v1/videos/edits", {"prompt": "At night"}), ("/v1/videos/extensions", {"seconds": "4"})],
)
@pytest.mark.parametrize("encoding", ["json-part", "brackets"])
def test_a_video_reference_in_either_encoding(
    http: httpx.Client, source_id: str, path: str, fields: dict[str, str], encoding: str
):
    files: dict[str, tuple] = {name: (None, value) for name, value in fields.items()}
    files.setdefault("prompt", (None, "It goes on"))
    if encoding == "json-part":
        files["video"] = as_json_part({"id": source_id})
    else:
        files["video[id]"] = (None, source_id)
    answer = http.post(path, files=files)
    assert answer.status_code == 200, answer.text
    assert wait_for(http, answer.json()["id"])["status"] == "completed"


def test_an_input_reference_object_as_a_json_part(http: httpx.Client):
    data_url = "data:image/png;base64," + base64.b64encode(png_bytes((20, 20, 200))).decode()
    files = {"prompt": (None, "Blue"), "input_reference": as_json_part({"image_url": data_url})}
    answer = http.post("/v1/videos", files=files)
    assert answer.status_code == 200, answer.text

    upload = {"file": ("blue.png", png_bytes((20, 20, 200)), "image/png")}
    stored = http.post("/v1/files", files=upload, data={"purpose": "vision"}).json()["id"]
    files["input_reference"] = as_json_part({"file_id": stored})
    answer = http.post("/v1/videos", files=files)
    assert answer.status_code == 200, answer.text

    files["input_reference"] = as_json_part({"file_id": "file-abc123"})
    refused = http.post("/v1/videos", files=files)
    assert refused.status_code == 400, refused.text
    error = refused.json()["error"]  # the same answer as for `input_reference[file_id]`
    assert (error["param"], error["code"]) == ("input_reference.file_id", "invalid_value")


def test_a_broken_json_part_is_a_400(http: httpx.Client):
    answer = http.post(
        "/v1/videos/edits", files={"prompt": (None, "p"), "video": (None, '{"id": "video_')}
    )
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert "Invalid 'video': expected a JSON object." in error["message"]


def test_other_text_that_looks_like_json_stays_text(http: httpx.Client):
    prompt = '{"id": "not an object, a prompt"}'
    answer = http.post("/v1/videos", files={"prompt": (None, prompt)})
    assert answer.status_code == 200, answer.text
    assert answer.json()["prompt"] == prompt
