"""A scenario's `poll_errors` in Azure's envelope: OpenAI's messages under Azure's codes (both
say `server_error`, so clients retry)."""

from __future__ import annotations

from starlette.responses import Response

from reelgate.api.azure.errors import azure_error
from reelgate.api.server.error_words import SERVER_ERRORS


def azure_poll_fault(status: int) -> Response:
    message, code = SERVER_ERRORS[status]
    return azure_error(status, message, code=code, error_type="server_error")
