"""`GET /api/usage` over real HTTP: the numbers match the jobs made, with estimated cost from
the configured price table."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx

from tests.server import ServerProcess

PRICES = {"sora-2": {"per_second": 0.1}, "gpt-image-1": {"per_image": 0.04}}


def finish(http: httpx.Client, job_id: str) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = http.get(f"/api/jobs/{job_id}").json()
        if job["status"] in ("completed", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"{job_id} did not finish")


def test_usage_matches_the_jobs_made(tmp_path: Path):
    env = {"REELGATE_PRICES": json.dumps(PRICES)}
    with (
        ServerProcess(tmp_path / "data", env=env) as server,
        httpx.Client(base_url=server.base_url, timeout=60) as http,
    ):
        small = {"width": 256, "height": 256}
        one = http.post("/api/generate", json={"prompt": "A kite", "duration": 1, **small})
        two = http.post(
            "/api/generate", json={"prompt": "A boat", "duration": 2, "n_variants": 2, **small}
        )
        other = http.post(
            "/api/generate", json={"prompt": "A bird", "duration": 1, "model": "veo-3", **small}
        )
        blocked = http.post("/v1/videos", json={"prompt": "A massacre at dawn"})
        images = http.post(
            "/v1/images/generations", json={"prompt": "A lamp", "model": "gpt-image-1", "n": 2,
                                            "size": "1024x1024", "quality": "low"},
        )  # fmt: skip
        assert all(r.status_code == 200 for r in (one, two, other, blocked, images))
        for made in (one, two, other):
            assert finish(http, made.json()["job_id"])["status"] == "completed"
        http.delete(f"/api/jobs/{one.json()['job_id']}")  # deleting keeps the usage

        report = http.get("/api/usage").json()
        rows = {row["model"]: row for row in report["data"]}
        assert rows["sora-2"] == {
            "owner": None, "model": "sora-2", "jobs": 3, "failures": 1,
            "video_seconds": 1 + 2 * 2, "images": 0, "estimated_cost": 0.5,
        }  # fmt: skip
        assert rows["veo-3"]["jobs"] == 1 and rows["veo-3"]["estimated_cost"] is None
        assert (rows["gpt-image-1"]["images"], rows["gpt-image-1"]["estimated_cost"]) == (2, 0.08)
        assert report["totals"]["jobs"] == 5 and report["totals"]["estimated_cost"] == 0.58
        today = time.strftime("%Y-%m-%d", time.gmtime())
        assert http.get("/api/usage", params={"until": "2000-01-01"}).json()["data"] == []
        assert len(http.get("/api/usage", params={"since": today}).json()["data"]) == 3
        assert http.get("/api/usage", params={"since": "yesterday"}).status_code == 400
