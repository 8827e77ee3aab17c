"""Asset files under the data directory, written atomically so a half-written file is never served.

Keys are relative POSIX paths made by reelgate itself (never from client input), e.g.
`jobs/video_01.../0/video.mp4`. `put_file` moves a finished file into place with `os.replace`,
which is atomic on one filesystem; staging directories live under the same root for that reason.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredBlob:
    key: str
    size: int
    sha256: str


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


class BlobStore:
    """Blobs under `root`. Work in progress goes to `root/.staging/<host>-<pid>/`, one folder per
    process, so processes sharing a data directory (a server and workers) never remove each
    other's work."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._staging_root = root / ".staging"
        self._host = socket.gethostname()
        self._staging = self._staging_root / f"{self._host}-{os.getpid()}"

    def clear_staging(self) -> None:
        """Drop what processes of this host left when they died; their jobs will re-run."""
        if not self._staging_root.is_dir():
            return
        for folder in self._staging_root.iterdir():
            host, _, pid = folder.name.rpartition("-")
            if host == self._host and pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(folder, ignore_errors=True)

    def staging_dir(self, prefix: str) -> Path:
        """A private directory on the same filesystem as the blobs, for work in progress."""
        self._staging.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f"{prefix}-", dir=self._staging))

    def path(self, key: str) -> Path:
        pure = PurePosixPath(key)
        if pure.is_absolute() or ".." in pure.parts or not pure.parts:
            raise ValueError(f"invalid blob key: {key!r}")
        return self.root.joinpath(*pure.parts)

    def put_file(self, key: str, source: Path) -> StoredBlob:
        """Move `source` into place under `key`, after syncing it, and describe what was stored."""
        digest = hashlib.sha256()
        size = 0
        with source.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
            os.fsync(handle.fileno())
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
        return StoredBlob(key=key, size=size, sha256=digest.hexdigest())

    def put_bytes(self, key: str, data: bytes) -> StoredBlob:
        staging = self.staging_dir("bytes")
        try:
            temp = staging / "blob"
            temp.write_bytes(data)
            return self.put_file(key, temp)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete_prefix(self, prefix: str) -> None:
        """Remove every blob under a key prefix (a job's folder)."""
        shutil.rmtree(self.path(prefix), ignore_errors=True)
