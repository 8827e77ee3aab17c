"""Retention: expiry set at completion, expired content refused in each dialect, media swept;
deleting a job removes its files; files of no job and staging of dead processes are swept too.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from reelgate.config import Settings
from reelgate.core.ids import new_generation_id, new_job_id
from reelgate.core.models import Asset, AssetVariant, Generation, Job, JobStatus, VideoSpec
from reelgate.runner.retention import ORPHAN_GRACE_SECONDS, RetentionSweep
from reelgate.store.db import JobStore
from reelgate.store.faults import StorageFailed, storage_fault
from reelgate.store.retention import RetentionStore
from reelgate.store.s3_blobs import S3BlobStore, S3Location
from tests.conftest import wait_for
from tests.server import ServerProcess

AZURE = "/openai/v1/video/generations"
PREVIEW = "?api-version=preview"
CLIP = {"prompt": "Kept for a while", "model": "sora", "width": 480, "height": 480, "n_seconds": 1}
SWEEP_OFTEN = {"REELGATE_RETENTION_SWEEP_SECONDS": "0.3"}


def eventually(condition: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {timeout} s")


def asset_rows(data_dir: Path, job_id: str) -> int:
    query = (
        "SELECT count(*) FROM assets JOIN generations ON generations.id = assets.generation_id "
        "WHERE generations.job_id = ?"
    )
    with sqlite3.connect(data_dir / "reelgate.sqlite3") as db:
        return db.execute(query, (job_id,)).fetchone()[0]


def test_expired_media_is_refused_then_swept_and_the_job_stays(tmp_path: Path):
    env = {"REELGATE_RETENTION_SECONDS": "2", **SWEEP_OFTEN}
    data = tmp_path / "data"
    with (
        ServerProcess(data, workers=1, env=env, check_orphans=True) as server,
        httpx.Client(base_url=server.base_url, timeout=30) as http,
    ):
        job_id = http.post(f"{AZURE}/jobs{PREVIEW}", json=CLIP).json()["id"]
        video = wait_for(http, job_id)
        assert video["status"] == "completed"
        assert video["expires_at"] - video["completed_at"] in (1, 2, 3)  # 2 s, whole seconds
        azure = http.get(f"{AZURE}/jobs/{job_id}{PREVIEW}").json()
        assert azure["expires_at"] == video["expires_at"]
        generation_id = azure["generations"][0]["id"]
        image = http.post("/v1/images/generations", json={"prompt": "A kept picture"})
        assert image.status_code == 200
        assert (data / "blobs" / "jobs" / job_id).is_dir()

        # From expires_at on, content is refused in every dialect, whatever the sweep did yet.
        openai_content = eventually(
            lambda: (r := http.get(f"/v1/videos/{job_id}/content")).status_code == 404 and r,
            "the content expires",
        )
        assert "expired at" in openai_content.json()["error"]["message"]
        azure_content = http.get(f"{AZURE}/{generation_id}/content/video{PREVIEW}")
        assert azure_content.status_code == 404
        assert "expired at" in azure_content.json()["error"]["message"]
        app_download = http.get(f"/api/download/{job_id}")
        assert app_download.status_code == 404

        # The sweep deletes the files and the asset rows; the job and its generation stay.
        eventually(lambda: not (data / "blobs" / "jobs" / job_id).exists(), "media swept")
        eventually(lambda: asset_rows(data, job_id) == 0, "asset rows dropped")
        eventually(lambda: not list((data / "blobs" / "jobs").iterdir()), "the image swept too")
        kept = http.get(f"/v1/videos/{job_id}").json()
        assert kept["status"] == "completed" and kept["expires_at"] <= time.time()
        assert http.get(f"{AZURE}/{generation_id}{PREVIEW}").status_code == 200


def dead_pid() -> int:
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)  # fmt: skip
    return int(finished.stdout)


def plant(path: Path, *, age: float = 0.0) -> Path:
    """A file (and its folders) last written `age` seconds ago."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"left behind")
    when = time.time() - age
    for each in (path, *path.parents[:3]):
        os.utime(each, (when, when))
    return path


