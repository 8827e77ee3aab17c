"""`reelgate serve --storage s3://...` against an S3-compatible server (moto) on loopback.

Everything a client stores or downloads goes through the real boto3 client to that server:
outputs, inputs the worker reads back (a reference image, a remix's source), and downloads,
passed through with Range support or redirected to a presigned URL.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openai import OpenAI
from PIL import Image

from tests.media_checks import decode_mp4, png_bytes
from tests.s3_server import S3_ENV, moto_s3_server, object_keys, s3_client
from tests.server import ServerProcess

BUCKET = "reelgate-media"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with moto_s3_server() as url:
        s3_client(url).create_bucket(Bucket=BUCKET)
        yield url


@pytest.fixture(scope="module")
def bucket(endpoint: str) -> Any:
    return s3_client(endpoint)


def s3_server(tmp_path: Path, endpoint: str, serve: str) -> ServerProcess:
    return ServerProcess(
        tmp_path / "data",
        extra_args=["--storage", f"s3://{BUCKET}/{serve}"],
        env={**S3_ENV, "REELGATE_S3_ENDPOINT_URL": endpoint, "REELGATE_S3_SERVE": serve},
    )


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory, endpoint: str) -> Iterator[ServerProcess]:
    with s3_server(tmp_path_factory.mktemp("s3-proxy"), endpoint, "proxy") as process:
        yield process


@pytest.fixture(scope="module")
def redirected(tmp_path_factory: pytest.TempPathFactory, endpoint: str) -> Iterator[ServerProcess]:
    with s3_server(tmp_path_factory.mktemp("s3-redirect"), endpoint, "redirect") as process:
        yield process


def sdk(server: ServerProcess) -> OpenAI:
    return OpenAI(base_url=f"{server.base_url}/v1", api_key="anything", max_retries=0)


def test_proxied_downloads_with_ranges_and_deletion(proxied: ServerProcess, bucket: Any):
    client = sdk(proxied)
    video = client.videos.create_and_poll(prompt="Kites over a bay", size="1280x720")
    assert video.status == "completed", video.error
    folder = f"proxy/jobs/{video.id}/"
    stored = object_keys(bucket, BUCKET, folder)
    assert f"{folder}0/video.mp4" in stored and len(stored) >= 3  # + thumbnail, spritesheet...
    assert not list((proxied.data_dir / "blobs").rglob("*.mp4"))  # nothing on local disk

    full = client.videos.download_content(video.id).content
    assert decode_mp4(full).width == 1280
    assert full == bucket.get_object(Bucket=BUCKET, Key=f"{folder}0/video.mp4")["Body"].read()

    with httpx.Client(base_url=proxied.base_url, timeout=30) as http:
        path = f"/v1/videos/{video.id}/content"
        whole = http.get(path)
        assert whole.status_code == 200 and whole.content == full
        assert whole.headers["content-type"] == "video/mp4"
        assert whole.headers["accept-ranges"] == "bytes"
        assert whole.headers["content-disposition"] == f'inline; filename="{video.id}.mp4"'
        assert int(whole.headers["content-length"]) == len(full)

        head = http.head(path)
        assert head.status_code == 200 and head.content == b""
        assert int(head.headers["content-length"]) == len(full)

        part = http.get(path, headers={"Range": "bytes=100-1099"})
        assert part.status_code == 206 and part.content == full[100:1100]
        assert part.headers["content-range"] == f"bytes 100-1099/{len(full)}"
        assert part.headers["content-length"] == "1000"
        tail = http.get(path, headers={"Range": "bytes=-10"})
        assert tail.status_code == 206 and tail.content == full[-10:]
        beyond = http.get(path, headers={"Range": f"bytes={len(full)}-"})
        assert beyond.status_code == 416
        assert beyond.headers["content-range"] == f"bytes */{len(full)}"
        assert beyond.json()["error"]["message"] == (  # the dialect's envelope, not plain text
            f"The requested range is not satisfiable: the file is {len(full)} bytes."
        )

        thumb = http.get(path, params={"variant": "thumbnail"})
        assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/webp"

        download = http.get(http.get(f"/api/status/{video.id}").json()["video_url"])
        assert download.status_code == 200 and download.content == full
        assert download.headers["content-disposition"].startswith("attachment;")

    client.videos.delete(video.id)
    assert object_keys(bucket, BUCKET, folder) == []


def test_worker_reads_inputs_back_from_the_store(proxied: ServerProcess, bucket: Any):
    client = sdk(proxied)
    red = png_bytes((230, 20, 20))
    video = client.videos.create_and_poll(
        prompt="A red room", input_reference=("ref.png", red, "image/png"), size="1280x720"
    )
    assert video.status == "completed", video.error
    assert object_keys(bucket, BUCKET, f"proxy/inputs/{video.id}/")
    first = decode_mp4(client.videos.download_content(video.id).content).first_frame
    mean = first.reshape(-1, 3).mean(axis=0)
    assert mean[0] > 120 and mean[0] > mean[1] + 60 and mean[0] > mean[2] + 60, mean

    remix = client.videos.poll(client.videos.remix(video.id, prompt="A blue room").id)
    assert remix.status == "completed", remix.error
    assert decode_mp4(client.videos.download_content(remix.id).content).width == 1280


def test_images_b64_and_links(proxied: ServerProcess, bucket: Any):
    client = sdk(proxied)
    result = client.images.generate(model="gpt-image-1", prompt="A lighthouse", quality="low")
    image = Image.open(io.BytesIO(base64.b64decode(result.data[0].b64_json)))
    assert image.format == "PNG"
    edited = client.images.edit(
        model="gpt-image-1", image=("in.png", png_bytes((0, 0, 255), (256, 256)), "image/png"),
        prompt="Add a moon",
    )  # fmt: skip
    assert Image.open(io.BytesIO(base64.b64decode(edited.data[0].b64_json))).format == "PNG"
    inputs = object_keys(bucket, BUCKET, "proxy/inputs/")
    assert any(key.endswith("/image-0.png") for key in inputs)  # what the worker read back
    linked = client.images.generate(model="dall-e-3", prompt="A harbour", response_format="url")
    answer = httpx.get(linked.data[0].url, timeout=30)
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(answer.content)).format == "PNG"


def test_redirects_to_presigned_urls(redirected: ServerProcess, endpoint: str, bucket: Any):
    client = sdk(redirected)
    video = client.videos.create_and_poll(prompt="Harbour lights", size="1280x720")
    assert video.status == "completed", video.error
    stored = bucket.get_object(Bucket=BUCKET, Key=f"redirect/jobs/{video.id}/0/video.mp4")
    full = stored["Body"].read()
    with httpx.Client(base_url=redirected.base_url, timeout=30) as http:
        path = f"/v1/videos/{video.id}/content"
        answer = http.get(path)
        assert answer.status_code == 307 and answer.headers["location"].startswith(endpoint)
        assert answer.headers["cache-control"] == "no-store"
        followed = http.get(path, follow_redirects=True)
        assert followed.status_code == 200 and followed.content == full
        assert followed.headers["content-type"] == "video/mp4"
        assert followed.headers["content-disposition"] == f'inline; filename="{video.id}.mp4"'
        ranged = http.get(path, headers={"Range": "bytes=0-99"}, follow_redirects=True)
        assert ranged.status_code == 206 and ranged.content == full[:100]
        head = http.head(path)  # a presigned GET URL refuses HEAD: answered here
        assert head.status_code == 200 and int(head.headers["content-length"]) == len(full)
    # The SDK follows the redirect too.
    assert client.videos.download_content(video.id).content == full
