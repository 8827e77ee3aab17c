"""Reads of jobs never block the server's event loop: while a poll, a download or a list waits
on a slow PostgreSQL query (its table locked by another session), the same process answers
other requests at once."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import create_engine, text

from reelgate.store.engine import normalize_url
from tests.databases import POSTGRES_URL_ENV, postgres_schema_url, postgres_url
from tests.server import ServerProcess

pytestmark = pytest.mark.skipif(
    postgres_url() is None, reason=f"PostgreSQL: {POSTGRES_URL_ENV} is not set"
)
LOCKED_FOR = 3.0


def _hold_lock(url: str, locked: threading.Event) -> None:
    engine = create_engine(normalize_url(url))
    try:
        with engine.begin() as conn:
            conn.execute(text("LOCK TABLE jobs IN ACCESS EXCLUSIVE MODE"))
            locked.set()
            time.sleep(LOCKED_FOR)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, str, str]]:
    """A server on PostgreSQL, its database URL and a completed video."""
    with postgres_schema_url() as url:
        upgrade = [sys.executable, "-m", "reelgate", "db", "upgrade", "--database-url", url]
        assert subprocess.run(upgrade, capture_output=True, check=False).returncode == 0
        data = tmp_path_factory.mktemp("loop") / "data"
        server = ServerProcess(data, workers=1, extra_args=["--database-url", url])
        with server, httpx.Client(base_url=server.base_url, timeout=30) as http:
            video = http.post("/v1/videos", json={"prompt": "A kite", "size": "720x1280"}).json()
            deadline = time.monotonic() + 30
            while http.get(f"/v1/videos/{video['id']}").json()["status"] != "completed":
                assert time.monotonic() < deadline, server.log()
                time.sleep(0.1)
            yield server, url, video["id"]


@pytest.mark.parametrize(
    "path",
    [
        "/v1/videos/{id}",
        "/v1/videos/{id}/content",
        "/v1/videos",
        "/openai/v1/video/generations/jobs/{id}",
        "/gateway/v1/videos/{id}:openai",
        "/api/status/{id}",
        "/api/jobs",
        "/api/jobs/{id}/events",  # ends after the completed job's one event
    ],
)
def test_a_slow_read_leaves_the_server_answering(served: tuple[ServerProcess, str, str], path: str):
    server, url, video_id = served
    locked = threading.Event()
    holder = threading.Thread(target=_hold_lock, args=(url, locked))
    holder.start()
    assert locked.wait(10)
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        slow = threading.Thread(target=http.get, args=(path.format(id=video_id),))
        slow.start()
        time.sleep(0.3)  # the slow read is waiting on the lock now
        started = time.monotonic()
        with httpx.Client(base_url=server.base_url, timeout=30) as other:
            assert other.get("/healthz").status_code == 200
        answered_in = time.monotonic() - started
        slow.join()
    holder.join()
    assert answered_in < 1.0, f"/healthz waited {answered_in:.2f} s behind {path}"
