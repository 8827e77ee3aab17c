"""One reelgate started as a test double: a rules file, request recording on, and the official
SDK pointed at it with its retries on, as an app under test would use it."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from openai import OpenAI

from tests.server import ServerProcess

HEADER = "x-reelgate-scenario"
JOBS = "/openai/v1/video/generations/jobs"

RULES = """\
rules:
  - match: {prompt: "forbidden words"}
    scenario: fail=input_moderation
  - match: {prompt_regex: "^flaky "}
    scenario: poll_errors=2x502
  - match: {model: sora-2-pro, size: 1280x720}
    scenario: fail=output_moderation
"""


@pytest.fixture(scope="session")
def double(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    root = tmp_path_factory.mktemp("double")
    rules = root / "scenarios.yaml"
    rules.write_text(RULES)
    extra = ["--scenarios", str(rules), "--record-requests"]
    with ServerProcess(root / "data", workers=2, extra_args=extra) as process:
        yield process


@pytest.fixture(scope="session")
def sdk(double: ServerProcess) -> OpenAI:
    """The SDK as an app configures it: retries on (429 and 5xx are retried)."""
    return OpenAI(base_url=f"{double.base_url}/v1", api_key="sk-app-secret", max_retries=3)


@pytest.fixture(scope="session")
def sdk_no_retries(double: ServerProcess) -> OpenAI:
    return OpenAI(base_url=f"{double.base_url}/v1", api_key="sk-app-secret", max_retries=0)


@pytest.fixture(scope="session")
def api(double: ServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=double.base_url, timeout=30) as client:
        yield client


def recorded(api: httpx.Client, **filters: Any) -> list[dict[str, Any]]:
    response = api.get("/api/recordings", params=filters)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def last_seq(api: httpx.Client) -> int:
    records = recorded(api)
    return records[-1]["seq"] if records else 0


def curl(
    url: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    json_body: Any = None,
) -> tuple[int, dict[str, str], Any]:
    """One request with curl: (status, response headers in lower case, JSON body or bytes)."""
    command = ["curl", "-sS", "-X", method, "-D", "-", url]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if json_body is not None:
        command += ["-H", "Content-Type: application/json", "--data-binary", json.dumps(json_body)]
    result = subprocess.run(command, capture_output=True, check=True, timeout=60)
    head, _, body = result.stdout.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    response_headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        response_headers[name.strip().lower()] = value.strip()
    status = int(status_line.split()[1])
    if body and "json" in response_headers.get("content-type", ""):
        return status, response_headers, json.loads(body)
    return status, response_headers, body
