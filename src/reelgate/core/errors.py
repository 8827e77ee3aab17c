"""Domain errors. Each dialect picks the status code and envelope; core says what happened."""

from __future__ import annotations


class ReelgateError(Exception):
    def __init__(self, message: str, *, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code


class InvalidRequest(ReelgateError):
    """The client asked for something malformed or impossible (HTTP 400 in every dialect)."""


class NotFound(ReelgateError):
    """No such object, or not one the caller may see."""


class NotReady(ReelgateError):
    """The object exists but has no content yet (OpenAI answers 404 "Video is not ready yet")."""


class Conflict(ReelgateError):
    """The object exists but is in a state that forbids the operation (e.g. remixing a failure)."""


class ModerationRejected(ReelgateError):
    """The prompt or input was refused by content moderation before any work started."""

    def __init__(self, message: str, *, revised_prompt: str | None = None, details: object = None):
        super().__init__(message, param="prompt", code="content_policy_violation")
        self.revised_prompt = revised_prompt
        self.details = details


class UpstreamFailed(ReelgateError):
    """The upstream provider serving a synchronous request failed or could not be reached
    (HTTP 502 in every dialect); the message names the provider."""


class Unauthorized(ReelgateError):
    """No API key, or one that is unknown or revoked (HTTP 401 in every dialect)."""


class RateLimited(ReelgateError):
    """A limit was reached (HTTP 429 in every dialect, with `Retry-After: retry_after`)."""

    def __init__(
        self, message: str, *, retry_after: int, code: str = "rate_limit_exceeded"
    ) -> None:
        super().__init__(message, code=code)
        self.retry_after = max(1, int(retry_after))

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class IdempotencyKeyReused(ReelgateError):
    """An Idempotency-Key came back with a different request (HTTP 422 in every dialect, as
    the IETF Idempotency-Key draft says)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, param="Idempotency-Key", code="idempotency_key_reused")
