"""`--pace realistic` as a whole server's setting, and a rules file that stops start-up."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from openai import OpenAI

from tests.scenarios.conftest import HEADER
from tests.server import ServerProcess, free_port


@pytest.fixture(scope="module")
def realistic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """No workers: what matters here is what each job is told and stores, not waiting it out."""
    data = tmp_path_factory.mktemp("realistic") / "data"
    with ServerProcess(data, workers=0, extra_args=["--pace", "realistic"]) as process:
        yield process


def test_realistic_pace_queues_and_paces_every_job(realistic: ServerProcess):
    sdk = OpenAI(base_url=f"{realistic.base_url}/v1", api_key="k", max_retries=0)
    response = sdk.videos.with_raw_response.create(prompt="A harbour", seconds="8")
    video = response.parse()
    assert response.headers["openai-poll-after-ms"] == "1000"
    own = sdk.videos.create(prompt="A harbour", extra_headers={HEADER: "slow=1s"})
    with httpx.Client(base_url=realistic.base_url) as api:
        assert api.get(f"/api/jobs/{video.id}").json()["scenario"] == "queued=3s; slow=55s"
        assert api.get(f"/api/jobs/{own.id}").json()["scenario"] == "queued=3s; slow=1s"


def test_a_bad_rules_file_stops_start_up_with_file_and_line(tmp_path: Path):
    rules = tmp_path / "bad.yaml"
    rules.write_text("rules:\n  - match: {prompt: x}\n    scenario: fail=nope\n")
    command = [
        sys.executable, "-m", "reelgate", "serve", "--port", str(free_port()),
        "--data-dir", str(tmp_path / "data"), "--scenarios", str(rules),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    message = " ".join(result.stderr.split())
    assert f"{rules}, line 3: rules.0.scenario: 'fail=nope': unknown reason" in message
