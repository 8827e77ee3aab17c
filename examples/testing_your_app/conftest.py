"""Fixtures an app's test suite needs to use reelgate as its OpenAI video service.

A session-wide `reelgate serve` on a free loopback port, with the rules file next to this one and
request recording on, and an SDK client pointed at it (helpers to script and inspect requests
are in `double.py`).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from openai import OpenAI

HERE = Path(__file__).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def reelgate_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    command = [
        sys.executable, "-m", "reelgate", "serve", "--port", str(port),
        "--data-dir", str(tmp_path_factory.mktemp("reelgate")),
        "--scenarios", str(HERE / "scenarios.yaml"), "--record-requests",
        "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(command)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{url}/healthz").status_code == 200:
                break
        except httpx.TransportError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("reelgate did not start")
        time.sleep(0.1)
    yield url
    server.terminate()
    server.wait(timeout=20)


@pytest.fixture
def client(reelgate_url: str) -> OpenAI:
    """The client the app uses, configured as in production: retries on."""
    return OpenAI(base_url=f"{reelgate_url}/v1", api_key="test-key", max_retries=3)
