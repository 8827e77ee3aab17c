"""A server in this process for `reelgate generate` with no `--server`: the same app, workers
and events as `reelgate serve`, on a free loopback port, so the CLI shows the same progress bar
either way and the job lands in the same data directory a later `reelgate serve` lists."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from reelgate.cli.client.errors import UNREACHABLE, ClientError
from reelgate.config import Settings

START_TIMEOUT = 30.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def embedded_server(data_dir: Path | None) -> Iterator[str]:
    """Serve on 127.0.0.1 until the block ends; yields the base URL."""
    from reelgate.app import create_app
    from reelgate.store.connect import open_store
    from reelgate.store.migrate import SchemaMismatch

    overrides: dict[str, Any] = {"host": "127.0.0.1", "port": _free_port()}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    settings = Settings(**overrides)
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        open_store(settings.database).close()
    except SchemaMismatch as exc:
        raise ClientError(str(exc), UNREACHABLE) from exc
    logging.getLogger("reelgate").setLevel(logging.WARNING)
    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        access_log=False,
        log_config=None,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="reelgate-embedded", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise ClientError("the in-process server did not start", UNREACHABLE)
        time.sleep(0.05)
    try:
        yield f"http://{settings.host}:{settings.port}"
    finally:
        server.should_exit = True
        thread.join(15)
