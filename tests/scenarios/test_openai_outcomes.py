"""Every scripted outcome through the official `openai` SDK, unchanged: its retries and its
polling meet them as they would meet the real service's."""

from __future__ import annotations

import time
from typing import Any

import httpx
import openai
import pytest
from openai import OpenAI

from tests.conftest import SpecSchemas
from tests.scenarios.conftest import HEADER, JOBS, last_seq, recorded


def scripted(text: str) -> dict[str, Any]:
    return {"extra_headers": {HEADER: text}}


def view(api: httpx.Client, video_id: str) -> dict[str, Any]:
    return api.get(f"/api/jobs/{video_id}").json()


def test_input_moderation_refuses_the_job_at_creation(sdk: OpenAI, spec: SpecSchemas):
    video = sdk.videos.create(prompt="A calm lake", **scripted("fail=input_moderation"))
    spec.validate("VideoResource", video.model_dump(mode="json"))
    assert video.status == "failed" and video.error is not None
    assert video.error.code == "input_moderation"
    assert sdk.videos.retrieve(video.id).status == "failed"


def test_output_moderation_fails_after_running(sdk: OpenAI, spec: SpecSchemas):
    video = sdk.videos.create_and_poll(prompt="A calm lake", **scripted("fail=output_moderation"))
    spec.validate("VideoResource", video.model_dump(mode="json"))
    assert (video.status, video.progress) == ("failed", 100)
    assert video.error is not None and video.error.code == "output_moderation"
    with pytest.raises(openai.NotFoundError):
        sdk.videos.download_content(video.id)


def test_an_internal_error_at_a_given_progress(sdk: OpenAI):
    video = sdk.videos.create_and_poll(prompt="A calm lake", **scripted("error_at=40"))
    assert (video.status, video.progress) == ("failed", 40)
    assert video.error is not None and video.error.code == "internal_error"


def test_cancellation_reads_as_failed_cancelled(sdk: OpenAI, api: httpx.Client):
    video = sdk.videos.create_and_poll(prompt="A calm lake", **scripted("cancel_at=50"))
    assert (video.status, video.progress) == ("failed", 50)
    assert video.error is not None and video.error.code == "cancelled"
    assert api.get(f"{JOBS}/{video.id}").json()["status"] == "cancelled"  # Azure's own word


def test_a_job_stays_queued_for_the_scripted_time(sdk: OpenAI, api: httpx.Client):
    held = sdk.videos.create(prompt="A calm lake", **scripted("queued=60s"))
    response = sdk.videos.with_raw_response.retrieve(held.id)
    again = response.parse()
    assert (again.status, again.progress) == ("queued", 0)
    assert int(response.headers["openai-poll-after-ms"]) > 0
    queued = api.get(JOBS, params={"statuses": "queued"}).json()["data"]
    assert held.id in {job["id"] for job in queued}
    sdk.videos.delete(held.id)

    short = sdk.videos.create_and_poll(prompt="A calm lake", **scripted("queued=1s"))
    assert short.status == "completed"
    facts = view(api, short.id)
    assert facts["started_at"] - facts["created_at"] >= 1.0
    assert facts["scenario"] == "queued=1s"


def test_a_slow_job_reports_progress_along_the_way(sdk: OpenAI, api: httpx.Client):
    video = sdk.videos.create(prompt="A calm lake", **scripted("slow=2s"))
    seen: list[int] = []
    while (current := sdk.videos.retrieve(video.id)).status in ("queued", "in_progress"):
        seen.append(current.progress)
        time.sleep(0.1)
    assert current.status == "completed"
    assert seen == sorted(seen)
    assert len({value for value in seen if 0 < value < 100}) >= 2
    facts = view(api, video.id)
    assert facts["completed_at"] - facts["started_at"] >= 2.0


