"""Memory of idle event-stream listeners: RSS of one `reelgate serve` process with no listener,
then with N idle `GET /api/events` connections on loopback (default 2,000).

    .venv/bin/python bench/bench_sse_memory.py [--listeners 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.server import ServerProcess


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


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


async def measure(server: ServerProcess, count: int) -> tuple[float, float]:
    pid = server._process.pid
    warm = await open_listeners(server.port, 20)  # warm the code paths, then drop them
    for writer in warm:
        writer.close()
    await asyncio.sleep(1.0)
    before = rss_mib(pid)
    started = time.perf_counter()
    writers = await open_listeners(server.port, count)
    opened = time.perf_counter() - started
    await asyncio.sleep(2.0)
    after = rss_mib(pid)
    for writer in writers:
        writer.close()
    print(f"opened {count} listeners in {opened:.1f} s")
    return before, after


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--listeners", type=int, default=2000)
    args = parser.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, args.listeners * 2 + 512), hard))
    data = Path(tempfile.mkdtemp(prefix="reelgate-bench-"))
    try:
        with ServerProcess(data / "data", workers=0) as server:
            before, after = asyncio.run(measure(server, args.listeners))
    finally:
        shutil.rmtree(data, ignore_errors=True)
    per = (after - before) * 1024 / args.listeners
    print(f"RSS idle: {before:.1f} MiB; with {args.listeners} listeners: {after:.1f} MiB")
    print(f"per idle listener: {per:.1f} KiB")


if __name__ == "__main__":
    main()
