"""The S3 blob store against a real S3-compatible server (moto) through boto3."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from reelgate.config import Settings
from reelgate.store.blobs import BlobStore
from reelgate.store.open_blobs import open_blob_store
from reelgate.store.s3_blobs import S3BlobStore, S3Location
from tests.s3_server import S3_ENV, moto_s3_server, object_keys, s3_client

BUCKET = "media"
MiB = 1024 * 1024


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with moto_s3_server() as url:
        yield url


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in S3_ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def client(endpoint: str) -> Any:
    client = s3_client(endpoint)
    client.create_bucket(Bucket=BUCKET)
    yield client
    keys = object_keys(client, BUCKET)
    if keys:
        client.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": k} for k in keys]})
    client.delete_bucket(Bucket=BUCKET)


@pytest.fixture
def store(client: Any, endpoint: str, tmp_path: Path) -> S3BlobStore:
    return S3BlobStore(
        S3Location.parse(f"s3://{BUCKET}/tenant/media"),
        tmp_path / "staging",
        endpoint_url=endpoint,
        multipart_threshold=5 * MiB,
    )


def staged(store: S3BlobStore, data: bytes) -> Path:
    path = store.staging_dir("test") / "file"
    path.write_bytes(data)
    return path


def test_location_parsing():
    assert S3Location.parse("s3://bucket") == S3Location("bucket", "")
    assert S3Location.parse("s3://bucket/a/b/").object_key("jobs/x") == "a/b/jobs/x"
    for bad in ("bucket/prefix", "s3:///prefix", "file:///tmp"):
        with pytest.raises(ValueError):
            S3Location.parse(bad)
    with pytest.raises(ValueError):
        S3Location.parse("s3://bucket").object_key("../escape")


def test_put_exists_local_copy_and_delete_prefix(store: S3BlobStore, client: Any):
    source = staged(store, b"hello video")
    stored = store.put_file("jobs/j1/0/video.mp4", source)
    assert stored.size == 11 and stored.sha256 == hashlib.sha256(b"hello video").hexdigest()
    assert not source.exists()  # consumed, as the file store moves it
    store.put_bytes("jobs/j1/0/thumb.jpg", b"thumb")
    store.put_bytes("jobs/j10/0/video.mp4", b"other job")
    assert object_keys(client, BUCKET) == [
        "tenant/media/jobs/j1/0/thumb.jpg",
        "tenant/media/jobs/j1/0/video.mp4",
        "tenant/media/jobs/j10/0/video.mp4",
    ]
    assert store.exists("jobs/j1/0/video.mp4") and not store.exists("jobs/j1/0/missing")

    with store.local_copy("jobs/j1/0/video.mp4") as path:
        assert path.read_bytes() == b"hello video"
    assert not path.exists()

    store.delete_prefix("jobs/j1")
    assert object_keys(client, BUCKET) == ["tenant/media/jobs/j10/0/video.mp4"]


def test_large_files_are_uploaded_in_parts(store: S3BlobStore, client: Any, tmp_path: Path):
    data = os.urandom(9 * MiB)  # above the 5 MiB threshold: two 8 MiB-at-most parts
    stored = store.put_file("jobs/big/0/video.mp4", staged(store, data))
    head = client.head_object(Bucket=BUCKET, Key="tenant/media/jobs/big/0/video.mp4")
    assert head["ETag"].strip('"').endswith("-2")  # a multipart upload's ETag counts its parts
    assert stored.size == len(data) and stored.sha256 == hashlib.sha256(data).hexdigest()
    local = store.local_file("jobs/big/0/video.mp4", tmp_path / "inputs")
    assert local.read_bytes() == data
    small = store.put_file("jobs/small/0/video.mp4", staged(store, b"x" * 1000))
    small_head = client.head_object(Bucket=BUCKET, Key="tenant/media/jobs/small/0/video.mp4")
    assert "-" not in small_head["ETag"] and small.size == 1000


def test_ranged_reads_and_presigned_urls(store: S3BlobStore):
    store.put_bytes("jobs/r/0/video.mp4", bytes(range(256)))
    assert b"".join(store.open_range("jobs/r/0/video.mp4", 10, 19)) == bytes(range(10, 20))
    url = store.presigned_url(
        "jobs/r/0/video.mp4", media_type="video/mp4", disposition='inline; filename="r.mp4"'
    )
    answer = httpx.get(url)
    assert answer.status_code == 200 and answer.content == bytes(range(256))
    assert answer.headers["content-type"] == "video/mp4"
    assert answer.headers["content-disposition"] == 'inline; filename="r.mp4"'


def test_settings_choose_the_store(tmp_path: Path, client: Any, endpoint: str):
    default = open_blob_store(Settings(data_dir=tmp_path))
    assert isinstance(default, BlobStore) and default.root == tmp_path / "blobs"
    s3 = open_blob_store(
        Settings(data_dir=tmp_path, storage=f"s3://{BUCKET}/p", s3_endpoint_url=endpoint)
    )
    assert isinstance(s3, S3BlobStore) and s3.location == S3Location(BUCKET, "p")
    with pytest.raises(RuntimeError, match="not usable"):
        open_blob_store(
            Settings(data_dir=tmp_path, storage="s3://no-such-bucket", s3_endpoint_url=endpoint)
        )
    with pytest.raises(ValueError):
        Settings(storage="/srv/media")