def test_deleting_removes_files_and_the_sweep_removes_files_of_no_job(tmp_path: Path):
    data = tmp_path / "data"
    blobs = data / "blobs"
    two_hours = 7200.0
    orphans = [
        plant(blobs / "jobs" / "video_01orphanoutput" / "0" / "video.mp4", age=two_hours),
        plant(blobs / "inputs" / "image_01orphaninput" / "image-0.png", age=two_hours),
    ]
    young = plant(blobs / "inputs" / "video_01beingcreated" / "reference.png")
    with (
        ServerProcess(data, workers=1, env=SWEEP_OFTEN, check_orphans=True) as server,
        httpx.Client(base_url=server.base_url, timeout=30) as http,
    ):
        stale = plant(blobs / ".staging" / f"{socket.gethostname()}-{dead_pid()}" / "w" / "f")
        job_id = http.post(f"{AZURE}/jobs{PREVIEW}", json=CLIP).json()["id"]
        video = wait_for(http, job_id)
        assert video["status"] == "completed" and video["expires_at"] is None  # kept
        assert (blobs / "jobs" / job_id).is_dir()

        assert http.delete(f"/v1/videos/{job_id}").status_code == 200
        assert not (blobs / "jobs" / job_id).exists()

        for orphan in [*orphans, stale]:
            eventually(lambda orphan=orphan: not orphan.exists(), f"{orphan} swept")
        assert not stale.parent.parent.exists()
        assert young.exists(), "a young folder may be a job being created: it stays"
        young.unlink()


# -- the same sweep over an object store, against both databases ----------------------------------


@pytest.fixture
def bucket_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[S3BlobStore]:
    from tests.s3_server import S3_ENV, moto_s3_server, s3_client

    for name, value in S3_ENV.items():
        monkeypatch.setenv(name, value)
    with moto_s3_server() as endpoint:
        s3_client(endpoint).create_bucket(Bucket="sweep")
        yield S3BlobStore(
            S3Location.parse("s3://sweep/media"), tmp_path / "staging", endpoint_url=endpoint
        )


def finished_long_ago(store: JobStore, blobs: S3BlobStore) -> Job:
    """A job completed 100 s ago, before retention was configured: no `expires_at` yet."""
    now = time.time()
    spec = VideoSpec(prompt="p", width=64, height=64, seconds=1)
    job = Job(id=new_job_id(), model="m", provider="preview", spec=spec, created_at=now - 110,
              status=JobStatus.COMPLETED, completed_at=now - 100)  # fmt: skip
    key = f"jobs/{job.id}/0/video.mp4"
    stored = blobs.put_bytes(key, b"bytes")
    video = Asset(variant=AssetVariant.VIDEO, media_type="video/mp4", size=stored.size,
                  sha256=stored.sha256, blob_key=key)  # fmt: skip
    generation = Generation(id=new_generation_id(), job_id=job.id, index=0, width=64, height=64,
                            seconds=1, assets={AssetVariant.VIDEO: video})  # fmt: skip
    store.insert_finished_job(job, [generation])
    return job


def test_the_sweep_expires_media_and_finds_files_of_no_job_in_an_object_store(
    database: Engine, bucket_store: S3BlobStore, tmp_path: Path
):
    store = JobStore(database)
    store.create_schema()
    spec = VideoSpec(prompt="p", width=64, height=64, seconds=1)
    job = Job(id=new_job_id(), model="m", provider="preview", spec=spec, created_at=time.time())
    store.insert_job(job)
    kept = [f"jobs/{job.id}/0/video.mp4", f"inputs/{job.id}/reference.png"]
    orphans = ["jobs/video_01orphan/0/video.mp4", "inputs/image_01orphan/image-0.png"]
    for key in kept + orphans:
        bucket_store.put_bytes(key, b"bytes")
    old = finished_long_ago(store, bucket_store)

    def sweep(at: float) -> None:
        settings = Settings(data_dir=tmp_path / "data", retention_seconds=10)
        RetentionSweep(RetentionStore(database), bucket_store, settings, clock=lambda: at).sweep()

    sweep(time.time())  # young folders may be jobs being created: they stay
    assert all(bucket_store.exists(key) for key in kept + orphans)
    expired = store.get_job(old.id, with_generations=True)
    assert expired is not None and expired.expires_at == old.completed_at + 10
    assert expired.generations[0].assets == {}, "an expired job keeps its generation, no files"
    assert not bucket_store.exists(f"jobs/{old.id}/0/video.mp4")

    sweep(time.time() + ORPHAN_GRACE_SECONDS + 60)
    assert [key for key in kept + orphans if bucket_store.exists(key)] == kept


def test_an_object_store_that_refuses_uploads_is_a_storage_fault(bucket_store: S3BlobStore):
    missing = S3BlobStore(
        S3Location.parse("s3://no-such-bucket/media"),
        bucket_store._staging.root,
        endpoint_url=bucket_store._client.meta.endpoint_url,
    )
    with pytest.raises(StorageFailed) as refused:
        missing.put_bytes("jobs/video_01x/0/video.mp4", b"bytes")
    assert storage_fault(refused.value) == (
        "Storage failed: the object store did not take the upload (error NoSuchBucket)."
    )
