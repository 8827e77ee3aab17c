"""Asset files under the data directory, written atomically so a half-written file is never served.

Keys are relative POSIX paths made by reelgate itself (never from client input), e.g.
`jobs/video_01.../0/video.mp4`. `put_file` moves a finished file into place with `os.replace`,
which is atomic on one filesystem; staging directories live under the same root for that reason.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reelgate.store.blob_storage import (
    BlobSource,
    StoredBlob,
    checked_key,
    describe_file,
    put_bytes_through_file,
)
from reelgate.store.staging import LocalStaging

__all__ = ["BlobSource", "BlobStore", "StoredBlob"]


class BlobStore:
    """Blobs under `root`. Work in progress goes to `root/.staging/<host>-<pid>/`, one folder per
    process, so processes sharing a data directory (a server and workers) never remove each
    other's work."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._staging = LocalStaging(root / ".staging")

    def clear_staging(self) -> None:
        """Drop what processes of this host left when they died; their jobs will re-run."""
        self._staging.clear()

    def staging_dir(self, prefix: str) -> Path:
        """A private directory on the same filesystem as the blobs, for work in progress."""
        return self._staging.new_dir(prefix)

    def path(self, key: str) -> Path:
        return self.root.joinpath(*checked_key(key).parts)

    def put_file(self, key: str, source: Path) -> StoredBlob:
        """Move `source` into place under `key`, after syncing it, and describe what was stored."""
        stored = describe_file(key, source, sync=True)
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
        return stored

    def put_bytes(self, key: str, data: bytes) -> StoredBlob:
        return put_bytes_through_file(self, key, data)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete_prefix(self, prefix: str) -> None:
        """Remove every blob under a key prefix (a job's folder)."""
        shutil.rmtree(self.path(prefix), ignore_errors=True)

    def folders(self, prefix: str) -> list[str]:
        """Names of the folders directly under a key prefix (`jobs` -> job ids)."""
        parent = self.path(prefix)
        if not parent.is_dir():
            return []
        return [child.name for child in parent.iterdir() if child.is_dir()]

    def last_modified(self, prefix: str) -> float | None:
        """When anything under a key prefix was last written (None: nothing is there)."""
        newest: float | None = None
        for folder, _dirs, files in os.walk(self.path(prefix)):
            for path in (folder, *(os.path.join(folder, name) for name in files)):
                try:
                    modified = os.stat(path).st_mtime
                except FileNotFoundError:  # removed while we looked
                    continue
                newest = modified if newest is None else max(newest, modified)
        return newest

    def local_file(self, key: str, directory: Path) -> Path:
        """The blob's own file: it is already local, so nothing is copied."""
        return self.path(key)

    @contextmanager
    def local_copy(self, key: str) -> Iterator[Path]:
        yield self.path(key)

    def source(self, key: str, size: int) -> BlobSource:
        return self.path(key)
