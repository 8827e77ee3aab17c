"""Serving stored media: the right media type, Content-Length, and HTTP Range support.

The one place that decides how a blob reaches a client: a local file through Starlette's
FileResponse, an object-store blob by redirect or pass-through (`remote_content`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import anyio.to_thread
from starlette.datastructures import MutableHeaders
from starlette.responses import FileResponse, Response
from starlette.types import Send

from reelgate.api.remote_content import RemoteBlobResponse
from reelgate.core.models import Asset
from reelgate.store.blob_storage import BlobSource


class MediaFileResponse(FileResponse):
    """Starlette's FileResponse, with fewer thread hops: every file operation is one, and the
    hops, not the disk, bounded download throughput (bench/bench_download.py). Whole files are
    read 512 KiB at a time instead of 64 KiB; a range of up to 4 MiB (players and download
    managers ask for ~1 MiB) is read in one hop instead of open, seek, reads and close."""

    chunk_size = 512 * 1024

    async def _handle_single_range(
        self, send: Send, start: int, end: int, file_size: int, send_header_only: bool
    ) -> None:
        if send_header_only or end - start > _ONE_READ:
            await super()._handle_single_range(send, start, end, file_size, send_header_only)
            return
        body = await anyio.to_thread.run_sync(_read_range, Path(self.path), start, end)
        headers = MutableHeaders(raw=list(self.raw_headers))
        headers["content-range"] = f"bytes {start}-{end - 1}/{file_size}"
        headers["content-length"] = str(len(body))
        await send({"type": "http.response.start", "status": 206, "headers": headers.raw})
        await send({"type": "http.response.body", "body": body, "more_body": False})


_ONE_READ = 4 * 1024 * 1024


def _read_range(path: Path, start: int, end: int) -> bytes:
    with path.open("rb") as file:
        file.seek(start)
        return file.read(end - start)


_EXTENSIONS = {"video/mp4": "mp4", "image/webp": "webp", "image/jpeg": "jpg", "image/png": "png"}
_CACHE = "private, max-age=3600"


def blob_response(
    source: BlobSource,
    *,
    media_type: str,
    filename: str,
    disposition: Literal["inline", "attachment"] = "inline",
) -> Response:
    """FileResponse answers HEAD, single and multiple byte ranges, and 416 for local files;
    RemoteBlobResponse does the same (one range) for object-store blobs, or redirects."""
    if isinstance(source, Path):
        return MediaFileResponse(
            source,
            # A stat of a file just looked up is a cached-inode read: cheaper here than the
            # thread hop FileResponse would make for it.
            stat_result=os.stat(source),
            media_type=media_type,
            filename=filename,
            content_disposition_type=disposition,
            headers={"Cache-Control": _CACHE},
        )
    return RemoteBlobResponse(
        source,
        media_type=media_type,
        disposition=f'{disposition}; filename="{filename}"',
        cache=_CACHE,
    )


def asset_response(
    asset: Asset, source: BlobSource, name: str, *, media_type: str | None = None
) -> Response:
    """An asset shown inline as `<name>.<extension>`.

    `media_type` overrides the stored type where a dialect's document names another."""
    extension = _EXTENSIONS.get(asset.media_type, "bin")
    return blob_response(
        source, media_type=media_type or asset.media_type, filename=f"{name}.{extension}"
    )
