"""Every validation rule of the OpenAI Videos API, over raw HTTP, JSON and multipart alike.

Each bad request must get HTTP 400 and OpenAI's error envelope naming the parameter.
"""

from __future__ import annotations

import base64

import httpx
import pytest

from tests.conftest import SpecSchemas, wait_for
from tests.media_checks import png_bytes


def assert_error(response: httpx.Response, spec: SpecSchemas, *, status: int, param, code, message):
    assert response.status_code == status, response.text
    body = response.json()
    spec.validate("ErrorResponse", body)
    error = body["error"]
    assert error["type"] == "invalid_request_error"
    assert (error["param"], error["code"]) == (param, code)
    assert message in error["message"], error["message"]


def as_multipart(fields: dict[str, str]) -> dict:
    return {"files": {name: (None, value) for name, value in fields.items()}}


@pytest.mark.parametrize("encoding", ["json", "multipart"])
@pytest.mark.parametrize(
    ("fields", "param", "code", "message"),
    [
        ({}, "prompt", "missing_required_parameter", "Missing required parameter: 'prompt'."),
        (
            {"prompt": ""},
            "prompt",
            "string_below_min_length",
            "Expected a string with minimum length 1, but got an empty string instead.",
        ),
        (
            {"prompt": "x" * 32001},
            "prompt",
            "string_above_max_length",
            "Expected a string with maximum length 32000, but got a string with length 32001",
        ),
        (
            {"prompt": "p", "seconds": "5"},
            "seconds",
            "invalid_value",
            "Invalid value: '5'. Supported values are: '4', '8', and '12'.",
        ),
        (
            {"prompt": "p", "size": "640x480"},
            "size",
            "invalid_value",
            "Invalid value: '640x480'. Supported values are: '720x1280', '1280x720', "
            "'1024x1792', and '1792x1024'.",
        ),
        (
            {"prompt": "p", "quality": "hd"},
            "quality",
            "unknown_parameter",
            "Unknown parameter: 'quality'.",
        ),
        ({"prompt": "p", "model": ""}, "model", "string_below_min_length", "minimum length 1"),
    ],
)
def test_create_rejects(http, spec, encoding, fields, param, code, message):
    if encoding == "multipart" and not fields:
        fields = {"seconds": "4"}  # an empty multipart body cannot be sent; prompt still missing
    kwargs = {"json": fields} if encoding == "json" else as_multipart(fields)
    response = http.post("/v1/videos", **kwargs)
    assert_error(response, spec, status=400, param=param, code=code, message=message)


def test_create_with_no_body_asks_for_prompt(http, spec):
    assert_error(
        http.post("/v1/videos"),
        spec,
        status=400,
        param="prompt",
        code="missing_required_parameter",
        message="'prompt'",
    )


@pytest.mark.parametrize(
    ("body", "param", "message"),
    [
        (
            {"prompt": 5},
            "prompt",
            "Invalid type for 'prompt': expected a string, but got an integer",
        ),
        ({"prompt": "p", "seconds": 4}, "seconds", "expected a string, but got an integer"),
        (
            {"prompt": "p", "input_reference": "https://x"},
            "input_reference",
            "expected an object, but got a string",
        ),
    ],
)
def test_create_rejects_wrong_types(http, spec, body, param, message):
    assert_error(
        http.post("/v1/videos", json=body),
        spec,
        status=400,
        param=param,
        code="invalid_type",
        message=message,
    )


@pytest.mark.parametrize(
    ("reference", "param", "code", "message"),
    [
        ({}, "input_reference", "invalid_value", "exactly one of 'image_url' or 'file_id'"),
        (
            {"image_url": "data:image/png;base64,AAAA", "file_id": "file-1"},
            "input_reference",
            "invalid_value",
            "exactly one",
        ),
        (  # an id the Files API does not know (docs/files.md)
            {"file_id": "file-123"},
            "input_reference.file_id",
            "invalid_value",
            "No such File object",
        ),
        (
            {"image_url": "https://example.com/cat.png"},
            "input_reference.image_url",
            "invalid_value",
            "data URL",
        ),
        (
            {"image_url": "data:image/png;base64,@@@not-base64"},
            "input_reference.image_url",
            "invalid_value",
            "",
        ),
        (
            {"image_url": "data:text/plain;base64," + base64.b64encode(b"hello").decode()},
            "input_reference.image_url",
            "invalid_value",
            "image",
        ),
        (
            {"image_url": "x", "detail": "high"},
            "input_reference.detail",
            "unknown_parameter",
            "Unknown parameter: 'input_reference.detail'.",
        ),
    ],
)
def test_json_input_reference_rules(http, spec, reference, param, code, message):
    response = http.post("/v1/videos", json={"prompt": "p", "input_reference": reference})
    assert_error(response, spec, status=400, param=param, code=code, message=message)


