"""What clients sent, as an app's tests read it back: through the endpoint and the CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import httpx
import pytest
from openai import OpenAI

from reelgate.api.recordings.log import Recording, RequestLog
from reelgate.core.callers import OPEN, Caller
from tests.media_checks import png_bytes
from tests.scenarios.conftest import HEADER, JOBS, curl, last_seq, recorded
from tests.server import ServerProcess


def test_sdk_multipart_create_is_recorded_without_bytes_or_secrets(sdk: OpenAI, api):
    start = last_seq(api)
    png = png_bytes((200, 30, 30))
    video = sdk.videos.create(
        prompt="Recorded",
        seconds="4",
        input_reference=("ref.png", png, "image/png"),
        extra_headers={HEADER: "cancel_at=0"},
    )
    (record,) = recorded(api, method="POST", path="/v1/videos", after=start)
    assert (record["key"], record["status"], record["body_kind"]) == ("open", 200, "multipart")
    assert record["body"]["fields"] == {"prompt": "Recorded", "seconds": "4"}
    assert record["body"]["files"] == [
        {"field": "input_reference", "filename": "ref.png", "content_type": "image/png",
         "size": len(png)}
    ]  # fmt: skip
    assert record["body_bytes"] > len(png)
    assert "authorization" not in record["headers"]
    assert record["headers"][HEADER] == "cancel_at=0"
    assert record["headers"]["user-agent"].startswith("OpenAI/Python")
    assert "sk-app-secret" not in json.dumps(record)
    sdk.videos.delete(video.id)


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
def test_json_bodies_queries_and_order_are_kept(double: ServerProcess, api: httpx.Client):
    start = last_seq(api)
    body = {"prompt": "Kept", "model": "m", "width": 480, "height": 480, "n_seconds": 1}
    url = f"{double.base_url}{JOBS}?api-version=preview"
    headers = {"api-key": "azure-secret", HEADER: "cancel_at=0"}
    status, _, job = curl(url, method="POST", headers=headers, json_body=body)
    assert status == 200
    curl(f"{double.base_url}{JOBS}/{job['id']}?api-version=preview")
    create, read = recorded(api, path="/openai/v1/video", after=start)
    assert create["seq"] < read["seq"]
    assert (create["method"], create["body_kind"], create["body"]) == ("POST", "json", body)
    assert create["query"] == {"api-version": ["preview"]}
    assert "api-key" not in create["headers"] and "azure-secret" not in json.dumps(create)
    assert (read["method"], read["path"]) == ("GET", f"{JOBS}/{job['id']}")
    assert read["body_kind"] == "none"


def test_clearing_and_the_cli(double: ServerProcess, sdk: OpenAI, api: httpx.Client):
    start = last_seq(api)
    video = sdk.videos.create(prompt="For the CLI", extra_headers={HEADER: "cancel_at=0"})
    env = {**os.environ, "REELGATE_SERVER": double.base_url}

    def cli(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "reelgate", "recordings", *args],
            capture_output=True, text=True, env=env, timeout=60,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        return result.stdout

    lines = cli("list", "--json", "--after", str(start), "--path", "/v1/videos").splitlines()
    (created,) = [json.loads(line) for line in lines]
    assert created["method"] == "POST" and created["body"]["fields"]["prompt"] == "For the CLI"
    assert "/v1/videos" in cli("list")
    assert "deleted" in cli("clear")
    assert recorded(api, path="/v1/videos") == []
    sdk.videos.delete(video.id)
    assert [record["method"] for record in recorded(api, path="/v1/videos")] == ["DELETE"]


def test_recording_is_off_by_default(http: httpx.Client):
    response = http.get("/api/recordings")
    assert response.status_code == 404
    assert "--record-requests" in response.json()["detail"]


def test_each_key_reads_and_clears_only_its_own_records():
    log = RequestLog(max_records=3, clock=lambda: 0.0)

    def add(owner: str | None, key: str) -> None:
        log.add(
            Recording(
                seq=log.next_seq(), at=0.0, owner=owner, key=key, method="GET", path="/v1/videos",
                query_string="", query={}, headers={}, body_kind="none", body=None, body_bytes=0,
                body_truncated=False, status=200,
            )
        )  # fmt: skip

    for owner in ("key_a", "key_b", "key_a", "key_a"):  # the first is dropped: 3 are kept
        add(owner, owner)
    alice, bob = Caller(owner="key_a"), Caller(owner="key_b")
    assert [record.seq for record in log.visible_to(alice)] == [3, 4]
    assert [record.seq for record in log.visible_to(OPEN)] == [2, 3, 4]
    assert [record.seq for record in log.visible_to(OPEN, key="key_b")] == [2]
    assert [record.seq for record in log.visible_to(alice, after=3)] == [4]
    assert log.clear(bob) == 1
    assert [record.seq for record in log.visible_to(OPEN)] == [3, 4]
