"""The app API (seed 004) honours the scenario header too: on create, and on status polls."""

from __future__ import annotations

import time

import httpx

from tests.scenarios.conftest import HEADER


def test_app_generate_follows_the_header_and_status_polls_fail_as_scripted(
    api: httpx.Client,
) -> None:
    made = api.post(
        "/api/generate",
        json={"prompt": "an app job", "duration": 1},
        headers={HEADER: "poll_errors=2x503; fail=output_moderation"},
    )
    assert made.status_code == 200, made.text
    job_id = made.json()["job_id"]
    polls = [api.get(f"/api/status/{job_id}") for _ in range(2)]
    assert [poll.status_code for poll in polls] == [503, 503]
    assert all("detail" in poll.json() for poll in polls)
    deadline = time.monotonic() + 30
    status = api.get(f"/api/status/{job_id}").json()
    while status["status"] not in ("completed", "failed") and time.monotonic() < deadline:
        time.sleep(0.2)
        status = api.get(f"/api/status/{job_id}").json()
    assert status["status"] == "failed", status
    bad = api.post("/api/generate", json={"prompt": "x"}, headers={HEADER: "fail=nope"})
    assert bad.status_code == 400 and HEADER in bad.json()["detail"]
