"""SIGKILL in the middle of many jobs: after a restart every job finishes, each exactly once.

The killed process leaves running jobs under leases that run out (`REELGATE_LEASE_SECONDS`), and
work in progress in its staging folder; the restarted server claims those jobs again, renders
them from the start, and clears the dead process's staging. Nothing is lost (every job made is
listed and finished), nothing is doubled (one generation per job, one set of files).
"""

from __future__ import annotations

import signal
import socket
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.server import ServerProcess

JOBS = 40
AZURE_JOBS = "/openai/v1/video/generations/jobs?api-version=preview"
CLIP = {"model": "sora", "width": 480, "height": 480, "n_seconds": 1}


def statuses(http: httpx.Client) -> dict[str, str]:
    """Every video job, by id, from the OpenAI list (paged): what a client can see."""
    found: dict[str, str] = {}
    after: str | None = None
    while True:
        params = {"limit": 100, **({"after": after} if after else {})}
        page = http.get("/v1/videos", params=params).json()
        for video in page["data"]:
            assert video["id"] not in found, f"{video['id']} listed twice"
            found[video["id"]] = video["status"]
        if not page["has_more"]:
            return found
        after = page["data"][-1]["id"]


def wait_until(
    http: httpx.Client, done: Callable[[dict[str, str]], bool], timeout: float = 90.0
) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = statuses(http)
        if done(seen):
            return seen
        time.sleep(0.1)
    raise AssertionError(f"not reached in {timeout} s: {seen}")


def test_every_job_finishes_exactly_once_after_a_sigkill(tmp_path: Path):
    data = tmp_path / "data"
    env = {"REELGATE_LEASE_SECONDS": "2"}
    server = ServerProcess(data, workers=4, env=env, check_orphans=True)
    server.start()
    try:
        with httpx.Client(base_url=server.base_url, timeout=30) as http:
            made = [
                http.post(AZURE_JOBS, json={**CLIP, "prompt": f"Crash test {n}"}).json()["id"]
                for n in range(JOBS)
            ]
            wait_until(
                http,
                lambda seen: (
                    list(seen.values()).count("completed") >= 4 and "in_progress" in seen.values()
                ),
            )
        dead_staging = data / "blobs" / ".staging" / f"{socket.gethostname()}-{server.pid}"
        server.stop(kill=True)
        assert dead_staging.is_dir()

        server.start()
        with httpx.Client(base_url=server.base_url, timeout=30) as http:
            final = wait_until(
                http, lambda seen: all(s in ("completed", "failed") for s in seen.values())
            )
            assert sorted(final) == sorted(made), "every job made is listed, no other"
            assert not dead_staging.exists(), "the dead process's work in progress is cleared"
            assert set(final.values()) == {"completed"}
            for job_id in made:
                job = http.get(f"/openai/v1/video/generations/jobs/{job_id}?api-version=preview")
                assert len(job.json()["generations"]) == 1
        with sqlite3.connect(data / "reelgate.sqlite3") as db:
            per_job = dict(db.execute("SELECT job_id, count(*) FROM generations GROUP BY job_id"))
            attempts = [row[0] for row in db.execute("SELECT attempts FROM jobs")]
        assert per_job == dict.fromkeys(made, 1)
        assert max(attempts) == 2, "some jobs were interrupted and run again"
        for job_id in made:
            assert [p.name for p in (data / "blobs" / "jobs" / job_id).iterdir()] == ["0"]
    finally:
        server.stop()  # graceful: checks that no file belongs to nothing, staging included


def test_sigterm_hands_running_jobs_back_and_exits_cleanly(tmp_path: Path):
    data = tmp_path / "data"
    server = ServerProcess(data, workers=4, check_orphans=True)
    server.start()
    try:
        with httpx.Client(base_url=server.base_url, timeout=30) as http:
            made = [
                http.post(AZURE_JOBS, json={**CLIP, "prompt": f"Stopped {n}"}).json()["id"]
                for n in range(8)
            ]
            wait_until(http, lambda seen: "in_progress" in seen.values())
        # uvicorn shuts down, then re-raises the signal it caught: a clean exit is "killed by
        # SIGTERM" after the shutdown ran. (stop() also checks the data directory.)
        assert server.stop() == -signal.SIGTERM
        assert "Traceback" not in server.log()
        with sqlite3.connect(data / "reelgate.sqlite3") as db:
            rows = db.execute("SELECT status, attempts, lease_owner FROM jobs").fetchall()
        assert {status for status, _, _ in rows} <= {"queued", "completed"}
        handed_back = [(attempts, owner) for status, attempts, owner in rows if status == "queued"]
        assert handed_back and set(handed_back) == {(0, None)}, "an interrupted run is no attempt"

        server.start()
        with httpx.Client(base_url=server.base_url, timeout=30) as http:
            final = wait_until(http, lambda seen: set(seen.values()) == {"completed"})
            assert sorted(final) == sorted(made)
        with sqlite3.connect(data / "reelgate.sqlite3") as db:
            assert {row[0] for row in db.execute("SELECT attempts FROM jobs")} == {1}
    finally:
        server.stop()
