"""What every upstream video provider shares: its connection settings, an authenticated client
per job, and `generate_video` driving the submit / persist / poll / fetch cycle."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from reelgate.providers.base import ProgressSink, RenderedVideo, VideoTask
from reelgate.providers.routing import ProviderConfig
from reelgate.providers.upstream.errors import UpstreamRefused
from reelgate.providers.upstream.http import ErrorReader, RetryPolicy, UpstreamClient, generic_error
from reelgate.providers.upstream.polling import PollingPolicy, run_upstream_job

_DEFAULT_AUTH = {
    "openai": "authorization",
    "azure-jobs": "api-key",
    "veo": "x-goog-api-key",
    "fal": "authorization",
    "runway": "authorization",
    "replicate": "authorization",
}


class UpstreamProvider:
    """Base of every upstream provider (providers/types.py; one instance per configured
    connection; `name` is the connection's name in the routing file)."""

    read_error: ErrorReader = staticmethod(generic_error)

    def __init__(self, name: str, config: ProviderConfig) -> None:
        self.name = name
        self.config = config
        self.polling = PollingPolicy(
            interval_seconds=config.poll_interval_seconds,
            max_interval_seconds=config.max_poll_interval_seconds,
            max_wait_seconds=config.max_wait_seconds,
        )
        self.retry = RetryPolicy(
            max_retries=config.max_retries,
            backoff_seconds=config.retry_backoff_seconds,
            max_backoff_seconds=config.max_backoff_seconds,
        )

    def auth_headers(self) -> dict[str, str]:
        """Read at call time, so keys are never kept in memory longer than a request."""
        key = self.config.api_key()
        if self.config.api_key_env and key is None:
            raise UpstreamRefused(
                self.name,
                f"the environment variable {self.config.api_key_env} (its API key) is not set",
                status=401,
                upstream_code="missing_credentials",
            )
        if key is None:
            return {}
        header = self.config.auth_header or _DEFAULT_AUTH[self.config.type]
        if header == "authorization":
            return {"Authorization": f"Bearer {key}"}
        return {header: key}

    def query_params(self) -> dict[str, str]:
        return {"api-version": self.config.api_version} if self.config.api_version else {}

    def client(self, wait: Callable[[float], None]) -> UpstreamClient:
        return UpstreamClient(
            self.name,
            self.config.base_url,
            auth=self.auth_headers,
            timeout=self.config.timeout_seconds,
            retry=self.retry,
            wait=wait,
            params=self.query_params(),
            read_error=self.read_error,
        )

    def generate_video(
        self, task: VideoTask, workdir: Path, progress: ProgressSink
    ) -> list[RenderedVideo]:
        return run_upstream_job(self, task, Path(workdir), progress)  # type: ignore[arg-type]
