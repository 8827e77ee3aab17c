"""The `Idempotency-Key` request header, reduced to what the core compares.

The fingerprint covers the operation (the route) and the parsed parameters, with each uploaded
file replaced by its digest: a client retrying the same create matches even though its
multipart boundary, field order or JSON spacing changed.
"""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from starlette.datastructures import UploadFile

from reelgate.core.errors import InvalidRequest
from reelgate.core.idempotency import MAX_KEY_LENGTH, IdempotencyClaim, fingerprint

HEADER = "idempotency-key"
_CHUNK = 1024 * 1024


def _file_digest(upload: UploadFile) -> dict[str, Any]:
    digest = hashlib.sha256()
    upload.file.seek(0)
    while chunk := upload.file.read(_CHUNK):
        digest.update(chunk)
    upload.file.seek(0)
    return {"file": upload.filename, "type": upload.content_type, "sha256": digest.hexdigest()}


def _canonical(value: Any) -> Any:
    if isinstance(value, UploadFile):
        return _file_digest(value)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {str(name): _canonical(item) for name, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    return value


async def idempotency_claim(request: Request, body: Any) -> IdempotencyClaim | None:
    """The request's claim on its Idempotency-Key, or None when it sent none. Call it before
    the body is taken apart: the whole body is what a retry must repeat."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidRequest(
            f"Invalid 'Idempotency-Key': expected 1 to {MAX_KEY_LENGTH} characters.",
            param="Idempotency-Key",
            code="invalid_value",
        )
    operation = f"{request.method} {request.url.path}"  # path ids included (a remix's source)
    canonical = await run_in_threadpool(_canonical, body)
    return IdempotencyClaim(key, fingerprint(operation, canonical))
