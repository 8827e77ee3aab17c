"""Azure OpenAI's images API over real HTTP: `AzureImagesResponse` with the content filter's
results, Azure's refusal of a blocked prompt, deployment names as model families, blocked video
jobs in Azure's words, and seed 001's image curl examples run unchanged."""

from __future__ import annotations

import base64
import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from openai import AzureOpenAI, OpenAI
from PIL import Image, ImageDraw

from tests.conftest import SpecSchemas
from tests.server import ServerProcess

IMAGES = "/openai/v1/images"
PREVIEW = {"api-version": "preview"}
SCRIPTS = Path(__file__).parent / "scripts"
FILTER_KEYS = {"hate", "sexual", "violence", "self_harm", "profanity", "jailbreak"}


def generate(http: httpx.Client, **body: Any) -> httpx.Response:
    return http.post(f"{IMAGES}/generations", params=PREVIEW, json=body)


def assert_azure_error(response: httpx.Response, spec: SpecSchemas, param: str | None, code: str):
    assert response.status_code == 400, response.text
    spec.validate("AzureErrorResponse", response.json())
    error = response.json()["error"]
    assert (error.get("param"), error["code"], error["type"]) == (param, code, "error"), error
    return error


def test_generation_carries_filter_results(http: httpx.Client, azure_images_spec: SpecSchemas):
    response = generate(
        http, model="gpt-image-1-deployment", prompt="A knight with a sword and a gun",
        quality="low", n=2,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    body = response.json()
    azure_images_spec.validate("AzureImagesResponse", body)
    assert len(body["data"]) == 2 and body["usage"]["output_tokens"] == 2 * 272
    for item in body["data"]:
        assert Image.open(io.BytesIO(base64.b64decode(item["b64_json"]))).size == (1024, 1024)
        prompt_results = item["prompt_filter_results"]
        assert set(prompt_results) == FILTER_KEYS
        # "gun" is low-severity violence: reported, not filtered (the default threshold is medium).
        assert prompt_results["violence"] == {"filtered": False, "severity": "low"}
        assert item["content_filter_results"]["violence"] == {"filtered": False, "severity": "low"}
        assert item["content_filter_results"]["hate"] == {"filtered": False, "severity": "safe"}
    assert body["prompt_filter_results"]["violence"]["severity"] == "low"


def test_deployment_names_choose_the_family(http: httpx.Client, azure_images_spec: SpecSchemas):
    dalle3 = generate(http, model="my-dalle3-prod", prompt="Mountains", response_format="b64_json")
    assert dalle3.status_code == 200, dalle3.text
    azure_images_spec.validate("AzureImagesResponse", dalle3.json())
    (item,) = dalle3.json()["data"]
    assert "revised_prompt" in item and "usage" not in dalle3.json()
    dalle2 = generate(http, model="dall-e-2-eastus", prompt="Mountains", size="512x512")
    assert dalle2.status_code == 200, dalle2.text
    url = dalle2.json()["data"][0]["url"]
    assert url.startswith(f"{str(http.base_url).rstrip('/')}/openai/v1/images/")
    assert Image.open(io.BytesIO(http.get(url).content)).size == (512, 512)
    refused = generate(http, model="dall-e-3-deployment", prompt="Mountains", n=2)
    assert_azure_error(refused, azure_images_spec, "n", "invalid_value")


def test_model_is_required(http: httpx.Client, azure_images_spec: SpecSchemas):
    response = generate(http, prompt="No deployment")
    assert_azure_error(response, azure_images_spec, "model", "missing_required_parameter")


def test_blocked_prompt_is_refused_the_azure_way(
    http: httpx.Client, azure_images_spec: SpecSchemas
):
    response = generate(http, model="gpt-image-1", prompt="Scenes of ethnic cleansing")
    error = assert_azure_error(response, azure_images_spec, "prompt", "content_filter")
    inner = error["inner_error"]
    assert inner["code"] == "ResponsibleAIPolicyViolation"
    results = inner["content_filter_results"]
    assert results["hate"] == {"filtered": True, "severity": "high"}
    assert results["sexual"] == {"filtered": False, "severity": "safe"}
    azure_images_spec.validate("AzureContentFilterImagePromptResults", results)


def test_edit_through_the_azure_openai_sdk_surface(
    server: ServerProcess, azure_images_spec: SpecSchemas
):
    azure = OpenAI(base_url=f"{server.base_url}/openai/v1", api_key="k", max_retries=0,
                   default_query=PREVIEW)  # fmt: skip
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), (10, 120, 200)).save(buffer, format="PNG")
    result = azure.images.edit(
        model="dall-e-2-deployment",
        image=("a.png", buffer.getvalue(), "image/png"),
        prompt="Add a moon",
        size="256x256",
        response_format="b64_json",
    )
    body = result.model_dump(mode="json", exclude_none=True)
    azure_images_spec.validate("AzureImagesResponse", body)
    assert set(body["data"][0]["prompt_filter_results"]) == FILTER_KEYS


