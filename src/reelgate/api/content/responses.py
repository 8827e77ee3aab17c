"""Serving stored media: the right media type, Content-Length, and HTTP Range support.

The one place that decides how a blob reaches a client: a local file through Starlette's
FileResponse, an object-store blob by redirect or pass-through (`remote_content`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import FileResponse, MalformedRangeHeader, RangeNotSatisfiable, Response
from starlette.types import Receive, Scope, Send

from reelgate.api.content.cached_reads import read_range
from reelgate.api.content.range_errors import malformed_range, range_not_satisfiable
from reelgate.api.content.remote import RemoteBlobResponse
from reelgate.core.content import MediaSource
from reelgate.core.models import Asset


class MediaFileResponse(FileResponse):
    """Starlette's FileResponse, with fewer thread hops: every file operation is one, and the
    hops, not the disk, bounded download throughput (bench/bench_download.py). Whole files are
    read 512 KiB at a time instead of 64 KiB.

    A single range of up to 4 MiB (players and download managers ask for ~1 MiB) is read at
    once, with no hop at all when it is cached (`cached_reads`), and sent in one message. It
    skips the task that FileResponse runs beside a body to notice a client leaving mid-stream
    (on servers of ASGI spec < 2.4, uvicorn among them): one message has no middle, and that
    task cost a ranged request more than its read. Everything else (HEAD, whole files, several
    ranges, `If-Range`) is FileResponse's own, except bad ranges: they are raised as HTTP errors
    (`range_errors`), for the dialect's envelope, where FileResponse answers plain text."""

    chunk_size = 512 * 1024

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope)
        span = self._one_small_range(self._ranges(scope, headers), scope, headers)
        if span is None:
            await super().__call__(scope, receive, send)
            return
        assert self.stat_result is not None  # `_one_small_range` answers only when it is set
        start, end = span
        body = await read_range(Path(self.path), start, end)
        answer = MutableHeaders(raw=list(self.raw_headers))
        answer["content-range"] = f"bytes {start}-{end - 1}/{self.stat_result.st_size}"
        answer["content-length"] = str(len(body))
        await send({"type": "http.response.start", "status": 206, "headers": answer.raw})
        await send({"type": "http.response.body", "body": body, "more_body": False})

    def _ranges(self, scope: Scope, headers: Headers) -> list[tuple[int, int]] | None:
        """The ranges FileResponse would serve (None: it ignores the header, as for an `If-Range`
        that no longer matches); raises where it would refuse them."""
        if self.stat_result is None or self.status_code != 200:
            return None
        http_range, if_range = headers.get("range"), headers.get("if-range")
        if http_range is None or scope["method"] not in ("GET", "HEAD"):
            return None
        if if_range is not None and not self._should_use_range(if_range):
            return None
        try:
            return self._parse_range_header(http_range, self.stat_result.st_size)
        except MalformedRangeHeader as exc:
            raise malformed_range(exc.content) from None
        except RangeNotSatisfiable as exc:
            raise range_not_satisfiable(exc.max_size) from None

    @staticmethod
    def _one_small_range(
        ranges: list[tuple[int, int]] | None, scope: Scope, headers: Headers
    ) -> tuple[int, int] | None:
        """(start, end) where FileResponse would answer one range of at most `_ONE_READ` bytes
        with a 206, else None (and FileResponse answers). Resumed downloads (`If-Range`) are
        rare, and left to it."""
        if ranges is None or scope["method"] != "GET" or "if-range" in headers:
            return None
        if len(ranges) != 1 or ranges[0][1] - ranges[0][0] > _ONE_READ:
            return None
        return ranges[0]


_ONE_READ = 4 * 1024 * 1024


_EXTENSIONS = {"video/mp4": "mp4", "image/webp": "webp", "image/jpeg": "jpg", "image/png": "png"}
_CACHE = "private, max-age=3600"


def blob_response(
    source: MediaSource,
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
    asset: Asset, source: MediaSource, name: str, *, media_type: str | None = None
) -> Response:
    """An asset shown inline as `<name>.<extension>`.

    `media_type` overrides the stored type where a dialect's document names another."""
    extension = _EXTENSIONS.get(asset.media_type, "bin")
    return blob_response(
        source, media_type=media_type or asset.media_type, filename=f"{name}.{extension}"
    )
