"""One id per HTTP request: taken from the client's `X-Request-Id` when it is sane, made up
otherwise, sent back in the response header, put on every log line the request causes and into
error bodies, so a user's report and the server's log meet."""

from __future__ import annotations

import re
import secrets
from contextvars import ContextVar

HEADER = "x-request-id"
_SANE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

current_request_id: ContextVar[str | None] = ContextVar("reelgate_request_id", default=None)


def request_id_from(client_value: str | None) -> str:
    if client_value and _SANE.match(client_value):
        return client_value
    return "req_" + secrets.token_hex(8)
