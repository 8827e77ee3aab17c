"""Blob storage: atomic placement, safe keys, and per-process work-in-progress folders."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from reelgate.store.blobs import BlobStore


def test_files_are_moved_into_place_with_their_digest(tmp_path: Path):
    blobs = BlobStore(tmp_path)
    staging = blobs.staging_dir("job")
    (staging / "out").write_bytes(b"abc")
    stored = blobs.put_file("jobs/j1/0/video.mp4", staging / "out")
    assert blobs.path(stored.key).read_bytes() == b"abc" and stored.size == 3
    assert stored.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert not (staging / "out").exists()


@pytest.mark.parametrize("key", ["../escape", "/etc/passwd", "jobs/../../x", ""])
def test_keys_cannot_leave_the_store(tmp_path: Path, key: str):
    with pytest.raises(ValueError):
        BlobStore(tmp_path).path(key)


def test_start_up_removes_only_what_dead_processes_of_this_host_left(tmp_path: Path):
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)  # fmt: skip
    dead_pid = int(finished.stdout)  # that process has exited
    host = socket.gethostname()
    staging = tmp_path / ".staging"
    dead = staging / f"{host}-{dead_pid}" / "job-1"
    alive = staging / f"{host}-{os.getppid()}" / "job-2"
    elsewhere = staging / f"another-host-{dead_pid}" / "job-3"
    for folder in (dead, alive, elsewhere):
        folder.mkdir(parents=True)
        (folder / "part.mp4").write_bytes(b"x")
    BlobStore(tmp_path).clear_staging()
    assert not dead.exists()
    assert alive.exists() and elsewhere.exists()
