"""Multipart bodies are held to a sane number of parts (no create needs dozens of files) and
must be complete."""

from __future__ import annotations

import httpx
import pytest

from reelgate.api.parsing.bodies import MAX_FILES
from tests.media_checks import png_bytes


def test_too_many_file_parts_are_a_400_not_a_spool(http: httpx.Client) -> None:
    files = [
        ("image", (f"{n}.png", b"not really a png", "image/png")) for n in range(MAX_FILES + 1)
    ]
    answer = http.post("/v1/images/edits", data={"prompt": "x"}, files=files)
    assert answer.status_code == 400, answer.text
    assert "Too many files" in answer.json()["error"]["message"]


def _unclosed_form(boundary: str, fields: dict[str, str], file_field: str) -> bytes:
    """Text parts, then a file part whose body just stops: no closing `--boundary--`."""
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    )
    body += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
        'filename="picture.png"\r\nContent-Type: image/png\r\n\r\n'
    ).encode()
    return body + png_bytes((200, 20, 20))


@pytest.mark.parametrize(
    ("path", "fields", "file_field"),
    [
        ("/v1/videos", {"prompt": "A reference that never ends"}, "input_reference"),
        ("/v1/images/edits", {"prompt": "An image that never ends"}, "image"),
    ],
)
def test_a_form_without_its_closing_boundary_is_a_400(
    http: httpx.Client, path: str, fields: dict[str, str], file_field: str
) -> None:
    """python-multipart drops the unfinished last part; the request went on without its file."""
    boundary = "never-closed"
    answer = http.post(
        path,
        content=_unclosed_form(boundary, fields, file_field),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert "closing boundary" in error["message"]
