"""Status polling, the call clients make most: reelgate's `GET /v1/videos/{id}` against a bare
Starlette endpoint returning the same JSON on the same server stack (uvicorn, httptools, uvloop,
no access log), both measured with wrk on loopback in one run.

    python bench/bench_polling.py            # needs `wrk` (Debian: apt-get install wrk)

Prints requests/s and p50/p99 latency of each, and the ratio (target: reelgate >= 0.6).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

DURATION = "8s"
CONNECTIONS = "32"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(url: str) -> None:
    for _ in range(200):
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer")


def wrk(url: str) -> tuple[float, float, float]:
    """(requests/s, p50 ms, p99 ms) from a wrk run with latency percentiles."""
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip

    def millis(label: str) -> float:
        value, unit = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    return rate, millis("50"), millis("99")


def main() -> None:
    if shutil.which("wrk") is None:
        sys.exit("bench_polling.py needs wrk (Debian: apt-get install wrk)")
    data = Path(tempfile.mkdtemp(prefix="reelgate-poll-"))
    port, bare_port = free_port(), free_port()
    quiet = ["--no-access-log", "--log-level", "warning"]
    server = subprocess.Popen(
        [sys.executable, "-m", "reelgate", "serve", "--port", str(port), "--data-dir",
         str(data), "--workers", "0", *quiet],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    bare = None
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(f"{base}/healthz")
        video = httpx.post(f"{base}/v1/videos", json={"prompt": "Polled"}).json()
        path = f"/v1/videos/{video['id']}"
        answer = httpx.get(base + path)
        env = {**os.environ, "BARE_BODY": answer.text,
               "BARE_HEADERS": json.dumps({"openai-poll-after-ms": "500"})}  # fmt: skip
        bare = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "bare_status_app:app", "--port", str(bare_port),
             "--no-access-log", "--log-level", "warning"],
            cwd=Path(__file__).parent, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        bare_base = f"http://127.0.0.1:{bare_port}"
        wait_ready(bare_base + path)
        assert httpx.get(bare_base + path).content == answer.content
        baseline = wrk(bare_base + path)
        measured = wrk(base + path)
    finally:
        server.terminate()
        if bare is not None:
            bare.terminate()
        shutil.rmtree(data, ignore_errors=True)
    print(f"GET /v1/videos/{{id}}, wrk -t2 -c{CONNECTIONS} -d{DURATION}, {os.cpu_count()} CPUs")
    print("| server | requests/s | p50 ms | p99 ms |")
    print("|---|---|---|---|")
    for name, (rate, p50, p99) in (("bare Starlette", baseline), ("reelgate", measured)):
        print(f"| {name} | {rate:,.0f} | {p50:.2f} | {p99:.2f} |")
    print(f"| ratio | {measured[0] / baseline[0]:.2f} | | |")


if __name__ == "__main__":
    main()
