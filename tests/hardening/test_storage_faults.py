"""A full disk and an unwritable media directory fail jobs cleanly and refuse creates with 503.

Fault injection without hooks in the server: the server runs in a mount namespace of its own
(`unshare`), where its `blobs/` directory is a small tmpfs, and without the capability that lets
root ignore file permissions (`setpriv`), so a read-only directory stops it as it stops anyone.
The test reaches into that tmpfs through `/proc/<pid>/root` to fill it or to lock a directory.
With the whole data directory on the tmpfs, the database's disk fills too (SQLITE_FULL).
Needs root with CAP_SYS_ADMIN (skipped elsewhere); the tmpfs vanishes with the server.
"""

from __future__ import annotations

import base64
import io
import json
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import openai
import pytest
from PIL import Image

from tests.conftest import wait_for
from tests.server import ServerProcess, orphan_files

SMALL = {"prompt": "A small clip", "size": "1280x720", "seconds": "4"}


def _can_isolate() -> bool:
    if shutil.which("unshare") is None or shutil.which("setpriv") is None:
        return False
    probe = ["unshare", "--mount", "--propagation", "private", "true"]
    return subprocess.run(probe, capture_output=True).returncode == 0


pytestmark = pytest.mark.skipif(
    not _can_isolate(), reason="needs root with CAP_SYS_ADMIN (unshare --mount, setpriv)"
)


def isolated_blobs(blobs: Path, size: str = "16m") -> list[str]:
    """Start the server with `blobs` (or the whole data directory) as a tmpfs of `size`,
    without CAP_DAC_OVERRIDE."""
    mount_then_run = 'mount -t tmpfs -o size="$1" reelgate-blobs "$0" && shift && exec "$@"'
    return [
        "unshare", "--mount", "--propagation", "private", "--",
        "sh", "-c", mount_then_run, str(blobs), size,
        "setpriv", "--bounding-set", "-dac_override,-dac_read_search",
    ]  # fmt: skip


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    data = tmp_path / "data"
    (data / "blobs").mkdir(parents=True)
    process = ServerProcess(data, workers=1, wrapper=isolated_blobs(data / "blobs"))
    process.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def whole_disk(tmp_path: Path) -> Iterator[ServerProcess]:
    """A server whose whole data directory, database included, is one small tmpfs."""
    data = tmp_path / "data"
    data.mkdir()
    process = ServerProcess(data, workers=1, wrapper=isolated_blobs(data, "48m"))
    process.start()
    try:
        yield process
    finally:
        process.stop()


def inside(server: ServerProcess, path: Path) -> Path:
    """`path` as the server sees it, in its own mount namespace."""
    return Path(f"/proc/{server.pid}/root") / path.relative_to("/")


def fill(target: Path) -> None:
    """Write zeros until the filesystem is full."""
    chunk = b"\0" * (1024 * 1024)
    with target.open("wb") as out:
        try:
            while True:
                out.write(chunk)
                out.flush()
        except OSError as exc:
            assert exc.errno == 28, exc


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1280, 720), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def asset_rows(server: ServerProcess, job_id: str) -> int:
    query = (
        "SELECT count(*) FROM assets JOIN generations ON generations.id = assets.generation_id "
        "WHERE generations.job_id = ?"
    )
    with sqlite3.connect(server.data_dir / "reelgate.sqlite3") as db:
        return db.execute(query, (job_id,)).fetchone()[0]


