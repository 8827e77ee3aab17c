"""How a local model's job fails, in the terms the runner records (it handles these as it
handles an upstream's failures: the job fails with the code and message, the worker goes on)."""

from __future__ import annotations

from reelgate.providers.upstream.errors import UpstreamJobFailed


class LocalModelFailed(UpstreamJobFailed):
    """The model could not make this job (the weights cannot take its inputs, ...)."""


class OutOfMemory(LocalModelFailed):
    """The device ran out of memory on this job; the memory was given back."""

    def __init__(self, provider: str, message: str) -> None:
        super().__init__(provider, message, code="out_of_memory")
