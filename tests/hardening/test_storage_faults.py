"""A full disk and an unwritable media directory fail jobs cleanly and refuse uploads with 503.

Fault injection without hooks in the server: the server runs in a mount namespace of its own
(`unshare`), where its `blobs/` directory is a small tmpfs, and without the capability that lets
root ignore file permissions (`setpriv`), so a read-only directory stops it as it stops anyone.
The test reaches into that tmpfs through `/proc/<pid>/root` to fill it or to lock a directory.
Needs root with CAP_SYS_ADMIN (skipped elsewhere); the tmpfs vanishes with the server.
"""

from __future__ import annotations

import io
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
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
    """Start the server with `blobs` as a tmpfs of `size`, without CAP_DAC_OVERRIDE."""
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
