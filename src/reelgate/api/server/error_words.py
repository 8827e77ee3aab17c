"""The server errors a scenario's `poll_errors` answers (500, 502, 503, 504), in the words each
dialect's service uses: OpenAI's message (Azure's is the same) and Azure's error code."""

from __future__ import annotations

# status: (message, Azure's code)
SERVER_ERRORS: dict[int, tuple[str, str]] = {
    500: (
        "The server had an error while processing your request. Sorry about that!",
        "internal_error",
    ),
    502: ("Bad gateway.", "bad_gateway"),
    503: ("The server is overloaded or not ready yet.", "service_unavailable"),
    504: ("Gateway timeout.", "gateway_timeout"),
}