def test_storage_faults_fail_jobs_cleanly_and_the_worker_carries_on(server: ServerProcess):
    blobs = inside(server, server.data_dir / "blobs")
    client = openai.OpenAI(base_url=f"{server.base_url}/v1", api_key="x", max_retries=0)
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        # Disk full: the render cannot write its files.
        filler = blobs / "filler"
        fill(filler)
        full = wait_for(http, http.post("/v1/videos", json=SMALL).json()["id"])
        assert full["status"] == "failed"
        assert full["error"] == {
            "code": "storage_error",
            "message": "Storage failed: No space left on device (ENOSPC).",
        }
        azure = http.get(f"/openai/v1/video/generations/jobs/{full['id']}?api-version=preview")
        assert azure.json()["failure_reason"] == "storage_error"

        # Disk full while an upload is stored: 503 in the dialect's envelope, no job made.
        with pytest.raises(openai.InternalServerError) as refused:
            client.videos.create(**SMALL, input_reference=("red.png", png(), "image/png"))
        assert refused.value.status_code == 503
        assert refused.value.response.headers["retry-after"]
        error = refused.value.response.json()["error"]
        assert error["message"] == "Storage failed: No space left on device (ENOSPC)."
        assert error["type"] == "server_error"
        assert [v["id"] for v in http.get("/v1/videos").json()["data"]] == [full["id"]]
        filler.unlink()

        # Permission denied: outputs cannot be moved into place.
        (blobs / "jobs").mkdir(exist_ok=True)
        (blobs / "jobs").chmod(0o555)
        denied = wait_for(http, http.post("/v1/videos", json=SMALL).json()["id"])
        assert denied["status"] == "failed"
        assert denied["error"]["code"] == "storage_error"
        assert denied["error"]["message"] == "Storage failed: Permission denied (EACCES)."
        (blobs / "jobs").chmod(0o755)

        for failed in (full, denied):
            assert asset_rows(server, failed["id"]) == 0
            assert not (blobs / "jobs" / failed["id"]).exists()
            gone = http.get(f"/v1/videos/{failed['id']}/content")
            assert gone.status_code == 404

        # The same worker, with the storage back, completes the next job.
        fine = wait_for(http, http.post("/v1/videos", json=SMALL).json()["id"])
        assert fine["status"] == "completed"
        assert http.get(f"/v1/videos/{fine['id']}/content").status_code == 200

    assert orphan_files(inside(server, server.data_dir)) == []


AZURE = "?api-version=preview"
DATABASE_FULL = "Storage failed: The database's disk is full."
BLOBS_FULL = "Storage failed: No space left on device (ENOSPC)."


def until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Wait (polling) for `condition`; fail if it never holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.1)


def refused_message(response: httpx.Response) -> str:
    """The message of a 503 + Retry-After, after checking it is in the path's envelope."""
    path = response.request.url.path
    assert response.status_code == 503, (path, response.text)
    assert response.headers["retry-after"] == "5"
    body = response.json()
    if path.startswith("/api/"):
        return body["detail"]
    error = body["error"]
    if path.startswith("/gateway/"):
        assert body["status_code"] == 503 and error["type"] == "server_error"
    elif path.startswith("/openai/v1/video/generations"):
        assert (error["code"], error["type"]) == ("service_unavailable", "server_error")
    elif path.startswith("/openai/v1/images"):
        assert (error["code"], error["type"]) == ("service_unavailable", "error")
    else:
        assert set(error) == {"message", "type", "param", "code"}
        assert error["type"] == "server_error"
    return error["message"]


def test_every_create_answers_503_while_the_database_disk_is_full(whole_disk: ServerProcess):
    client = openai.OpenAI(base_url=f"{whole_disk.base_url}/v1", api_key="x", max_retries=0)
    with httpx.Client(base_url=whole_disk.base_url, timeout=30) as http:
        source = wait_for(http, http.post("/v1/videos", json=SMALL).json()["id"])["id"]
        azure_job = {"prompt": "x", "width": 480, "height": 480, "n_seconds": 5, "model": "sora"}
        image = {"prompt": "p", "model": "gpt-image-1", "size": "1024x1024"}
        creates = [
            ("/v1/videos", SMALL),
            (f"/v1/videos/{source}/remix", {"prompt": "again"}),
            ("/v1/videos/edits", {"prompt": "e", "video": {"id": source}}),
            ("/v1/videos/extensions", {"prompt": "e", "seconds": "4", "video": {"id": source}}),
            ("/openai/v1/videos", SMALL),
            (f"/openai/v1/video/generations/jobs{AZURE}", azure_job),
            ("/api/generate", {"prompt": "x"}),
            (f"/api/jobs/{source}/remix", {"prompt": "y"}),
            ("/gateway/v1/videos", {"model": "openai/sora-2", "prompt": "g"}),
            ("/v1/images/generations", image),
            (f"/openai/v1/images/generations{AZURE}", image),
        ]
        filler = inside(whole_disk, whole_disk.data_dir / "filler")
        fill(filler)
        for path, body in creates:
            assert refused_message(http.post(path, json=body)) in (DATABASE_FULL, BLOBS_FULL)
        with pytest.raises(openai.InternalServerError) as refused:  # the SDK's multipart
            client.videos.create(**SMALL)
        assert refused.value.status_code == 503
        assert refused.value.response.json()["error"]["message"] == DATABASE_FULL

        assert [v["id"] for v in http.get("/v1/videos").json()["data"]] == [source]
        filler.unlink()
        assert wait_for(http, http.post("/v1/videos", json=SMALL).json()["id"])["status"] == (
            "completed"
        )
    assert "Traceback" not in whole_disk.log()