def test_blocked_video_job_fails_with_input_moderation(http: httpx.Client, azure_spec: SpecSchemas):
    response = http.post(
        "/openai/v1/video/generations/jobs",
        params=PREVIEW,
        json={"prompt": "A massacre at dawn", "model": "sora", "width": 480, "height": 480},
    )
    assert response.status_code == 200, response.text
    job = response.json()
    azure_spec.validate("VideoGenerationJob", job)
    assert (job["status"], job["failure_reason"]) == ("failed", "input_moderation")
    again = http.get(f"/openai/v1/video/generations/jobs/{job['id']}", params=PREVIEW).json()
    assert again["status"] == "failed" and again["generations"] == []


@pytest.mark.skipif(
    not (shutil.which("jq") and shutil.which("curl") and shutil.which("base64")),
    reason="needs curl, jq and base64",
)
def test_seed_001_image_curl_examples_run_unchanged(server: ServerProcess, tmp_path: Path):
    original = Image.new("RGB", (1024, 1024), (250, 250, 250))
    ImageDraw.Draw(original).rectangle((300, 500, 700, 1000), fill=(40, 40, 40))
    original.save(tmp_path / "original.png")
    mask = Image.new("RGBA", (1024, 1024), (0, 0, 0, 255))
    ImageDraw.Draw(mask).rectangle((0, 0, 1023, 400), fill=(0, 0, 0, 0))  # the sky
    mask.save(tmp_path / "mask.png")
    result = subprocess.run(
        ["bash", str(SCRIPTS / "seed001_image_steps.sh")],
        cwd=tmp_path,
        env={"ENDPOINT": server.base_url, "PATH": "/usr/bin:/bin:/usr/local/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr

    gpt = Image.open(tmp_path / "gpt-image-1.png")
    assert (gpt.format, gpt.size) == ("PNG", (1024, 1024))
    assert (tmp_path / "dalle3-url.txt").read_text().startswith(server.base_url)
    dalle3 = Image.open(tmp_path / "dalle3.png")
    assert (dalle3.format, dalle3.size) == ("PNG", (1024, 1024))

    edited = Image.open(tmp_path / "edited-transparent.png")
    assert (edited.format, edited.mode, edited.size) == ("PNG", "RGBA", (1024, 1024))
    pixels = np.asarray(edited)
    kept = np.asarray(original.convert("RGBA"))
    assert np.array_equal(pixels[401:], kept[401:]), "below the mask's edge nothing changed"
    assert (pixels[:401, ..., 3] == 0).any(), "the sky became (partly) transparent"


def _azure_client(server: ServerProcess, api_version: str) -> AzureOpenAI:
    return AzureOpenAI(azure_endpoint=server.base_url, api_version=api_version, api_key="k",
                       max_retries=0)  # fmt: skip


@pytest.mark.parametrize("api_version", ["preview", "2025-04-01-preview"])
def test_the_azure_client_generates_through_its_deployment(
    server: ServerProcess, azure_images_spec: SpecSchemas, api_version: str
):
    # The SDK sends these to /openai/deployments/{model}/images/generations.
    client = _azure_client(server, api_version)
    result = client.images.generate(model="my-dalle3-prod", prompt="Mountains", size="1024x1024")
    body = result.model_dump(mode="json", exclude_none=True)
    azure_images_spec.validate("AzureImagesResponse", body)
    (item,) = body["data"]  # the deployment's name chose DALL-E 3: one image, a revised prompt
    assert "revised_prompt" in item and set(item["content_filter_results"]) <= FILTER_KEYS


def test_the_azure_client_edits_through_its_deployment(
    server: ServerProcess, azure_images_spec: SpecSchemas
):
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), (10, 120, 200)).save(buffer, format="PNG")
    result = _azure_client(server, "preview").images.edit(
        model="dall-e-2-deployment",
        image=("a.png", buffer.getvalue(), "image/png"),
        prompt="Add a moon",
        size="256x256",
        response_format="b64_json",
    )
    body = result.model_dump(mode="json", exclude_none=True)
    azure_images_spec.validate("AzureImagesResponse", body)
    picture = Image.open(io.BytesIO(base64.b64decode(body["data"][0]["b64_json"])))
    assert picture.size == (256, 256)


def test_the_path_names_the_deployment_over_the_body(
    http: httpx.Client, azure_images_spec: SpecSchemas
):
    response = http.post(
        "/openai/deployments/dall-e-3-eastus/images/generations",
        params=PREVIEW,
        json={"model": "gpt-image-1", "prompt": "Mountains", "n": 2},
    )  # DALL-E 3 makes one image at a time, so the path's deployment is the one asked
    assert_azure_error(response, azure_images_spec, "n", "invalid_value")


@pytest.mark.parametrize("version", ["2025-04-01", "latest", ""])
def test_deployment_routes_refuse_other_api_versions(
    http: httpx.Client, azure_images_spec: SpecSchemas, version: str
):
    response = http.post(
        "/openai/deployments/gpt-image-1/images/generations",
        params={"api-version": version},
        json={"prompt": "Mountains"},
    )
    if version == "2025-04-01":  # a dated version without -preview is a real GA version
        assert response.status_code == 200, response.text
        return
    error = assert_azure_error(response, azure_images_spec, "api-version", "invalid_value")
    assert "api-version" in error["message"]


def test_an_unknown_deployment_route_is_a_404_in_azures_envelope(
    http: httpx.Client, azure_images_spec: SpecSchemas
):
    response = http.post("/openai/deployments/x/images/variations", params=PREVIEW, json={})
    assert response.status_code == 404, response.text
    azure_images_spec.validate("AzureErrorResponse", response.json())
