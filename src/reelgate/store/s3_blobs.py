"""Blobs in an S3-compatible object store (AWS S3, MinIO, Ceph, ...), for several machines.

`s3://bucket/prefix` names where; the endpoint comes from `REELGATE_S3_ENDPOINT_URL` or
`AWS_ENDPOINT_URL`, credentials and region from the standard AWS environment variables or
profile (boto3 reads them; reelgate never logs them). Uploads go through boto3's managed
transfer, multipart above a threshold. An object appears only when its upload completes, so a
half-written blob is never served, as with the file store. Work in progress stays on local disk.
"""

from __future__ import annotations

import shutil
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import boto3
from boto3.exceptions import S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from reelgate.store.blob_storage import (
    BlobSource,
    RemoteBlob,
    StoredBlob,
    checked_key,
    describe_file,
    put_bytes_through_file,
)
from reelgate.store.faults import StorageFailed
from reelgate.store.staging import LocalStaging

_MIN_PART = 8 * 1024 * 1024  # S3 refuses parts under 5 MiB (except the last)
_STREAM_CHUNK = 256 * 1024
_DELETE_BATCH = 1000  # the most keys one DeleteObjects call takes


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str

    @classmethod
    def parse(cls, url: str) -> S3Location:
        """`s3://bucket` or `s3://bucket/some/prefix`."""
        scheme, _, rest = url.partition("://")
        bucket, _, prefix = rest.partition("/")
        if scheme != "s3" or not bucket:
            raise ValueError(f"storage must look like s3://bucket/prefix, got {url!r}")
        return cls(bucket=bucket, prefix=prefix.strip("/"))

    def object_key(self, key: str) -> str:
        relative = checked_key(key).as_posix()
        return f"{self.prefix}/{relative}" if self.prefix else relative


def _client(endpoint_url: str | None) -> Any:
    # Path-style addressing where an endpoint is given: MinIO and most self-hosted stores serve
    # buckets under the path, not as subdomains.
    style = "path" if endpoint_url else "auto"
    config = Config(signature_version="s3v4", s3={"addressing_style": style})
    return boto3.session.Session().client("s3", endpoint_url=endpoint_url, config=config)


class S3BlobStore:
    """Blobs as objects under `location`; staging under `staging_root` on local disk."""

    def __init__(
        self,
        location: S3Location,
        staging_root: Path,
        *,
        endpoint_url: str | None = None,
        public_endpoint_url: str | None = None,
        serve: Literal["proxy", "redirect"] = "proxy",
        presign_seconds: int = 300,
        multipart_threshold: int = 16 * 1024 * 1024,
    ) -> None:
        self.location = location
        self.serve = serve
        self.presign_seconds = presign_seconds
        self._client = _client(endpoint_url)
        # Presigned URLs must name a host the clients reach, which may differ from ours.
        self._signer = _client(public_endpoint_url) if public_endpoint_url else self._client
        self._transfer = TransferConfig(
            multipart_threshold=multipart_threshold,
            multipart_chunksize=max(multipart_threshold, _MIN_PART),
        )
        self._staging = LocalStaging(staging_root)

    def check(self) -> None:
        """Fail at start-up, not at the first job, when the bucket cannot be reached."""
        try:
            self._client.head_bucket(Bucket=self.location.bucket)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "?")
            raise RuntimeError(
                f"S3 bucket {self.location.bucket!r} is not usable (error {code})"
            ) from None

    def clear_staging(self) -> None:
        self._staging.clear()

    def staging_dir(self, prefix: str) -> Path:
        return self._staging.new_dir(prefix)

    def put_file(self, key: str, source: Path) -> StoredBlob:
        """Upload `source` (multipart when large), then remove it, as the file store moves it."""
        stored = describe_file(key, source)
        try:
            self._client.upload_file(
                str(source),
                self.location.bucket,
                self.location.object_key(key),
                Config=self._transfer,
            )
        except (BotoCoreError, ClientError, S3UploadFailedError) as exc:
            # A job that cannot store its outputs fails with `storage_error`, not a traceback.
            raise StorageFailed(
                f"the object store did not take the upload ({_reason(exc)})"
            ) from exc
        source.unlink(missing_ok=True)
        return stored

    def put_bytes(self, key: str, data: bytes) -> StoredBlob:
        return put_bytes_through_file(self, key, data)

    def exists(self, key: str) -> bool:
        try:
            self._client.head_object(Bucket=self.location.bucket, Key=self.location.object_key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def delete_prefix(self, prefix: str) -> None:
        # The trailing slash keeps `jobs/a` from also matching `jobs/ab`.
        folder = self.location.object_key(prefix).rstrip("/") + "/"
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.location.bucket, Prefix=folder
        )
        keys = [item["Key"] for page in pages for item in page.get("Contents", [])]
        for start in range(0, len(keys), _DELETE_BATCH):
            batch = keys[start : start + _DELETE_BATCH]
            self._client.delete_objects(
                Bucket=self.location.bucket,
                Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True},
            )

    def folders(self, prefix: str) -> list[str]:
        folder = self.location.object_key(prefix).rstrip("/") + "/"
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.location.bucket, Prefix=folder, Delimiter="/"
        )
        return [
            common["Prefix"][len(folder) :].rstrip("/")
            for page in pages
            for common in page.get("CommonPrefixes", [])
        ]

    def last_modified(self, prefix: str) -> float | None:
        folder = self.location.object_key(prefix).rstrip("/") + "/"
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.location.bucket, Prefix=folder
        )
        times = [
            item["LastModified"].timestamp() for page in pages for item in page.get("Contents", [])
        ]
        return max(times, default=None)

    def local_file(self, key: str, directory: Path) -> Path:
        target = directory.joinpath(*checked_key(key).parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        self._client.download_file(
            self.location.bucket, self.location.object_key(key), str(target), Config=self._transfer
        )
        return target

    @contextmanager
    def local_copy(self, key: str) -> Iterator[Path]:
        staging = self.staging_dir("copy")
        try:
            yield self.local_file(key, staging)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def source(self, key: str, size: int) -> BlobSource:
        return RemoteBlob(store=self, key=key, size=size, serve=self.serve)

    # -- serving -------------------------------------------------------------------------------

    def presigned_url(self, key: str, *, media_type: str, disposition: str) -> str:
        """A short-lived GET URL; the store answers with our media type and download name."""
        return self._signer.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.location.bucket,
                "Key": self.location.object_key(key),
                "ResponseContentType": media_type,
                "ResponseContentDisposition": disposition,
            },
            ExpiresIn=self.presign_seconds,
        )

    def open_range(self, key: str, start: int, end: int) -> Generator[bytes, None, None]:
        """The bytes `start..end` (inclusive) of a blob, as they arrive."""
        answer = self._client.get_object(
            Bucket=self.location.bucket,
            Key=self.location.object_key(key),
            Range=f"bytes={start}-{end}",
        )
        body = answer["Body"]
        try:
            yield from body.iter_chunks(_STREAM_CHUNK)
        finally:
            body.close()


def _reason(exc: BaseException) -> str:
    """The store's error code, or the kind of failure: never credentials or URLs."""
    cause: BaseException | None = exc
    while cause is not None:  # boto3's transfers wrap the store's answer
        if isinstance(cause, ClientError):
            return f"error {cause.response.get('Error', {}).get('Code', '?')}"
        cause = cause.__cause__ or cause.__context__
    return type(exc).__name__
