"""What the gateway does across providers: fallbacks when the first provider is unreachable or
refuses (the job records who served it), and per-provider concurrency limits (queued jobs
wait, they are not refused)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.fakes.azure_jobs import FakeAzureJobs
from tests.fakes.base import Scripted
from tests.fakes.gateway import SECRET, Gateway, provider, write_routing
from tests.fakes.openai_videos import FakeOpenAI
from tests.server import free_port


@pytest.fixture(scope="module")
def fakes() -> Iterator[tuple[FakeOpenAI, FakeAzureJobs]]:
    with (
        FakeOpenAI(key=SECRET, duration=0.5) as openai,
        FakeAzureJobs(key=SECRET, duration=1.5) as azure,
    ):
        yield openai, azure


@pytest.fixture(scope="module")
def gateway(
    tmp_path_factory: pytest.TempPathFactory, fakes: tuple[FakeOpenAI, FakeAzureJobs]
) -> Iterator[Gateway]:
    openai, azure = fakes
    tmp = tmp_path_factory.mktemp("gateway")
    nowhere = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    routing = write_routing(
        tmp / "models.yaml",
        {
            "dead": provider("openai", nowhere, max_retries=1),
            "oa": provider("openai", f"{openai.origin}/v1"),
            "az": provider("azure-jobs", f"{azure.origin}/openai/v1", concurrency=1),
        },
        {
            "resilient": {"provider": "dead", "fallbacks": [{"provider": "oa"}]},
            "picky": {"provider": "oa", "fallbacks": [{"provider": "preview"}]},
            "limited": {"provider": "az"},
        },
    )
    with Gateway(tmp, routing) as running:
        yield running


def test_an_unreachable_provider_falls_back_to_the_next(gateway: Gateway, fakes):
    openai, _ = fakes
    before = openai.submissions
    done = gateway.wait(gateway.create("resilient", "Anyone there?")["id"])
    assert done["status"] == "completed", done
    assert gateway.job_row(done["id"])["provider"] == "oa"
    assert openai.submissions == before + 1


def test_a_refusing_provider_falls_back_to_the_preview_engine(gateway: Gateway, fakes):
    openai, _ = fakes
    openai.script("submit", Scripted(400, {"error": {"message": "model busy", "code": "x"}}))
    done = gateway.wait(gateway.create("picky", "Refused, then rendered")["id"])
    assert done["status"] == "completed", done
    assert gateway.job_row(done["id"])["provider"] == "preview"
    assert gateway.http.get(f"/v1/videos/{done['id']}/content").content[4:8] == b"ftyp"


def test_a_provider_at_its_concurrency_limit_keeps_jobs_queued(gateway: Gateway, fakes):
    _, azure = fakes
    azure.max_active = 0
    first = gateway.azure_create("limited", "First")
    second = gateway.azure_create("limited", "Second")
    deadline = time.monotonic() + 10
    while gateway.job_row(first["id"])["upstream_ref"] is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.5)  # two workers are idle: the second job still waits for room
    assert gateway.job_row(second["id"])["status"] == "queued"
    for job in (first, second):
        assert gateway.wait_azure(job["id"])["status"] == "succeeded"
    assert azure.max_active == 1  # never two at once upstream
