"""A reelgate server in front of fake upstreams, for the provider tests: writes the routing
file, starts `reelgate serve --models ...` with the keys in its environment, and offers small
helpers to make jobs through either dialect and wait for them."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.server import ServerProcess

KEY_ENV = "FAKE_UPSTREAM_KEY"
SECRET = "sk-fake-9d2c1e7b4a"  # what the fakes accept; must never appear in reelgate's logs

# Fast polling and retries: the fakes finish in about a second.
FAST = {
    "api_key_env": KEY_ENV,
    "timeout_seconds": 5,
    "max_retries": 3,
    "retry_backoff_seconds": 0.05,
    "max_backoff_seconds": 0.2,
    "poll_interval_seconds": 0.1,
    "max_poll_interval_seconds": 0.3,
}


def provider(kind: str, base_url: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "base_url": base_url, **FAST, **extra}


def write_routing(path: Path, providers: dict[str, Any], models: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump({"providers": providers, "models": models}, sort_keys=False))
    return path


class Gateway:
    """One reelgate server with a routing file; restartable on the same data directory."""

    def __init__(
        self, tmp: Path, routing: Path, *, lease_seconds: float = 2.0, workers: int = 2
    ) -> None:
        self.server = ServerProcess(
            tmp / "data",
            workers=workers,
            env={
                KEY_ENV: SECRET,
                "REELGATE_LEASE_SECONDS": str(lease_seconds),
                "REELGATE_CONTENT_FILTER": "false",
            },
            extra_args=["--models", str(routing), "--log-level", "debug"],
        )
        self.http = httpx.Client(timeout=30)

    def __enter__(self) -> Gateway:
        self.server.start()
        self.http.base_url = httpx.URL(self.server.base_url)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.stop()
        self.http.close()

    def create(self, model: str, prompt: str, **fields: Any) -> dict[str, Any]:
        """A video through the OpenAI dialect (JSON)."""
        body = {"model": model, "prompt": prompt, "seconds": "4", "size": "1280x720", **fields}
        response = self.http.post("/v1/videos", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    def azure_create(self, model: str, prompt: str, **fields: Any) -> dict[str, Any]:
        body = {"model": model, "prompt": prompt, "width": 1280, "height": 720, "n_seconds": 5}
        response = self.http.post(
            "/openai/v1/video/generations/jobs?api-version=preview", json={**body, **fields}
        )
        assert response.status_code == 200, response.text
        return response.json()

    def wait(self, video_id: str, timeout: float = 30.0) -> dict[str, Any]:
        """Poll a video (OpenAI dialect) until it finishes."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            body = self.http.get(f"/v1/videos/{video_id}").json()
            if body["status"] in ("completed", "failed"):
                return body
            time.sleep(0.1)
        raise AssertionError(f"{video_id} did not finish in {timeout} s:\n{self.server.log()}")

    def wait_azure(self, job_id: str, timeout: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            body = self.http.get(f"/openai/v1/video/generations/jobs/{job_id}").json()
            if body["status"] in ("succeeded", "failed", "cancelled"):
                return body
            time.sleep(0.1)
        raise AssertionError(f"{job_id} did not finish in {timeout} s:\n{self.server.log()}")

    def job_row(self, video_id: str) -> dict[str, Any]:
        """The job's provider and upstream id, read from the database the server writes."""
        import sqlite3

        with sqlite3.connect(self.server.data_dir / "reelgate.sqlite3") as db:
            row = db.execute(
                "SELECT provider, upstream_ref, status FROM jobs WHERE id = ?", (video_id,)
            ).fetchone()
        return {"provider": row[0], "upstream_ref": row[1], "status": row[2]}