def copied(server: ServerProcess, to: Path) -> Path:
    """A copy of a data directory that lives on the server's tmpfs (SQLite resolves
    `/proc/<pid>/root` to the host's `/`, so it cannot open the database where it is)."""
    shutil.copytree(inside(server, server.data_dir), to)
    return to


def test_a_running_job_fails_with_storage_error_when_the_disk_fills(
    whole_disk: ServerProcess, tmp_path: Path
):
    slow = {"x-reelgate-scenario": "slow=30s"}
    with httpx.Client(base_url=whole_disk.base_url, timeout=30) as http:
        running = http.post("/v1/videos", json=SMALL, headers=slow).json()["id"]
        until(lambda: http.get(f"/v1/videos/{running}").json()["progress"] > 0)
        filler = inside(whole_disk, whole_disk.data_dir / "filler")
        fill(filler)
        # The worker records the failure at once, or retries with backoff until there is room.
        until(
            lambda: (
                "recording its failure" in whole_disk.log()
                or http.get(f"/v1/videos/{running}").json()["status"] == "failed"
            )
        )
        filler.unlink()
        failed = wait_for(http, running)
        assert failed["status"] == "failed"
        assert failed["error"]["code"] == "storage_error"
        assert failed["error"]["message"] in (DATABASE_FULL, BLOBS_FULL)

        # The same worker takes the next job.
        fine = wait_for(http, http.post("/v1/videos", json=SMALL).json()["id"])
        assert fine["status"] == "completed"
    log = whole_disk.log()
    assert "Traceback" not in log and "unexpected error" not in log
    assert orphan_files(copied(whole_disk, tmp_path / "copy")) == []


def test_uploads_in_every_dialect_answer_503_when_the_blob_disk_is_full(server: ServerProcess):
    red = png()
    data_url = "data:image/png;base64," + base64.b64encode(red).decode()
    items = [{"file_name": "red.png", "frame_index": 0, "type": "image"}]
    inpainted = {"prompt": "Inpainted", "model": "sora", "width": "480", "height": "480",
                 "n_seconds": "1", "inpaint_items": json.dumps(items)}  # fmt: skip
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        fill(inside(server, server.data_dir / "blobs") / "filler")
        uploads = [
            http.post(
                f"/openai/v1/video/generations/jobs{AZURE}",
                data=inpainted,
                files=[("files", ("red.png", red, "image/png"))],
            ),
            http.post("/api/generate", json={"prompt": "Guided", "reference_image": data_url}),
            http.post(
                "/v1/images/edits",
                data={"prompt": "p", "model": "gpt-image-1"},
                files={"image": ("red.png", red, "image/png")},
            ),
            http.post(
                f"/openai/v1/images/edits{AZURE}",
                data={"prompt": "p", "model": "gpt-image-1"},
                files={"image": ("red.png", red, "image/png")},
            ),
        ]
        for response in uploads:
            assert refused_message(response) == BLOBS_FULL
        assert http.get("/v1/videos").json()["data"] == []
    assert "Traceback" not in server.log()
