"""A scenario's `poll_errors`: the server errors a job's first retrievals answer, in the words
and envelope of the dialect that was asked (both say `server_error`, so clients retry)."""

from __future__ import annotations

from starlette.responses import Response

from reelgate.api.azure_errors import azure_error
from reelgate.api.openai_errors import openai_error

# The messages OpenAI's API answers server errors with.
_OPENAI_MESSAGES = {
    500: "The server had an error while processing your request. Sorry about that!",
    502: "Bad gateway.",
    503: "The server is overloaded or not ready yet.",
    504: "Gateway timeout.",
}
_AZURE_CODES = {
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


def openai_poll_fault(status: int) -> Response:
    return openai_error(status, _OPENAI_MESSAGES[status])


def azure_poll_fault(status: int) -> Response:
    return azure_error(
        status,
        _OPENAI_MESSAGES[status],
        code=_AZURE_CODES[status],
        error_type="server_error",
    )
