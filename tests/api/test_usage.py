"""`GET /api/usage` over real HTTP: the numbers match the jobs made, with estimated cost from
the configured price table."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

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
        rows = {(row["model"], row["tier"]): row for row in report["data"]}
        assert rows["sora-2", "256p"] == {
            "owner": None, "model": "sora-2", "tier": "256p", "jobs": 2, "failures": 0,
            "video_seconds": 1 + 2 * 2, "images": 0, "estimated_cost": 0.5,
        }  # fmt: skip
        # The blocked job: the OpenAI dialect's default size, 720x1280.
        assert rows["sora-2", "720p"]["failures"] == 1
        assert rows["veo-3", "256p"]["jobs"] == 1
        assert rows["veo-3", "256p"]["estimated_cost"] is None
        lamp = rows["gpt-image-1", "1024x1024 low"]
        assert (lamp["images"], lamp["estimated_cost"]) == (2, 0.08)
        assert report["totals"]["jobs"] == 5 and report["totals"]["estimated_cost"] == 0.58
        today = time.strftime("%Y-%m-%d", time.gmtime())
        assert http.get("/api/usage", params={"until": "2000-01-01"}).json()["data"] == []
        assert len(http.get("/api/usage", params={"since": today}).json()["data"]) == 4
        assert http.get("/api/usage", params={"since": "yesterday"}).status_code == 400


@pytest.mark.slow
def test_the_routing_files_prices_tier_by_resolution_and_image_size(tmp_path: Path):
    routing = tmp_path / "models.yaml"
    routing.write_text(
        "models:\n"
        "  tiered:\n"
        "    provider: preview\n"
        "    price: {per_request: 0.01, per_second: 0.05,\n"
        "            per_second_by_resolution: {720p: 0.10, 1080p: 0.30}}\n"
        "  picture:\n"
        "    kind: image\n"
        "    provider: preview\n"
        "    price: {per_image: 0.02, per_image_by_size: {1024x1024: 0.04, 1024x1024 high: 0.17}}\n"
    )
    with (
        ServerProcess(tmp_path / "data", extra_args=["--models", str(routing)]) as server,
        httpx.Client(base_url=server.base_url, timeout=60) as http,
    ):
        for width, height in ((1920, 1080), (1280, 720)):
            made = http.post(
                "/api/generate",
                json={"prompt": "A kite", "model": "tiered", "duration": 1, "width": width,
                      "height": height},
            )  # fmt: skip
            assert made.status_code == 200, made.text
            assert finish(http, made.json()["job_id"])["status"] == "completed"
        for quality in ("high", "low"):
            drawn = http.post(
                "/v1/images/generations",
                json={"prompt": "A lamp", "model": "picture", "size": "1024x1024",
                      "quality": quality},
            )  # fmt: skip
            assert drawn.status_code == 200, drawn.text

        rows = {(row["model"], row["tier"]): row for row in http.get("/api/usage").json()["data"]}
        # The same length at two resolutions: each tier's price, plus the price per request.
        assert rows["tiered", "1080p"]["estimated_cost"] == 0.31
        assert rows["tiered", "720p"]["estimated_cost"] == 0.11
        assert rows["picture", "1024x1024 high"]["estimated_cost"] == 0.17
        assert rows["picture", "1024x1024 low"]["estimated_cost"] == 0.04  # by size alone
        metrics = http.get("/metrics").text
        assert 'reelgate_usage_estimated_cost_usd{model="tiered",tier="1080p"} 0.31' in metrics
        assert 'reelgate_usage_video_seconds{model="tiered",tier="720p"} 1.0' in metrics
