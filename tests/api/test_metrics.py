"""`/metrics` parses with the Prometheus client's own parser and counts what happened; every
response carries a request id, which error bodies repeat."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import wait_for


def scrape(http: httpx.Client) -> dict[str, dict[tuple, float]]:
    response = http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples: dict[str, dict[tuple, float]] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            key = tuple(sorted(sample.labels.items()))
            samples.setdefault(sample.name, {})[key] = sample.value
    return samples


def requests_of(samples: dict, route: str, status: str) -> float:
    key = (("method", "GET"), ("route", route), ("status", status))
    return samples.get("reelgate_http_requests_total", {}).get(key, 0.0)


def test_metrics_parse_and_count_requests_jobs_and_timings(http: httpx.Client):
    video = http.post("/v1/videos", json={"prompt": "A metered kite", "seconds": "4"}).json()
    wait_for(http, video["id"])
    before = scrape(http)
    for _ in range(3):
        assert http.get(f"/v1/videos/{video['id']}").status_code == 200
    http.get("/v1/videos/video_nope")
    after = scrape(http)
    route = "/v1/videos/{video_id}"
    assert requests_of(after, route, "200") - requests_of(before, route, "200") == 3
    assert requests_of(after, route, "404") - requests_of(before, route, "404") == 1
    assert (
        after["reelgate_http_request_duration_seconds_count"][(("method", "GET"), ("route", route))]
        >= 4
    )
    assert not any("video_nope" in str(key) for key in after["reelgate_http_requests_total"])
    assert after["reelgate_jobs"][(("status", "completed"),)] >= 1
    assert "reelgate_queue_depth" in after and "reelgate_queue_oldest_age_seconds" in after
    assert sum(after["reelgate_job_queue_seconds_count"].values()) >= 1
    completed = (("provider", "preview"), ("status", "completed"))
    assert after["reelgate_job_run_seconds_count"][completed] >= 1


def test_request_ids_are_sent_back_and_put_in_error_bodies(http: httpx.Client):
    mine = http.get("/v1/videos/video_nope", headers={"X-Request-Id": "trace-42"})
    assert mine.headers["x-request-id"] == "trace-42"
    assert mine.json()["request_id"] == "trace-42" and mine.json()["error"]["message"]
    made_up = http.get("/openai/v1/video/generations/jobs/nope?api-version=preview")
    request_id = made_up.headers["x-request-id"]
    assert request_id.startswith("req_") and made_up.json()["request_id"] == request_id
    app = http.get("/api/jobs/nope")  # seed 004's exact `{"detail"}`; the id is in the header
    assert app.json() == {"detail": "Job not found"} and app.headers["x-request-id"]
    assert (
        http.get("/healthz", headers={"X-Request-Id": "bad id <script>"})
        .headers["x-request-id"]
        .startswith("req_")
    )
    ok = http.get("/healthz")
    assert "request_id" not in ok.json()  # only error bodies are changed
