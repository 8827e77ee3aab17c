"""What can go wrong talking to an upstream, in terms the runner can act on.

Every error names the provider (the name from the routing file), so a failed job says which
upstream failed it. Messages never include credentials.
"""

from __future__ import annotations


class UpstreamError(Exception):
    """Base class: something went wrong with upstream `provider`."""

    code = "upstream_error"

    def __init__(self, provider: str, message: str) -> None:
        super().__init__(f"{provider}: {message}")
        self.provider = provider
        self.detail = message


class UpstreamUnavailable(UpstreamError):
    """Unreachable, timed out, or still 429/5xx after every retry: another provider may work."""

    code = "upstream_unavailable"


class UpstreamRefused(UpstreamError):
    """The upstream answered 4xx (not 429): this provider will not take the request as it is."""

    code = "upstream_refused"

    def __init__(self, provider: str, message: str, *, status: int, upstream_code: str | None):
        super().__init__(provider, message)
        self.status = status
        self.upstream_code = upstream_code


class UpstreamProtocolError(UpstreamError):
    """The upstream answered something that does not follow its own document."""

    code = "upstream_protocol_error"


class UpstreamJobFailed(UpstreamError):
    """The upstream ran the job and reports it failed (moderation, an internal error, ...).

    `code` is reelgate's canonical failure code (e.g. `input_moderation`), chosen by the provider
    from the upstream's own words.
    """

    def __init__(self, provider: str, message: str, *, code: str) -> None:
        super().__init__(provider, message)
        self.code = code


class SubmitFailed(Exception):
    """The job could not be submitted to its provider (no upstream job exists): the runner hands
    it to the next provider of the model's fallback list, if there is one."""

    def __init__(self, cause: UpstreamError) -> None:
        super().__init__(str(cause))
        self.cause = cause


class UnsupportedOperation(UpstreamError):
    """The provider has no way to do what the task asks (e.g. a remix of a video it never made)."""

    code = "unsupported_operation"


MODERATION_WORDS = ("moderation", "content_policy", "content_filter", "safety", "responsible")


def moderation_code(*words: str | None) -> str | None:
    """`input_moderation` / `output_moderation` when an upstream's code or reason is about
    moderation, else None."""
    text = " ".join(word.lower() for word in words if word)
    if not any(marker in text for marker in MODERATION_WORDS):
        return None
    return "output_moderation" if "output" in text else "input_moderation"
