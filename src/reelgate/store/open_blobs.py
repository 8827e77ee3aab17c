"""Choose the blob store the settings name: files in the data directory, or an S3 bucket."""

from __future__ import annotations

import os

from reelgate.config import Settings
from reelgate.store.blob_storage import BlobStorage
from reelgate.store.blobs import BlobStore


def open_blob_store(settings: Settings) -> BlobStorage:
    """The configured store, its dead processes' staging leftovers already cleared."""
    store: BlobStorage
    if settings.storage is None:
        store = BlobStore(settings.blobs_dir)
    else:
        from reelgate.store.s3_blobs import S3BlobStore, S3Location  # boto3: the `s3` extra

        s3 = S3BlobStore(
            S3Location.parse(settings.storage),
            settings.data_dir / "staging",
            endpoint_url=settings.s3_endpoint_url or os.environ.get("AWS_ENDPOINT_URL"),
            public_endpoint_url=settings.s3_public_endpoint_url,
            serve=settings.s3_serve,
            presign_seconds=settings.s3_presign_seconds,
            multipart_threshold=settings.s3_multipart_threshold_bytes,
        )
        s3.check()
        store = s3
    store.clear_staging()
    return store
