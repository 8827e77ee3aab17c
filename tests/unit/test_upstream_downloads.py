"""A long upstream download heartbeats the job's lease and stops as soon as the job is deleted."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from reelgate.providers.base import JobCancelled
from reelgate.providers.upstream.http import RetryPolicy, UpstreamClient

CHUNKS = 6
CHUNK = 1024 * 1024


class _SlowFile(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "video/mp4")
        self.send_header("Content-Length", str(CHUNKS * CHUNK))
        self.end_headers()
        try:
            for _ in range(CHUNKS):
                self.wfile.write(b"\0" * CHUNK)
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def upstream() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SlowFile)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _client(base_url: str, wait: Callable[[float], None]) -> UpstreamClient:
    return UpstreamClient(
        "fake", base_url, auth=dict, timeout=10, retry=RetryPolicy(max_retries=0), wait=wait
    )


def test_a_download_heartbeats_while_it_streams(upstream: str, tmp_path: Path) -> None:
    beats: list[float] = []
    with _client(upstream, beats.append) as client:
        path = client.download("/video", tmp_path / "video.mp4")
    assert path.stat().st_size == CHUNKS * CHUNK
    assert len(beats) >= CHUNKS - 1 and set(beats) == {0}


def test_a_deleted_job_stops_its_download(upstream: str, tmp_path: Path) -> None:
    beats: list[float] = []

    def deleted_after_two(seconds: float) -> None:
        beats.append(seconds)
        if len(beats) == 2:
            raise JobCancelled("video_x")

    with _client(upstream, deleted_after_two) as client, pytest.raises(JobCancelled):
        client.download("/video", tmp_path / "video.mp4")
    assert len(beats) == 2
    assert list(tmp_path.iterdir()) == []  # no partial file left behind
