"""Serving a blob that lives in an object store: a 307 to a presigned URL, or a pass-through.

The pass-through answers like Starlette's FileResponse does for local files: HEAD, one byte
range (206 with Content-Range), an unsatisfiable range (416), the whole file otherwise (several
ranges included, which RFC 9110 lets a server ignore). Sizes come from the asset row, so HEAD and
416 need no request to the store.
"""

from __future__ import annotations

import re

from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.datastructures import Headers
from starlette.responses import RedirectResponse, Response
from starlette.types import Receive, Scope, Send

from reelgate.api.content.range_errors import range_not_satisfiable
from reelgate.core.content import RemoteMedia

_SINGLE_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


class RangeNotSatisfiable(Exception):
    pass


def parse_single_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive byte range a `Range` header asks for; None: send the whole blob."""
    if header is None:
        return None
    match = _SINGLE_RANGE.match(header)
    if match is None or match.group(1) == match.group(2) == "":
        return None  # several ranges or not bytes: the whole blob
    first, last = match.group(1), match.group(2)
    if first == "":  # the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            raise RangeNotSatisfiable
        return max(size - length, 0), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        raise RangeNotSatisfiable
    return start, end


class RemoteBlobResponse(Response):
    """Decides at send time, like FileResponse, because the request's Range and method matter."""

    def __init__(self, blob: RemoteMedia, *, media_type: str, disposition: str, cache: str) -> None:
        super().__init__(media_type=media_type)
        self.blob = blob
        self.disposition = disposition
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        head = scope["method"].upper() == "HEAD"
        if self.blob.serve == "redirect" and not head:
            # A presigned URL is signed for GET; HEAD is answered here from the asset row.
            url = await run_in_threadpool(
                self.blob.presigned_url,
                media_type=self.media_type or "application/octet-stream",
                disposition=self.disposition,
            )
            redirect = RedirectResponse(url, status_code=307, headers={"Cache-Control": "no-store"})
            await redirect(scope, receive, send)
            return
        size = self.blob.size
        try:
            wanted = None if head else parse_single_range(Headers(scope=scope).get("range"), size)
        except RangeNotSatisfiable:  # nothing sent yet: the dialect's envelope answers
            raise range_not_satisfiable(size) from None
        start, end = wanted if wanted is not None else (0, size - 1)
        headers = {
            "content-type": self.media_type or "application/octet-stream",
            "content-disposition": self.disposition,
            "cache-control": self.cache,
            "accept-ranges": "bytes",
            "content-length": str(end - start + 1),
        }
        if wanted is not None:
            headers["content-range"] = f"bytes {start}-{end}/{size}"
        await send(
            {
                "type": "http.response.start",
                "status": 206 if wanted is not None else 200,
                "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()],
            }
        )
        if head or size == 0:
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        chunks = self.blob.open_range(start, end)
        try:
            async for chunk in iterate_in_threadpool(chunks):
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        finally:
            await run_in_threadpool(chunks.close)
        await send({"type": "http.response.body", "body": b"", "more_body": False})
