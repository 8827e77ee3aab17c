"""Range requests on content, and what survives a restart or a crash."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from openai import OpenAI

from tests.conftest import wait_for
from tests.media_checks import decode_mp4
from tests.server import ServerProcess


def files_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]


def test_range_requests(client: OpenAI, http: httpx.Client):
    video = client.videos.create_and_poll(prompt="Ranges", size="1280x720")
    path = f"/v1/videos/{video.id}/content"
    full = http.get(path).content
    assert http.get(path).headers["accept-ranges"] == "bytes"

    head = http.head(path)
    assert head.status_code == 200 and int(head.headers["content-length"]) == len(full)

    part = http.get(path, headers={"Range": "bytes=100-1099"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 100-1099/{len(full)}"
    assert part.content == full[100:1100] and part.headers["content-length"] == "1000"

    tail = http.get(path, headers={"Range": "bytes=-500"})
    assert tail.status_code == 206 and tail.content == full[-500:]

    open_ended = http.get(path, headers={"Range": f"bytes={len(full) - 10}-"})
    assert open_ended.content == full[-10:]

    beyond = http.get(path, headers={"Range": f"bytes={len(full) + 10}-"})
    assert beyond.status_code == 416


def test_everything_survives_a_restart(tmp_path: Path):
    server = ServerProcess(tmp_path / "data", workers=1)
    server.start()
    try:
        with httpx.Client(base_url=server.base_url, timeout=30) as http:
            created = http.post("/v1/videos", json={"prompt": "Kept", "size": "1280x720"}).json()
            assert wait_for(http, created["id"])["status"] == "completed"
            before = http.get(f"/v1/videos/{created['id']}/content").content
        server.stop()
        server.start()
        with httpx.Client(base_url=server.base_url, timeout=30) as http:
            listed = [v["id"] for v in http.get("/v1/videos").json()["data"]]
            assert created["id"] in listed
            after = http.get(f"/v1/videos/{created['id']}/content")
            assert after.status_code == 200 and after.content == before
            thumb = http.get(f"/v1/videos/{created['id']}/content?variant=thumbnail")
            assert thumb.status_code == 200
    finally:
        server.stop()


@pytest.mark.slow
def test_a_job_interrupted_by_a_crash_is_run_again(tmp_path: Path):
    server = ServerProcess(tmp_path / "data", workers=1, env={"REELGATE_LEASE_SECONDS": "2"})
    server.start()
    try:
        with httpx.Client(base_url=server.base_url, timeout=30) as http:
            body = {"prompt": "Crash in the middle", "seconds": "12", "size": "1792x1024"}
            video_id = http.post("/v1/videos", json=body).json()["id"]
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                state = http.get(f"/v1/videos/{video_id}").json()
                if state["status"] == "in_progress" and state["progress"] > 0:
                    break
                time.sleep(0.05)
            assert state["status"] == "in_progress", state
        server.stop(kill=True)
        staging = server.data_dir / "blobs" / ".staging"
        assert files_under(staging), "the killed render left its work in progress behind"

        server.start()
        with httpx.Client(base_url=server.base_url, timeout=30) as http:
            final = wait_for(http, video_id, timeout=120)
            assert final["status"] == "completed", final
            decoded = decode_mp4(http.get(f"/v1/videos/{video_id}/content").content)
            assert (decoded.width, decoded.height, decoded.frames) == (1792, 1024, 12 * 24)
        assert not files_under(staging), "leftovers of the dead process are removed"
    finally:
        server.stop()
