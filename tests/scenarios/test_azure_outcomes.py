"""Every scripted outcome on Azure's video-jobs paths, with curl as the client: statuses,
`failure_reason`, `cancelled`, 429 and 5xx in Azure's error envelope."""

from __future__ import annotations

import shutil
import time
from typing import Any

import pytest

from tests.conftest import SpecSchemas
from tests.scenarios.conftest import HEADER, JOBS, curl
from tests.server import ServerProcess

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")

PREVIEW = "?api-version=preview"
BODY = {"prompt": "A red kite", "model": "video-deployment", "width": 480, "height": 480,
        "n_seconds": 1}  # fmt: skip


def create(double: ServerProcess, scenario: str, **fields: Any) -> tuple[int, dict, Any]:
    return curl(
        f"{double.base_url}{JOBS}{PREVIEW}",
        method="POST",
        headers={HEADER: scenario, "api-key": "azure-secret"},
        json_body={**BODY, **fields},
    )


def created(double: ServerProcess, scenario: str) -> dict[str, Any]:
    status, _, job = create(double, scenario)
    assert status == 200, job
    return job


def wait_job(double: ServerProcess, job_id: str) -> tuple[dict[str, Any], list[str]]:
    """Poll with curl until the job ends; the job and every status seen on the way."""
    seen: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status, _, job = curl(f"{double.base_url}{JOBS}/{job_id}{PREVIEW}")
        assert status == 200, job
        if not seen or seen[-1] != job["status"]:
            seen.append(job["status"])
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job, seen
        time.sleep(0.05)
    raise AssertionError(f"{job_id} did not finish: {seen}")


def assert_azure_error(body: Any, azure_spec: SpecSchemas, code: str) -> dict[str, Any]:
    azure_spec.validate("AzureOpenAIVideoGenerationErrorResponse", body["error"])
    assert body["error"]["code"] == code, body
    return body["error"]


def test_input_moderation_is_a_job_born_failed(double: ServerProcess, azure_spec: SpecSchemas):
    job = created(double, "fail=input_moderation")
    azure_spec.validate("VideoGenerationJob", job)
    assert (job["status"], job["failure_reason"]) == ("failed", "input_moderation")


@pytest.mark.parametrize(
    ("scenario", "reason"),
    [("fail=output_moderation", "output_moderation"), ("error_at=30", "internal_error")],
)
def test_failures_after_or_while_running(
    double: ServerProcess, azure_spec: SpecSchemas, scenario: str, reason: str
):
    job, seen = wait_job(double, created(double, scenario)["id"])
    azure_spec.validate("VideoGenerationJob", job)
    assert (job["status"], job["failure_reason"], job["generations"]) == ("failed", reason, [])
    assert "finished_at" in job and seen[-1] == "failed"


def test_cancellation_is_azures_cancelled_status(double: ServerProcess, azure_spec: SpecSchemas):
    job, _ = wait_job(double, created(double, "cancel_at=0")["id"])
    azure_spec.validate("VideoGenerationJob", job)
    assert job["status"] == "cancelled" and "failure_reason" not in job
    status, _, listed = curl(f"{double.base_url}{JOBS}{PREVIEW}&statuses=cancelled")
    assert status == 200 and job["id"] in {item["id"] for item in listed["data"]}


def test_queued_then_slow_walks_through_the_statuses(double: ServerProcess):
    job, seen = wait_job(double, created(double, "queued=1s; slow=2s")["id"])
    assert job["status"] == "succeeded"
    assert seen[0] == "queued" and seen[-1] == "succeeded" and "running" in seen


def test_429_with_retry_after_then_let_through(double: ServerProcess, azure_spec: SpecSchemas):
    status, headers, body = create(double, "rate_limit=1x@3s")
    assert (status, headers["retry-after"]) == (429, "3")
    assert_azure_error(body, azure_spec, "429")
    status, _, job = create(double, "rate_limit=1x@3s")
    assert status == 200 and job["status"] == "queued"


def test_5xx_on_the_first_polls(double: ServerProcess, azure_spec: SpecSchemas):
    job = created(double, "poll_errors=2x500")
    url = f"{double.base_url}{JOBS}/{job['id']}{PREVIEW}"
    for _ in range(2):
        status, _, body = curl(url)
        assert status == 500
        error = assert_azure_error(body, azure_spec, "internal_error")
        assert error["type"] == "server_error"
    status, _, body = curl(url)
    assert status == 200 and body["id"] == job["id"]


def test_expired_content_answers_404(double: ServerProcess, azure_spec: SpecSchemas):
    job, _ = wait_job(double, created(double, "expired")["id"])
    azure_spec.validate("VideoGenerationJob", job)
    assert job["status"] == "succeeded" and job["expires_at"] <= job["finished_at"]
    generation = job["generations"][0]["id"]
    url = f"{double.base_url}/openai/v1/video/generations/{generation}/content/video{PREVIEW}"
    status, _, body = curl(url)
    assert status == 404
    assert "expired" in assert_azure_error(body, azure_spec, "not_found")["message"]


def test_a_bad_header_is_a_400_in_azures_envelope(double: ServerProcess, azure_spec):
    status, _, body = create(double, "poll_errors=2x404")
    assert status == 400
    error = assert_azure_error(body, azure_spec, "invalid_scenario")
    assert error["param"] == HEADER and "'poll_errors=2x404'" in error["message"]