def test_uploaded_reference_must_be_an_image(http, spec):
    response = http.post(
        "/v1/videos",
        data={"prompt": "p"},
        files={"input_reference": ("notes.png", b"this is not an image", "image/png")},
    )
    assert_error(
        response, spec, status=400, param="input_reference", code="invalid_image", message=""
    )


def test_json_create_with_data_url_reference_completes(http, spec):
    data_url = "data:image/png;base64," + base64.b64encode(png_bytes((20, 200, 40))).decode()
    response = http.post(
        "/v1/videos",
        json={
            "prompt": "A green field",
            "size": "1280x720",
            "input_reference": {"image_url": data_url},
        },
    )
    assert response.status_code == 200, response.text
    spec.validate("VideoResource", response.json())
    assert wait_for(http, response.json()["id"])["status"] == "completed"


def test_multipart_reference_object_fields(http):
    """`input_reference[image_url]` is how SDKs send the object inside multipart bodies."""
    data_url = "data:image/png;base64," + base64.b64encode(png_bytes((20, 20, 200))).decode()
    response = http.post(
        "/v1/videos",
        files={"prompt": (None, "Blue"), "input_reference[image_url]": (None, data_url)},
    )
    assert response.status_code == 200, response.text


def test_malformed_json_is_a_400(http, spec):
    for content in (b"{not json", b"[1, 2]"):
        response = http.post(
            "/v1/videos", content=content, headers={"content-type": "application/json"}
        )
        assert_error(response, spec, status=400, param=None, code=None, message="")


@pytest.mark.parametrize(
    ("query", "param", "code", "message"),
    [
        ("limit=101", "limit", "integer_above_max_value", "Expected a value <= 100, but got 101"),
        ("limit=-1", "limit", "integer_below_min_value", "Expected a value >= 0, but got -1"),
        ("limit=ten", "limit", "invalid_type", "expected an integer"),
        ("order=newest", "order", "invalid_value", "Supported values are: 'asc' and 'desc'."),
    ],
)
def test_list_rejects(http, spec, query, param, code, message):
    assert_error(
        http.get(f"/v1/videos?{query}"), spec, status=400, param=param, code=code, message=message
    )


def test_content_variant_must_be_known(http, spec):
    response = http.get("/v1/videos/video_x/content?variant=poster")
    assert_error(
        response,
        spec,
        status=400,
        param="variant",
        code="invalid_value",
        message="Supported values are: 'video', 'thumbnail', and 'spritesheet'.",
    )


@pytest.mark.parametrize(
    ("path", "body", "param", "code"),
    [
        ("/v1/videos/edits", {"prompt": "p"}, "video", "missing_required_parameter"),
        (
            "/v1/videos/edits",
            {"prompt": "p", "video": {}},
            "video.id",
            "missing_required_parameter",
        ),
        (
            "/v1/videos/extensions",
            {"prompt": "p", "video": {"id": "v"}},
            "seconds",
            "missing_required_parameter",
        ),
        (
            "/v1/videos/extensions",
            {"prompt": "p", "video": {"id": "v"}, "seconds": "6"},
            "seconds",
            "invalid_value",
        ),
        ("/v1/videos/video_x/remix", {}, "prompt", "missing_required_parameter"),
    ],
)
def test_edit_extend_remix_rules(http, spec, path, body, param, code):
    assert_error(http.post(path, json=body), spec, status=400, param=param, code=code, message="")


def test_edit_of_unknown_video_is_404(http, spec):
    response = http.post("/v1/videos/edits", json={"prompt": "p", "video": {"id": "video_nope"}})
    assert response.status_code == 404
    spec.validate("ErrorResponse", response.json())


def test_unknown_path_and_method_use_the_openai_envelope(http, spec):
    missing = http.get("/v1/nothing-here")
    assert missing.status_code == 404
    spec.validate("ErrorResponse", missing.json())
    wrong_method = http.put("/v1/videos")
    assert wrong_method.status_code == 405
    spec.validate("ErrorResponse", wrong_method.json())
