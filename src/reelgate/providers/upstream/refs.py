"""Upstream ids that are several URLs (fal's status, result and cancel URLs; Replicate's
`urls.get` and `urls.cancel`), kept as one JSON object in the job's `upstream_ref`: stored as
the upstream gave them, never rebuilt."""

from __future__ import annotations

import json
from typing import Any

from reelgate.providers.upstream.errors import UpstreamProtocolError


def is_url(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://"))


def load_ref(provider: str, ref: str) -> dict[str, str]:
    try:
        stored = json.loads(ref)
    except ValueError:
        raise UpstreamProtocolError(provider, "the stored upstream request is not JSON") from None
    if not isinstance(stored, dict):
        raise UpstreamProtocolError(provider, "the stored upstream request is not an object")
    return stored
