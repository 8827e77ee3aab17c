"""Signed, expiring image URLs (`response_format=url`), as OpenAI's DALL-E URLs expire.

A link is `.../images/{image id}/content?expires=<unix time>&signature=<hex>`, the signature an
HMAC-SHA256 over the id and the expiry with a secret kept in the data directory (created on
first start, mode 0600, shared by every process on that directory). Nothing is stored per
link; an expired or altered link answers 404 with a message that says which.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from reelgate.core.errors import NotFound

SECRET_FILE = "image-url-secret"


def load_or_create_secret(data_dir: Path) -> bytes:
    """The data directory's signing secret; the first process to start creates it. A new file
    is written aside and linked into place, so concurrent starts agree on one secret."""
    path = data_dir / SECRET_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        temp = data_dir / f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_hex(32))
                handle.flush()
                os.fsync(handle.fileno())
            with contextlib.suppress(FileExistsError):  # another process won: use its secret
                os.link(temp, path)
        finally:
            temp.unlink(missing_ok=True)
    return bytes.fromhex(path.read_text().strip())


class ImageLinks:
    def __init__(
        self, secret: bytes, ttl_seconds: int, clock: Callable[[], float] = time.time
    ) -> None:
        self._secret = secret
        self.ttl_seconds = ttl_seconds
        self._clock = clock

    def _signature(self, image_id: str, expires: int) -> str:
        message = f"{image_id}.{expires}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def url(self, base_url: str, image_id: str) -> str:
        """A link to the image valid for `ttl_seconds` from now; `base_url` ends with the
        dialect's images path (e.g. `http://host/v1/images`)."""
        expires = int(self._clock()) + self.ttl_seconds
        query = urlencode({"expires": expires, "signature": self._signature(image_id, expires)})
        return f"{base_url.rstrip('/')}/{image_id}/content?{query}"

    def check(self, image_id: str, expires: str | None, signature: str | None) -> None:
        """Accept a link, or say why not (404: the link is no way into anything)."""
        if not expires or not signature or not expires.isdigit():
            raise NotFound(
                "This image URL is incomplete: it needs its 'expires' and 'signature' query "
                "parameters, exactly as the API returned them.",
                code="invalid_url",
            )
        expected = self._signature(image_id, int(expires))
        if not hmac.compare_digest(expected, signature):
            raise NotFound(
                "This image URL is not valid: its signature does not match. Use the URL "
                "exactly as the API returned it.",
                code="invalid_url",
            )
        if int(expires) <= self._clock():
            raise NotFound(
                f"This image URL expired at {int(expires)} (Unix time); image URLs are valid "
                f"for {self.ttl_seconds} seconds. Request the image again, or ask for "
                "response_format=b64_json.",
                code="url_expired",
            )
