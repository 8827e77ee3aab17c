"""Status polling, the call clients make most: reelgate's `GET /v1/videos/{id}` against a bare
Starlette endpoint returning the same JSON on the same server stack (uvicorn, httptools, uvloop,
no access log), both measured with wrk on loopback in one run.

    python bench/bench_polling.py            # needs `wrk` (Debian: apt-get install wrk)

Each side is loaded three times, alternately, and keeps its best run (the one least disturbed by
other work on the machine). Prints requests/s and p50/p99 latency of each, and the ratio
(target: reelgate >= 0.6 of the bare endpoint).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import httpx

from common import (
    QUIET,
    Load,
    Row,
    free_port,
    has_wrk,
    markdown_table,
    record,
    reelgate_command,
    running,
    scratch,
    verdict,
    wrk,
)

SECONDS = 5
CONNECTIONS = 32
ROUNDS = 3
TARGET = 0.6


def main() -> None:
    if not has_wrk("polling", "GET /v1/videos/{id} vs bare endpoint"):
        return
    port, bare_port = free_port(), free_port()
    base, bare_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{bare_port}"
    with (
        scratch("reelgate-poll-") as data,
        running(reelgate_command(port, data), f"{base}/healthz"),
    ):
        video = httpx.post(f"{base}/v1/videos", json={"prompt": "Polled"}).json()
        path = f"/v1/videos/{video['id']}"
        answer = httpx.get(base + path)
        env = {
            "BARE_BODY": answer.text,
            "BARE_HEADERS": json.dumps(
                {"openai-poll-after-ms": answer.headers["openai-poll-after-ms"]}
            ),
            "PYTHONPATH": str(Path(__file__).parent),
        }
        bare_command = [sys.executable, "-m", "uvicorn", "bare_status_app:app",
                        "--port", str(bare_port), *QUIET]  # fmt: skip
        with running(bare_command, bare_base + path, env=env):
            assert httpx.get(bare_base + path).content == answer.content
            runs: dict[str, list[Load]] = {"bare": [], "reelgate": []}
            for _ in range(ROUNDS):
                runs["bare"].append(wrk(bare_base + path, seconds=SECONDS, connections=CONNECTIONS))
                runs["reelgate"].append(wrk(base + path, seconds=SECONDS, connections=CONNECTIONS))
    bare = max(runs["bare"], key=lambda load: load.rate)
    measured = max(runs["reelgate"], key=lambda load: load.rate)
    ratio = measured.rate / bare.rate
    print(
        f"GET /v1/videos/{{id}}, wrk -t2 -c{CONNECTIONS} -d{SECONDS}s, best of {ROUNDS}, "
        f"{os.cpu_count()} CPUs"
    )
    rows = [
        (
            name,
            f"{load.rate:,.0f}",
            f"{load.p50:.2f}",
            f"{load.p99:.2f}",
            " / ".join(f"{run.rate:,.0f}" for run in runs[key]),
        )
        for name, key, load in (
            ("bare Starlette", "bare", bare),
            ("reelgate", "reelgate", measured),
        )
    ]
    print(markdown_table(("server", "requests/s", "p50 ms", "p99 ms", "every run req/s"), rows))
    print(f"ratio: {ratio:.2f} (target >= {TARGET})")
    record(
        Row(
            "polling",
            f"GET /v1/videos/{{id}} req/s (wrk -c{CONNECTIONS}, one process)",
            f"{measured.rate:,.0f}",
            f"{bare.rate:,.0f} bare Starlette",
            f"{ratio:.2f}",
            f">= {TARGET} of bare",
            verdict(ratio >= TARGET),
        )
    )
    record(
        Row(
            "polling",
            "GET /v1/videos/{id} p50 / p99 ms",
            f"{measured.p50:.2f} / {measured.p99:.2f}",
            f"{bare.p50:.2f} / {bare.p99:.2f}",
        )
    )


if __name__ == "__main__":
    main()
