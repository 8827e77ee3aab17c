"""The status poll with no network: reelgate's ASGI app called in a loop, in this process.

    .venv/bin/python bench/profile_polling.py [--requests 20000] [--profile]

Prints microseconds per `GET /v1/videos/{id}` through the whole application (middlewares,
routing, the store, rendering), which is steadier than wrk on a shared machine and shows what
the application itself costs. `--profile` adds cProfile's top functions by cumulative time.
For the real server under load, sample it with py-spy instead (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import tempfile
import time
from pathlib import Path
from typing import Any

import uvloop
from fastapi import FastAPI

from reelgate.app import create_app
from reelgate.config import Settings

Message = dict[str, Any]


async def call(app: FastAPI, method: str, path: str, body: bytes = b"") -> list[Message]:
    """One request as uvicorn would hand it over; returns what the app sent."""
    sent: list[Message] = []
    incoming = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> Message:
        return incoming.pop() if incoming else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    headers = [(b"host", b"127.0.0.1")]
    if body:
        headers += [(b"content-type", b"application/json")]
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": headers, "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000), "state": {},
    }  # fmt: skip
    await app(scope, receive, send)
    return sent


async def measure(requests: int, profile: bool) -> None:
    with tempfile.TemporaryDirectory() as data:
        app = create_app(Settings(data_dir=Path(data), workers=0))
        async with app.router.lifespan_context(app):
            created = await call(app, "POST", "/v1/videos", json.dumps({"prompt": "p"}).encode())
            path = f"/v1/videos/{json.loads(created[1]['body'])['id']}"
            answer = await call(app, "GET", path)
            assert answer[0]["status"] == 200, answer
            for _ in range(1000):  # warm up
                await call(app, "GET", path)
            profiler = cProfile.Profile() if profile else None
            if profiler:
                profiler.enable()
            started = time.perf_counter()
            for _ in range(requests):
                await call(app, "GET", path)
            elapsed = time.perf_counter() - started
            if profiler:
                profiler.disable()
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    note = " (inflated by cProfile)" if profile else ""
    print(f"{elapsed / requests * 1e6:.1f} µs per GET /v1/videos/{{id}}{note}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    uvloop.run(measure(args.requests, args.profile))


if __name__ == "__main__":
    main()
