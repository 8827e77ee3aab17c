"""Multipart bodies are held to a sane number of parts: no create needs dozens of files."""

from __future__ import annotations

import httpx

from reelgate.api.parsing.bodies import MAX_FILES


def test_too_many_file_parts_are_a_400_not_a_spool(http: httpx.Client) -> None:
    files = [
        ("image", (f"{n}.png", b"not really a png", "image/png")) for n in range(MAX_FILES + 1)
    ]
    answer = http.post("/v1/images/edits", data={"prompt": "x"}, files=files)
    assert answer.status_code == 400, answer.text
    assert "Too many files" in answer.json()["error"]["message"]
