"""Start and stop real `reelgate serve` processes on loopback for tests that are about the wire."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def orphan_files(data_dir: Path) -> list[str]:
    """Files in a stopped server's data directory that nothing accounts for: output files that
    are no asset's, inputs of jobs that do not exist, uploaded files and characters of no row,
    anything left in staging. (SQLite and media in the data directory only.)"""
    blobs = data_dir / "blobs"
    with sqlite3.connect(f"file:{data_dir / 'reelgate.sqlite3'}?mode=ro", uri=True) as db:
        job_ids = {row[0] for row in db.execute("SELECT id FROM jobs")}
        asset_keys = {row[0] for row in db.execute("SELECT blob_key FROM assets")}
        kept_keys = {  # the Files API's uploads and video characters
            row[0]
            for table in ("client_files", "video_characters")
            for row in db.execute(f"SELECT blob_key FROM {table}")
        }
    found = []
    for path in sorted(blobs.rglob("*")) if blobs.is_dir() else []:
        if not path.is_file():
            continue
        key = path.relative_to(blobs).as_posix()
        top, _, rest = key.partition("/")
        if top == "jobs" and key in asset_keys:
            continue
        if top == "inputs" and rest.partition("/")[0] in job_ids:
            continue
        if top in ("files", "characters") and key in kept_keys:
            continue
        found.append(key)
    return found


class ServerProcess:
    """One `reelgate serve` child process; restartable on the same port and data directory.

    `wrapper`: a command the server is started under (e.g. `unshare ...`, which must exec it).
    `check_orphans`: every graceful `stop()` asserts that the data directory holds no file that
    nothing accounts for (`orphan_files`)."""

    def __init__(
        self,
        data_dir: Path,
        *,
        workers: int = 2,
        env: dict[str, str] | None = None,
        extra_args: list[str] | None = None,
        wrapper: list[str] | None = None,
        check_orphans: bool = False,
    ):
        self.data_dir = data_dir
        self.workers = workers
        self.extra_args = extra_args or []
        self.wrapper = wrapper or []
        self.check_orphans = check_orphans
        self.port = free_port()
        self.env = {**os.environ, **(env or {})}
        self.log_path = data_dir.parent / f"server-{self.port}.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self._process is not None, "the server is not running"
        return self._process.pid

    def start(self, timeout: float = 30.0) -> None:
        command = [
            *self.wrapper,
            sys.executable,
            "-m",
            "reelgate",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
            "--workers",
            str(self.workers),
            "--no-access-log",
            "--log-level",
            "warning",
            *self.extra_args,
        ]
        log = self.log_path.open("ab")
        self._process = subprocess.Popen(command, stdout=log, stderr=log, env=self.env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log()}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not start in {timeout} s:\n{self.log()}")

    def stop(self, *, kill: bool = False, timeout: float = 15.0) -> int | None:
        """SIGTERM (or SIGKILL) and wait; the exit status, None if it was not running."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return None
        process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if self.check_orphans and not kill:
            leftovers = orphan_files(self.data_dir)
            assert not leftovers, f"files that belong to nothing: {leftovers}"
        return process.returncode

    def __enter__(self) -> ServerProcess:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class WorkerProcess:
    """One `reelgate worker` child process (no HTTP): started, killed or stopped by tests."""

    def __init__(
        self,
        data_dir: Path,
        database_url: str,
        *,
        concurrency: int = 1,
        env: dict[str, str] | None = None,
        extra_args: list[str] | None = None,
    ):
        self.command = [
            sys.executable, "-m", "reelgate", "worker", "--concurrency", str(concurrency),
            "--data-dir", str(data_dir), "--database-url", database_url, *(extra_args or []),
        ]  # fmt: skip
        self.env = {**os.environ, **(env or {})}
        self.log_path = data_dir.parent / f"worker-{id(self)}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(self.command, stdout=log, stderr=log, env=self.env)
        deadline = time.monotonic() + timeout
        while "worker running" not in self.log():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker did not start:\n{self.log()}")
            time.sleep(0.1)

    def stop(self, *, kill: bool = False) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            return self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
