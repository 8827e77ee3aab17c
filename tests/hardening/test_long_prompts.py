"""The longest prompts a dialect allows cost a job no more than a short one, and stop when asked.

Before caption layout was bounded, one 3,000-letter word held a worker for minutes without a
heartbeat, so its lease ran out and a second worker took the same job and stalled too.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import wait_for
from tests.server import ServerProcess

AZURE_JOBS = "/openai/v1/video/generations/jobs?api-version=preview"
LONGEST = 32_000
ONE_WORD = "x" * LONGEST
CJK = ("漢字仮名交じり文" * LONGEST)[:LONGEST]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """Two workers and a 2-second lease: a job that reports nothing for 2 s is taken again."""
    data = tmp_path_factory.mktemp("long-prompts") / "data"
    with ServerProcess(data, workers=2, env={"REELGATE_LEASE_SECONDS": "2"}) as process:
        yield process


@pytest.fixture(scope="module")
def http(server: ServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=30) as session:
        yield session


def attempts(server: ServerProcess, job_id: str) -> int:
    """How many times a worker claimed the job."""
    path = f"file:{server.data_dir / 'reelgate.sqlite3'}?mode=ro"
    with sqlite3.connect(path, uri=True) as db:
        (count,) = db.execute("SELECT attempts FROM jobs WHERE id = ?", (job_id,)).fetchone()
    return int(count)


@pytest.mark.parametrize("prompt", [ONE_WORD, CJK], ids=["one-word", "cjk"])
def test_the_longest_prompt_renders_once(http: httpx.Client, server: ServerProcess, prompt: str):
    created = http.post("/v1/videos", json={"prompt": prompt, "seconds": "4", "size": "720x1280"})
    assert created.status_code == 200, created.text[:300]
    video = wait_for(http, created.json()["id"])
    assert video["status"] == "completed", video
    assert attempts(server, video["id"]) == 1


def test_an_azure_job_with_the_longest_prompt_completes(http: httpx.Client):
    body = {"model": "sora", "prompt": ONE_WORD, "width": 480, "height": 480, "n_seconds": 1}
    created = http.post(AZURE_JOBS, json=body)
    assert created.status_code == 200, created.text[:300]
    job_id = created.json()["id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = http.get(f"/openai/v1/video/generations/jobs/{job_id}?api-version=preview").json()
        if job["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.1)
    assert job["status"] == "succeeded", job


def test_an_image_with_the_longest_prompt_answers(http: httpx.Client):
    body = {"model": "gpt-image-1", "prompt": ONE_WORD, "size": "1024x1024", "quality": "low"}
    response = http.post("/v1/images/generations", json=body)
    assert response.status_code == 200, response.text[:300]
    assert response.json()["data"][0]["b64_json"]


def test_deleting_a_running_job_frees_its_worker_at_once(tmp_path: Path):
    """One worker, busy with minutes of work: once that job is deleted, the next one starts."""
    with (
        ServerProcess(tmp_path / "data", workers=1) as server,
        httpx.Client(base_url=server.base_url, timeout=30) as http,
    ):
        long_job = {
            "model": "sora",
            "prompt": CJK,
            "width": 1280,
            "height": 720,
            "n_seconds": 20,
            "n_variants": 2,
        }
        made = http.post(AZURE_JOBS, json=long_job)
        assert made.status_code == 200, made.text[:300]
        busy = made.json()["id"]
        deadline = time.monotonic() + 30
        while http.get(f"/v1/videos/{busy}").json()["progress"] < 1:
            assert time.monotonic() < deadline, "the long job never started"
            time.sleep(0.05)
        assert http.delete(f"/v1/videos/{busy}").status_code == 200
        deleted_at = time.monotonic()
        next_job = http.post("/v1/videos", json={"prompt": "next", "seconds": "4"}).json()["id"]
        while http.get(f"/v1/videos/{next_job}").json()["status"] == "queued":
            # Rendering the deleted job to its end would take minutes on any machine.
            assert time.monotonic() - deleted_at < 5, "the deleted job still holds the worker"
            time.sleep(0.05)
        assert wait_for(http, next_job)["status"] == "completed"
