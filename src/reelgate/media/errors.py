"""Errors about media a client sent us: always the client's fault, never a failed job."""


class InvalidMediaError(ValueError):
    """The uploaded or referenced media cannot be used; the message is safe to show the client."""
