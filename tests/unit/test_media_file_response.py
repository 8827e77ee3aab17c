"""`MediaFileResponse` answers every request exactly as Starlette's FileResponse does (it only
takes a shorter way for one small range), and reads a range whether or not it is cached. A range
FileResponse refuses is refused with the same status and Content-Range, raised as an HTTP error
for the dialect's envelope instead of answered in plain text."""

from __future__ import annotations

import asyncio
import os
import time
from email.utils import formatdate
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from reelgate.api.content import cached_reads
from reelgate.api.content.responses import MediaFileResponse

KIB, MIB = 1024, 1024 * 1024
SIZE = 6 * MIB + 123  # above the 4 MiB a range is read at once below
COMPARED = ("content-type", "content-length", "content-range", "accept-ranges", "etag")


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("media") / "clip.mp4"
    path.write_bytes(os.urandom(SIZE))
    return path


@pytest.fixture(scope="module")
def client(media: Path) -> TestClient:
    def serve(kind: type[FileResponse]):
        async def endpoint(request: Request) -> Response:
            return kind(media, stat_result=os.stat(media), media_type="video/mp4")

        return endpoint

    app = Starlette(
        routes=[
            Route("/ours", serve(MediaFileResponse), methods=["GET", "HEAD"]),
            Route("/starlettes", serve(FileResponse), methods=["GET", "HEAD"]),
        ]
    )
    return TestClient(app)


def _if_range(media: Path) -> str:
    return formatdate(os.stat(media).st_mtime, usegmt=True)


RANGES = [
    "bytes=0-0",
    "bytes=100-1099",
    "bytes=0-1048575",  # the 1 MiB a player asks for
    f"bytes={SIZE - 1048576}-",
    "bytes=-500",
    f"bytes=0-{4 * 1024 * 1024 - 1}",  # exactly 4 MiB: still one read
    f"bytes=0-{4 * 1024 * 1024}",  # one byte more: streamed by FileResponse
    "bytes=0-",  # a browser's first request for a <video>: the whole file
    "bytes=0-99,200-299",  # several ranges: multipart
    f"bytes={SIZE - 10}-{SIZE + 100}",  # clipped to the end
]
REFUSED = [
    f"bytes={SIZE + 10}-",  # unsatisfiable: 416
    "bytes=500-100",  # malformed: 400
    "items=0-10",  # another unit: 400
]


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("range_header", RANGES)
def test_every_range_is_answered_as_starlette_answers_it(
    client: TestClient, method: str, range_header: str
):
    headers = {"Range": range_header}
    ours = client.request(method, "/ours", headers=headers)
    theirs = client.request(method, "/starlettes", headers=headers)
    assert ours.status_code == theirs.status_code
    for name in COMPARED:
        assert _unbounded(ours.headers.get(name)) == _unbounded(theirs.headers.get(name)), name
    if "multipart" in theirs.headers["content-type"]:  # boundaries are random: compare the parts
        assert len(ours.content) == len(theirs.content)
    else:
        assert ours.content == theirs.content


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("range_header", REFUSED)
def test_a_refused_range_is_an_http_error_with_starlettes_status(
    client: TestClient, method: str, range_header: str
):
    headers = {"Range": range_header}
    ours = client.request(method, "/ours", headers=headers)  # Starlette's HTTPException handler
    theirs = client.request(method, "/starlettes", headers=headers)
    assert ours.status_code == theirs.status_code
    assert ours.headers.get("content-range") == theirs.headers.get("content-range")
    if method == "GET":
        assert ours.text.startswith(("Invalid Range header:", "The requested range is not"))


def _unbounded(value: str | None) -> str | None:
    return value.split("; boundary=")[0] if value else value


@pytest.mark.parametrize("current", [True, False])
def test_if_range_is_starlettes_decision(client: TestClient, media: Path, current: bool):
    stamp = _if_range(media) if current else "Mon, 01 Jan 2001 00:00:00 GMT"
    headers = {"Range": "bytes=10-19", "If-Range": stamp}
    ours = client.get("/ours", headers=headers)
    theirs = client.get("/starlettes", headers=headers)
    assert ours.status_code == theirs.status_code == (206 if current else 200)
    assert ours.content == theirs.content


def _forget(media: Path, start: int = 0, length: int = 0) -> None:
    """Drop pages of the file from the page cache (all of it by default)."""
    descriptor = os.open(media, os.O_RDONLY)
    try:
        os.fsync(descriptor)
        os.posix_fadvise(descriptor, start, length, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(descriptor)


@pytest.mark.parametrize(
    ("forgotten", "wanted"),
    [
        ((0, 0), (5000, 6000)),  # the whole file
        ((KIB * 400, KIB * 300), (0, MIB)),  # a hole in the middle of a 1 MiB range
    ],
)
def test_a_range_not_in_the_page_cache_is_read_in_a_thread(
    media: Path, forgotten: tuple[int, int], wanted: tuple[int, int]
):
    data = media.read_bytes()
    start, end = wanted
    _forget(media, *forgotten)
    if cached_reads._NOWAIT is not None:
        # The kernel may keep pages it still holds in another CPU's batch (likelier when other
        # processes load the machine): ask again, a bounded number of times.
        for _ in range(50):
            if cached_reads._read_if_cached(media, start, end) is None:
                break
            time.sleep(0.02)
            _forget(media, *forgotten)
        assert cached_reads._read_if_cached(media, start, end) is None
    assert asyncio.run(cached_reads.read_range(media, start, end)) == data[start:end]
    # Now cached: read on the event loop, no thread.
    assert cached_reads._read_if_cached(media, start, end) == data[start:end]


def test_without_the_flag_every_read_takes_a_thread(media: Path, monkeypatch):
    monkeypatch.setattr(cached_reads, "_NOWAIT", None)
    data = media.read_bytes()
    assert cached_reads._read_if_cached(media, 0, 10) is None
    assert asyncio.run(cached_reads.read_range(media, SIZE - 10, SIZE)) == data[-10:]
