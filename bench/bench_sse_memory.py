"""Memory: the RSS of one idle `reelgate serve` process (no workers), then with N idle
event-stream listeners (`GET /api/events`, default 2,000) on loopback.

    .venv/bin/python bench/bench_sse_memory.py [--listeners 2000]

Each listener has received its snapshot and waits. "Idle" is measured after the code paths were
warmed by 20 listeners that have gone again, so it is what a running server holds, not a cold
start.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import time

from common import (
    Row,
    free_port,
    record,
    reelgate_command,
    rss_mib,
    running,
    scratch,
)


async def open_listeners(port: int, count: int) -> list[asyncio.StreamWriter]:
    writers = []
    request = (
        f"GET /api/events?heartbeat=300&limit=1 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Accept: text/event-stream\r\n\r\n"
    ).encode()
    for _ in range(count):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request)
        await reader.readuntil(b"event: snapshot")  # the stream is open and served
        writers.append(writer)
    return writers


async def measure(pid: int, port: int, count: int) -> tuple[float, float, float]:
    """(idle RSS, RSS with `count` listeners, seconds to open them)."""
    warm = await open_listeners(port, 20)  # warm the code paths, then drop them
    for writer in warm:
        writer.close()
    await asyncio.sleep(1.0)
    before = rss_mib(pid)
    started = time.perf_counter()
    writers = await open_listeners(port, count)
    opened = time.perf_counter() - started
    await asyncio.sleep(2.0)
    after = rss_mib(pid)
    for writer in writers:
        writer.close()
    return before, after, opened


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--listeners", type=int, default=2000)
    args = parser.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, args.listeners * 2 + 512), hard))
    port = free_port()
    with (
        scratch("reelgate-sse-") as data,
        running(reelgate_command(port, data), f"http://127.0.0.1:{port}/healthz") as server,
    ):
        before, after, opened = asyncio.run(measure(server.pid, port, args.listeners))
    per = (after - before) * 1024 / args.listeners
    print(f"opened {args.listeners} listeners in {opened:.1f} s")
    print(f"RSS idle: {before:.1f} MiB; with {args.listeners} listeners: {after:.1f} MiB")
    print(f"per idle listener: {per:.1f} KiB")
    record(Row("memory", "RSS of an idle server (no workers), MiB", f"{before:.1f}"))
    record(
        Row(
            "memory",
            f"RSS with {args.listeners:,} idle SSE listeners, MiB",
            f"{after:.1f}",
            f"{before:.1f} idle",
            f"{per:.1f} KiB per listener",
        )
    )


if __name__ == "__main__":
    main()
