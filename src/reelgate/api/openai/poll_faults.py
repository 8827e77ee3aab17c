"""A scenario's `poll_errors`: the server errors a job's first retrievals answer, in OpenAI's
words and envelope (`server_error`, so clients retry)."""

from __future__ import annotations

from starlette.responses import Response

from reelgate.api.openai.errors import openai_error
from reelgate.api.server.error_words import SERVER_ERRORS


def openai_poll_fault(status: int) -> Response:
    message, _ = SERVER_ERRORS[status]
    return openai_error(status, message)
