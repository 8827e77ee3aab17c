"""Status polling, the call clients make most: `GET /v1/videos/{id}` of a *completed* video while
a worker renders other jobs, against a bare Starlette endpoint returning the same bytes on the
same server stack (uvicorn, httptools, uvloop, no access log), on SQLite and on PostgreSQL.

    python bench/bench_polling.py     # needs `wrk`; PostgreSQL with REELGATE_BENCH_DATABASE_URL
                                      # (or REELGATE_TEST_DATABASE_URL), else its rows say SKIPPED

The server runs with no workers of its own; a `reelgate worker` process on the same database
renders 1280x720 preview clips the whole time (its heartbeats and progress are commits the
poll's cache must survive), as in a deployment of API replicas beside workers. The bare
endpoint is loaded while the same worker renders. The two are loaded in alternating order for
ROUNDS rounds of SECONDS each; each round gives a ratio, and the row shows their median with
min and max (target: reelgate >= 0.8 of the bare endpoint).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

from common import (
    QUIET,
    Comparison,
    Load,
    Row,
    alternate,
    free_port,
    has_wrk,
    markdown_table,
    record,
    reelgate_command,
    running,
    scratch,
    skipped,
    wrk,
)

SECONDS = 4
CONNECTIONS = 32
ROUNDS = 5
TARGET = 0.8
RENDERS = 16  # 12 s clips for the worker (~4 s each): more than the 5 rounds last
_STACK_HEADERS = {"date", "server", "content-length", "content-type"}  # the server stack's own
RENDER = {"prompt": "Kept busy", "seconds": "12", "size": "1280x720"}


def postgres_url() -> str | None:
    return os.environ.get("REELGATE_BENCH_DATABASE_URL") or os.environ.get(
        "REELGATE_TEST_DATABASE_URL"
    )


@contextmanager
def database_for(name: str) -> Iterator[list[str]]:
    """Extra `serve` / `worker` arguments for a fresh database of this kind."""
    if name == "SQLite":
        yield []
        return
    from bench_scale import drop_schema, fresh_schema

    url = postgres_url()
    assert url is not None
    schema, schema_url = fresh_schema(url)
    try:
        yield ["--database-url", schema_url]
    finally:
        drop_schema(url, schema)


def wait_for(base: str, video_id: str, status: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        video = httpx.get(f"{base}/v1/videos/{video_id}").json()
        if video["status"] == status or video["status"] == "failed":
            return video
        time.sleep(0.1)
    raise RuntimeError(f"{video_id} did not become {status} in {timeout:.0f} s")


def measure(name: str) -> None:
    port, bare_port = free_port(), free_port()
    base, bare_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{bare_port}"
    with ExitStack() as stack:
        data = stack.enter_context(scratch(f"reelgate-poll-{name}-"))
        database = stack.enter_context(database_for(name))
        if database:  # PostgreSQL: the server does not set up a schema by itself
            upgrade = [sys.executable, "-m", "reelgate", "db", "upgrade", *database]
            subprocess.run(upgrade, check=True, capture_output=True)
        stack.enter_context(running(reelgate_command(port, data, *database), f"{base}/healthz"))
        worker = [sys.executable, "-m", "reelgate", "worker", "--data-dir", str(data),
                  "--concurrency", "1", "--log-level", "warning", *database]  # fmt: skip
        stack.enter_context(running(worker, f"{base}/healthz"))
        video = httpx.post(f"{base}/v1/videos", json={"prompt": "Polled", "size": "720x1280"})
        video_id = video.json()["id"]
        wait_for(base, video_id, "completed")
        busy = [httpx.post(f"{base}/v1/videos", json=RENDER).json()["id"] for _ in range(RENDERS)]
        wait_for(base, busy[0], "in_progress")
        path = f"/v1/videos/{video_id}"
        answer = httpx.get(base + path)
        assert answer.json()["status"] == "completed"
        env = {
            "BARE_BODY": answer.text,
            # The same headers too (request id aside, which differs per request anyway).
            "BARE_HEADERS": json.dumps(
                {k: v for k, v in answer.headers.items() if k not in _STACK_HEADERS}
            ),
            "PYTHONPATH": str(Path(__file__).parent),
        }
        bare_command = [sys.executable, "-m", "uvicorn", "bare_status_app:app",
                        "--port", str(bare_port), *QUIET]  # fmt: skip
        stack.enter_context(running(bare_command, bare_base + path, env=env))
        assert httpx.get(bare_base + path).content == answer.content
        comparison, bares, ours = alternate(
            ROUNDS,
            lambda: wrk(bare_base + path, seconds=SECONDS, connections=CONNECTIONS),
            lambda: wrk(base + path, seconds=SECONDS, connections=CONNECTIONS),
            lambda candidate, baseline: candidate.rate / baseline.rate,
        )
        rendering = [httpx.get(f"{base}/v1/videos/{i}").json()["status"] for i in busy]
    still_busy = "in_progress" in rendering
    report(name, comparison, bares, ours, still_busy)


def median_load(loads: list[Load]) -> tuple[float, float, float]:
    return (
        statistics.median(load.rate for load in loads),
        statistics.median(load.p50 for load in loads),
        statistics.median(load.p99 for load in loads),
    )


def report(
    name: str, comparison: Comparison, bares: list[Load], ours: list[Load], still_busy: bool
) -> None:
    bare_rate, bare_p50, bare_p99 = median_load(bares)
    rate, p50, p99 = median_load(ours)
    errors = sum(load.errors for load in ours)
    print(f"\n{name}: GET /v1/videos/{{id}} of a completed video while a worker renders, "
          f"wrk -t2 -c{CONNECTIONS} -d{SECONDS}s, {ROUNDS} alternating rounds, "
          f"{os.cpu_count()} CPUs")  # fmt: skip
    rows = [
        ("bare Starlette", f"{bare_rate:,.0f}", f"{bare_p50:.2f}", f"{bare_p99:.2f}",
         " / ".join(f"{load.rate:,.0f}" for load in bares)),
        ("reelgate", f"{rate:,.0f}", f"{p50:.2f}", f"{p99:.2f}",
         " / ".join(f"{load.rate:,.0f}" for load in ours)),
    ]  # fmt: skip
    print(markdown_table(("server", "req/s (median)", "p50 ms", "p99 ms", "every round"), rows))
    print(f"ratio per round: {' '.join(f'{r:.2f}' for r in comparison.ratios)}")
    verdict = comparison.verdict(lambda median: median >= TARGET)
    if errors:
        verdict = f"missed ({errors} errors)"
    if not still_busy:
        verdict = "invalid: the worker finished rendering before the last round"
    record(
        Row(
            "polling",
            f"{name}: GET completed video req/s while a worker renders",
            f"{rate:,.0f}",
            f"{bare_rate:,.0f} bare Starlette",
            comparison.summary(),
            f">= {TARGET} of bare",
            verdict,
        )
    )
    record(
        Row(
            "polling",
            f"{name}: p50 / p99 ms",
            f"{p50:.2f} / {p99:.2f}",
            f"{bare_p50:.2f} / {bare_p99:.2f}",
        )
    )


def main() -> None:
    if not has_wrk("polling", "GET /v1/videos/{id} vs bare endpoint"):
        return
    measure("SQLite")
    if postgres_url() is None:
        skipped("polling", "PostgreSQL", "set REELGATE_BENCH_DATABASE_URL=postgresql://...")
        return
    measure("PostgreSQL")


if __name__ == "__main__":
    main()