def test_429_on_create_is_retried_by_the_sdk(sdk: OpenAI, sdk_no_retries: OpenAI, api):
    start = last_seq(api)
    video = sdk.videos.create(prompt="Retry me", **scripted("rate_limit=2x@1s"))
    assert video.status == "queued"
    posts = recorded(api, method="POST", path="/v1/videos", after=start)
    assert [record["status"] for record in posts] == [429, 429, 200]
    retries = [record["headers"]["x-stainless-retry-count"] for record in posts]
    assert retries == ["0", "1", "2"]
    sdk.videos.delete(video.id)

    with pytest.raises(openai.RateLimitError) as caught:
        sdk_no_retries.videos.create(prompt="No retries", **scripted("rate_limit=1x@2s"))
    assert caught.value.response.headers["retry-after"] == "2"
    assert caught.value.code == "rate_limit_exceeded"
    let_through = sdk_no_retries.videos.create(prompt="Next", **scripted("rate_limit=1x@2s"))
    sdk.videos.delete(let_through.id)


def test_5xx_on_the_first_polls_is_retried_by_the_sdk(sdk: OpenAI, sdk_no_retries, api):
    start = last_seq(api)
    video = sdk.videos.create_and_poll(prompt="A calm lake", **scripted("poll_errors=2x503"))
    assert video.status == "completed"
    polls = recorded(api, method="GET", path=f"/v1/videos/{video.id}", after=start)
    assert [record["status"] for record in polls[:3]] == [503, 503, 200]
    assert {record["status"] for record in polls[2:]} == {200}

    other = sdk.videos.create(prompt="A calm lake", **scripted("poll_errors=1x500"))
    with pytest.raises(openai.InternalServerError) as caught:
        sdk_no_retries.videos.retrieve(other.id)
    assert caught.value.status_code == 500
    assert caught.value.body["type"] == "server_error"
    assert sdk_no_retries.videos.retrieve(other.id).id == other.id
    sdk.videos.delete(other.id)


def test_expired_content_is_gone(sdk: OpenAI, spec: SpecSchemas):
    video = sdk.videos.create_and_poll(prompt="A calm lake", **scripted("expired"))
    spec.validate("VideoResource", video.model_dump(mode="json"))
    assert video.status == "completed"
    assert video.expires_at is not None and video.expires_at <= time.time()
    with pytest.raises(openai.NotFoundError) as caught:
        sdk.videos.download_content(video.id)
    assert "expired" in caught.value.message


def test_a_bad_header_is_a_400_naming_the_term(sdk_no_retries: OpenAI, spec: SpecSchemas):
    with pytest.raises(openai.BadRequestError) as caught:
        sdk_no_retries.videos.create(prompt="A calm lake", **scripted("slow=2s; fial=1"))
    spec.validate("Error", caught.value.body)
    assert caught.value.code == "invalid_scenario"
    assert caught.value.param == HEADER
    assert "'fial=1'" in caught.value.message


def test_rules_from_the_file_apply_without_a_header(sdk: OpenAI, api: httpx.Client):
    refused = sdk.videos.create(prompt="Some forbidden words here")
    assert refused.error is not None and refused.error.code == "input_moderation"

    pro = sdk.videos.create_and_poll(prompt="A calm lake", model="sora-2-pro", size="1280x720")
    assert pro.error is not None and pro.error.code == "output_moderation"

    start = last_seq(api)
    flaky = sdk.videos.create(prompt="flaky connection")
    assert sdk.videos.retrieve(flaky.id).id == flaky.id  # two 502s, retried
    polls = recorded(api, method="GET", path=f"/v1/videos/{flaky.id}", after=start)
    assert [record["status"] for record in polls] == [502, 502, 200]
    sdk.videos.delete(flaky.id)

    # The header replaces the rules.
    chosen = sdk.videos.create(prompt="Some forbidden words here", **scripted("queued=60s"))
    assert chosen.status == "queued"
    assert view(api, chosen.id)["scenario"] == "queued=60s"
    sdk.videos.delete(chosen.id)
