"""Images under non-default settings, on a server of their own: image URLs that expire after
`REELGATE_IMAGE_URL_TTL_SECONDS`, and a content filter configured from a JSON file (custom
blocklists, thresholds) applied to images and videos in both dialects."""

from __future__ import annotations

import json
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from openai import OpenAI

from tests.conftest import SpecSchemas
from tests.server import ServerProcess

FILTER_CONFIG = {
    "categories": {
        "violence": {"threshold": "off"},
        "sexual": {"threshold": "low", "terms": {"low": ["swimsuit"]}},
        "profanity": {"filter": True, "terms": ["heck"]},
    },
    "blocklists": [{"id": "competitors", "terms": ["Globex", "Initech Corp"]}],
}


@pytest.fixture(scope="module")
def configured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    folder = tmp_path_factory.mktemp("configured")
    config = folder / "filter.json"
    config.write_text(json.dumps(FILTER_CONFIG))
    env = {
        "REELGATE_IMAGE_URL_TTL_SECONDS": "2",
        "REELGATE_CONTENT_FILTER_CONFIG": str(config),
    }
    with ServerProcess(folder / "data", workers=1, env=env) as process:
        yield process


@pytest.fixture(scope="module")
def http(configured: ServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=configured.base_url, timeout=30) as session:
        yield session


def generate(http: httpx.Client, prefix: str, prompt: str, **body: object) -> httpx.Response:
    return http.post(
        f"{prefix}/images/generations", json={"model": "dall-e-2", "prompt": prompt,
                                              "size": "256x256", **body}
    )  # fmt: skip


def test_urls_expire_with_a_clear_answer_in_each_dialect(
    http: httpx.Client, images_spec: SpecSchemas, azure_images_spec: SpecSchemas
):
    openai_url = generate(http, "/v1", "Expiring").json()["data"][0]["url"]
    azure_url = generate(http, "/openai/v1", "Expiring").json()["data"][0]["url"]
    assert http.get(openai_url).status_code == 200
    assert http.get(azure_url).status_code == 200
    time.sleep(2.2)
    expired = http.get(openai_url)
    assert expired.status_code == 404
    images_spec.validate("ErrorResponse", expired.json())
    assert expired.json()["error"]["code"] == "url_expired"
    assert "expired" in expired.json()["error"]["message"]
    azure_expired = http.get(azure_url)
    assert azure_expired.status_code == 404
    azure_images_spec.validate("AzureErrorResponse", azure_expired.json())
    assert azure_expired.json()["error"]["code"] == "url_expired"


def test_the_signing_secret_is_private_to_the_data_directory(configured: ServerProcess):
    secret = configured.data_dir / "image-url-secret"
    assert stat.S_IMODE(os.stat(secret).st_mode) == 0o600
    assert len(bytes.fromhex(secret.read_text().strip())) == 32


def test_custom_blocklist_blocks_images_in_both_dialects(
    http: httpx.Client, azure_images_spec: SpecSchemas, images_spec: SpecSchemas
):
    azure = generate(http, "/openai/v1", "A billboard for initech   corp")
    assert azure.status_code == 400
    azure_images_spec.validate("AzureErrorResponse", azure.json())
    results = azure.json()["error"]["inner_error"]["content_filter_results"]
    assert results["custom_blocklists"] == {
        "filtered": True,
        "details": [{"filtered": True, "id": "competitors"}],
    }
    openai_refusal = generate(http, "/v1", "The Globex logo")
    assert openai_refusal.status_code == 400
    images_spec.validate("ErrorResponse", openai_refusal.json())
    assert "competitors" in openai_refusal.json()["error"]["message"]
    # Whole words only: "Globexian" is another word.
    allowed = generate(http, "/openai/v1", "A Globexian landscape")
    assert allowed.status_code == 200
    blocklists = allowed.json()["data"][0]["prompt_filter_results"]["custom_blocklists"]
    assert blocklists == {"filtered": False, "details": [{"filtered": False, "id": "competitors"}]}


def test_thresholds_and_added_terms_apply(http: httpx.Client):
    assert generate(http, "/v1", "A massacre").status_code == 200, "violence is switched off"
    assert generate(http, "/v1", "A red swimsuit").status_code == 400, "an added low term"
    assert generate(http, "/v1", "What the heck").status_code == 400, "profanity now filtered"


def test_configured_filter_fails_video_jobs_in_both_dialects(configured: ServerProcess):
    client = OpenAI(base_url=f"{configured.base_url}/v1", api_key="k", max_retries=0)
    video = client.videos.create(prompt="An ad for Globex", seconds="4")
    assert (video.status, video.error.code if video.error else None) == (
        "failed",
        "input_moderation",
    )
    job = httpx.post(
        f"{configured.base_url}/openai/v1/video/generations/jobs",
        json={"prompt": "An ad for Globex", "model": "m", "width": 480, "height": 480},
    ).json()
    assert (job["status"], job["failure_reason"]) == ("failed", "input_moderation")


def test_an_invalid_filter_config_stops_the_server(tmp_path: Path):
    config = tmp_path / "bad.json"
    config.write_text(json.dumps({"categories": {"violence": {"threshold": "extreme"}}}))
    process = ServerProcess(
        tmp_path / "data", workers=0, env={"REELGATE_CONTENT_FILTER_CONFIG": str(config)}
    )
    with pytest.raises(RuntimeError, match="content filter config"):
        process.start(timeout=20)
    process.stop()
