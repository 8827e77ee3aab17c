"""JSON nested past the limit, and text that is no Unicode (lone surrogates), are 400s.

A 2 KB body nested a thousand deep was a `RecursionError` (500) somewhere between the JSON parser,
pydantic, the idempotency fingerprint and the recordings; a lone surrogate (`"\\ud800"`) was a 500
on `/api/generate` and then broke `GET /api/recordings` for everyone who could see the record.
Every dialect now answers both with a 400 in its own envelope, and the recordings keep serving.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from reelgate.api.parsing.json_text import MAX_JSON_DEPTH
from tests.server import ServerProcess

AZURE_JOBS = "/openai/v1/video/generations/jobs?api-version=preview"
# The creates of every dialect that take a JSON body (and the OpenAI routes Azure mounts too).
CREATES = [
    "/v1/videos",
    "/v1/videos/video_nope/remix",
    "/v1/videos/edits",
    "/v1/videos/extensions",
    "/v1/images/generations",
    "/v1/images/edits",
    "/openai/v1/videos",
    AZURE_JOBS,
    "/openai/v1/images/generations?api-version=preview",
    "/api/generate",
    "/api/jobs/job_nope/remix",
    "/gateway/v1/videos",
]
TOO_DEEP = "nested too deeply"
NOT_TEXT = "lone UTF-16 surrogate"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    data = tmp_path_factory.mktemp("json-bounds") / "data"
    env = {"REELGATE_RECORD_REQUESTS": "true"}
    with ServerProcess(data, workers=1, env=env) as process:
        yield process


@pytest.fixture(scope="module")
def http(server: ServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=30) as session:
        yield session


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def refusal(response: httpx.Response) -> str:
    """The message of a 400, checked to be in the envelope of the path's dialect."""
    assert response.status_code == 400, response.text
    body = response.json()
    path = response.request.url.path
    if path.startswith("/api/"):
        assert isinstance(body["detail"], str)  # the app API: FastAPI's shape
        return body["detail"]
    if path.startswith("/gateway/"):
        assert body["is_bifrost_error"] is True and body["status_code"] == 400
        return body["error"]["message"]
    error = body["error"]
    if path.startswith("/v1/") or path.startswith("/openai/v1/videos"):
        assert error["type"] == "invalid_request_error"  # OpenAI's envelope
        assert set(error) == {"message", "type", "param", "code"}
    else:
        assert error["code"]  # Azure's envelope: a code and a message
    return error["message"]


def post_json(http: httpx.Client, path: str, content: str | bytes, **headers: str):
    return http.post(path, content=content, headers={"content-type": "application/json", **headers})


def recordings_still_answer(http: httpx.Client) -> None:
    answer = http.get("/api/recordings")
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"], "the refused requests are recorded"


@pytest.mark.parametrize("path", CREATES)
@pytest.mark.parametrize(
    "body",
    [
        '{"prompt": "x", "a": ' + nested(1000) + "}",  # past Python's own recursion limit
        nested(1000),  # a bare array
        '{"prompt": "x", "a": ' + nested(MAX_JSON_DEPTH + 10) + "}",  # parses, then refused
    ],
    ids=["object-1000", "array-1000", "just-past-the-limit"],
)
def test_deeply_nested_json_is_a_400_in_every_dialect(http: httpx.Client, path: str, body: str):
    # With an Idempotency-Key the body is also fingerprinted: that must not recurse either.
    answer = post_json(http, path, body, **{"Idempotency-Key": "deep"})
    assert TOO_DEEP in refusal(answer)
    recordings_still_answer(http)


def test_nesting_within_the_limit_is_judged_as_usual(http: httpx.Client):
    body = '{"prompt": "x", "a": ' + nested(MAX_JSON_DEPTH - 1) + "}"
    message = refusal(post_json(http, "/v1/videos", body))
    assert TOO_DEEP not in message and "'a'" in message  # an unknown parameter, as before


def test_deep_json_in_a_form_field_or_bracketed_names_is_a_400(http: httpx.Client):
    fields = {"prompt": "x", "model": "sora", "width": "480", "height": "480"}
    files = {name: (None, value) for name, value in fields.items()}
    files["inpaint_items"] = (None, nested(1000))  # Azure's JSON-string field
    answer = http.post(AZURE_JOBS, files=files, headers={"Idempotency-Key": "deep-form"})
    assert TOO_DEEP in refusal(answer)

    deep_name = "prompt" + "[a]" * 1000  # folded into nested objects
    answer = http.post(
        "/v1/videos", files={deep_name: (None, "x")}, headers={"Idempotency-Key": "n"}
    )
    assert TOO_DEEP in refusal(answer)


@pytest.mark.parametrize("path", ["/api/generate", "/api/jobs/job_nope/remix", *CREATES[:2]])
@pytest.mark.parametrize(
    "body",
    [
        b'{"prompt": "a \\ud800 b"}',  # an escaped lone surrogate
        b'{"prompt": "a \xed\xa0\x80 b"}',  # the same, encoded (CESU-8, which json.loads passes)
        b'{"prompt": "x", "\\udfff": "key"}',  # in a key
    ],
    ids=["escaped", "raw-bytes", "in-a-key"],
)
def test_lone_surrogates_in_json_are_a_400_and_keep_the_recordings(
    http: httpx.Client, path: str, body: bytes
):
    answer = post_json(http, path, body, **{"Idempotency-Key": "surrogate"})
    assert NOT_TEXT in refusal(answer)
    recordings_still_answer(http)


def test_lone_surrogates_in_form_fields_are_a_400(http: httpx.Client):
    """A form in UTF-7 is the way to a lone surrogate in a multipart text or file name."""
    boundary = "bounds"

    def part(name: str, value: str, filename: str | None = None) -> bytes:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        return f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n{value}\r\n".encode()

    content_type = f"multipart/form-data; boundary={boundary}; charset=utf-7"
    end = f"--{boundary}--\r\n".encode()
    for path, body in [
        ("/v1/videos", part("prompt", "+2AA-") + end),  # "+2AA-" is "\ud800" in UTF-7
        ("/v1/images/edits", part("prompt", "x") + part("image", "img", "+2AA-.png") + end),
    ]:
        headers = {"content-type": content_type, "Idempotency-Key": "form"}
        answer = http.post(path, content=body, headers=headers)
        assert NOT_TEXT in refusal(answer)
    recordings_still_answer(http)
