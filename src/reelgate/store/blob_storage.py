"""What the rest of reelgate needs from a blob store, whichever one keeps the media.

Two implementations: `blobs.BlobStore` (files under the data directory, the default) and
`s3_blobs.S3BlobStore` (any S3-compatible object store). Work in progress always stays on local
disk (`staging_dir`), because providers and probes need real files.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Generator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from reelgate.store.s3_blobs import S3BlobStore

_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredBlob:
    key: str
    size: int
    sha256: str


@dataclass(frozen=True)
class RemoteBlob:
    """A blob to be served from an object store: by redirect to a presigned URL, or proxied."""

    store: S3BlobStore
    key: str
    size: int
    serve: Literal["proxy", "redirect"]

    def presigned_url(self, *, media_type: str, disposition: str) -> str:
        return self.store.presigned_url(self.key, media_type=media_type, disposition=disposition)

    def open_range(self, start: int, end: int) -> Generator[bytes, None, None]:
        return self.store.open_range(self.key, start, end)


# What a content route answers with: a local file (FileResponse) or an object-store blob.
BlobSource = Path | RemoteBlob


class BlobStorage(Protocol):
    def clear_staging(self) -> None:
        """Remove work in progress that dead processes of this host left behind."""

    def staging_dir(self, prefix: str) -> Path:
        """A private local directory for work in progress; the caller removes it."""

    def put_file(self, key: str, source: Path) -> StoredBlob:
        """Store a finished file (consumed: moved or uploaded, then gone) under `key`."""

    def put_bytes(self, key: str, data: bytes) -> StoredBlob: ...

    def exists(self, key: str) -> bool: ...

    def delete_prefix(self, prefix: str) -> None:
        """Remove every blob under a key prefix (a job's folder)."""

    def folders(self, prefix: str) -> list[str]:
        """Names of the folders directly under a key prefix (`jobs` -> job ids)."""

    def last_modified(self, prefix: str) -> float | None:
        """When anything under a key prefix was last written (None: nothing is there)."""

    def local_file(self, key: str, directory: Path) -> Path:
        """A local file with the blob's bytes: the blob itself where it already is one,
        otherwise a download into `directory` (which the caller removes)."""

    def local_copy(self, key: str) -> AbstractContextManager[Path]:
        """`local_file` into a staging directory of its own, removed on exit."""

    def source(self, key: str, size: int) -> BlobSource:
        """Where a content route serves the blob from."""


def checked_key(key: str) -> PurePosixPath:
    """Keys are relative POSIX paths made by reelgate; refuse anything that could escape."""
    pure = PurePosixPath(key)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        raise ValueError(f"invalid blob key: {key!r}")
    return pure


def describe_file(key: str, source: Path, *, sync: bool = False) -> StoredBlob:
    """Size and sha256 of a file about to be stored (what the asset rows record); `sync` also
    flushes it to disk, for a store that renames it into place."""
    digest = hashlib.sha256()
    size = 0
    with source.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
        if sync:
            os.fsync(handle.fileno())
    return StoredBlob(key=key, size=size, sha256=digest.hexdigest())


def put_bytes_through_file(store: BlobStorage, key: str, data: bytes) -> StoredBlob:
    """`put_bytes` for any store: the bytes become a staged file, placed like any other."""
    staging = store.staging_dir("bytes")
    try:
        temp = staging / "blob"
        temp.write_bytes(data)
        return store.put_file(key, temp)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
