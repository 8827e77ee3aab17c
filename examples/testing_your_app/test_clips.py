"""The app's own tests: the happy path, and each failure the real service can show."""

from __future__ import annotations

import pytest
from clips import ClipFailed, ClipRefused, make_clip
from double import recorded, scripted
from openai import OpenAI


def test_a_clip_is_made(client: OpenAI) -> None:
    assert make_clip(client, "A paper boat on a pond")[4:8] == b"ftyp"  # an MP4


def test_moderation_of_the_result_is_reported(client: OpenAI) -> None:
    with pytest.raises(ClipRefused, match="output_moderation"):
        make_clip(scripted(client, "fail=output_moderation"), "A paper boat")


def test_a_refused_prompt_comes_from_the_rules_file(client: OpenAI) -> None:
    with pytest.raises(ClipRefused, match="input_moderation"):
        make_clip(client, "Something forbidden")


def test_a_failure_mid_run(client: OpenAI) -> None:
    with pytest.raises(ClipFailed, match="internal_error"):
        make_clip(scripted(client, "error_at=10"), "A paper boat")


def test_the_app_rides_out_rate_limits_and_server_errors(client: OpenAI, reelgate_url: str) -> None:
    flaky = scripted(client, "rate_limit=1x@1s; poll_errors=1x503")
    assert make_clip(flaky, "A paper boat in the rain")[4:8] == b"ftyp"
    creates = [r for r in recorded(reelgate_url, method="POST") if r["path"] == "/v1/videos"]
    assert [r["status"] for r in creates[-2:]] == [429, 200]
    assert creates[-1]["body"]["fields"]["prompt"] == "A paper boat in the rain"
