"""An S3-compatible server (moto's server mode) on a free loopback port, for the storage tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from tests.server import free_port

# Credentials the moto server accepts; the real client signs with them like with any store.
S3_ENV = {
    "AWS_ACCESS_KEY_ID": "reelgate-test",
    "AWS_SECRET_ACCESS_KEY": "reelgate-test-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/nonexistent/reelgate-test-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/reelgate-test-credentials",
}


@contextmanager
def moto_s3_server() -> Iterator[str]:
    """The endpoint URL of a fresh in-memory S3 server, stopped on exit."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def s3_client(endpoint: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=S3_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=S3_ENV["AWS_SECRET_ACCESS_KEY"],
        region_name=S3_ENV["AWS_DEFAULT_REGION"],
    )


def object_keys(client: Any, bucket: str, prefix: str = "") -> list[str]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", []))
