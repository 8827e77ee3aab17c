"""Settings: embedded defaults that need nothing installed, each overridable by flag or env var."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from reelgate.core.prices import Price


class Settings(BaseSettings):
    """Every setting reads `REELGATE_<NAME>` from the environment; CLI flags override."""

    model_config = SettingsConfigDict(env_prefix="REELGATE_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Field(default=Path("reelgate-data"), description="SQLite file and assets")
    # None: SQLite in the data directory. Or postgresql://user:password@host:port/database.
    database_url: str | None = None
    # None: media files under the data directory. Or `s3://bucket/prefix`: any S3-compatible
    # store; endpoint from `s3_endpoint_url` or AWS_ENDPOINT_URL, credentials and region from the
    # standard AWS environment variables or profile. Staging stays in the data directory.
    storage: str | None = Field(default=None, pattern=r"^s3://[^/]+(/.*)?$")
    s3_endpoint_url: str | None = None
    # The endpoint presigned URLs name, when clients reach the store by another address.
    s3_public_endpoint_url: str | None = None
    # How media in S3 reaches clients: `proxy` streams it through reelgate (Range included; works
    # for clients that do not follow redirects to another host), `redirect` answers 307 to a
    # presigned URL valid `s3_presign_seconds`.
    s3_serve: Literal["proxy", "redirect"] = "proxy"
    s3_presign_seconds: int = Field(default=300, gt=0)
    # Files above this size are uploaded in parts (at least 8 MiB each).
    s3_multipart_threshold_bytes: int = Field(default=16 * 1024 * 1024, ge=5 * 1024 * 1024)
    workers: int = Field(default=2, ge=0, description="in-process job workers (0: API only)")
    access_log: bool = True

    # How long a worker's claim on a job lasts without a heartbeat. A job whose worker died is
    # picked up by another worker (or the restarted server) once its lease runs out.
    lease_seconds: float = Field(default=15.0, gt=0)
    # A job whose worker died this many times is failed instead of being retried forever.
    max_attempts: int = Field(default=3, ge=1)
    # A worker's write that meets a full or failing disk (storing outputs, recording a failure)
    # is tried again this many times, the first after `storage_retry_seconds`, doubling
    # (runner/storage_retry.py); then the job fails with `storage_error`.
    storage_retries: int = Field(default=4, ge=0)
    storage_retry_seconds: float = Field(default=0.5, gt=0)

    # How long a finished job's media is kept (its `expires_at` = completion + this). None: kept
    # until the job is deleted (OpenAI keeps downloads about an hour, Azure deletes jobs after a
    # day; a gateway that stores results keeps them). Expired content answers 404; the job stays.
    retention_seconds: int | None = Field(default=None, gt=0)
    # How often each server sweeps: expired media, files of no job, staging of dead processes.
    retention_sweep_seconds: float = Field(default=300.0, gt=0)
    # What the OpenAI dialect tells pollers (header `openai-poll-after-ms`) for unfinished jobs.
    poll_after_ms: int = Field(default=500, ge=50)

    # Limits on what clients may upload.
    max_upload_bytes: int = Field(default=50 * 1024 * 1024, gt=0)
    # The largest request body, counted while it streams in (413 past it, before the body is
    # spooled or parsed). None: four uploads at `max_upload_bytes` and 1 MiB of form fields.
    max_request_bytes: int | None = Field(default=None, gt=0)
    max_image_pixels: int = Field(default=40_000_000, gt=0)
    # Pixels of one image request over all its inputs and its mask (read from their headers
    # before any is decoded): what its decoding holds in memory, four bytes a pixel.
    max_image_request_pixels: int = Field(default=64_000_000, gt=0)
    max_source_video_seconds: int = Field(default=60, gt=0)
    # Source videos (edits, extensions, inpaint items, characters, files) by the work they
    # cause, from their headers: each frame is scaled to cover the output, so a thin one costs
    # far more than its bytes. Defaults allow 60 s of 1080p at 30 frames per second.
    max_source_video_side: int = Field(default=4096, gt=0)
    max_source_video_aspect_ratio: float = Field(default=8.0, ge=1.0)
    max_source_video_frames: int = Field(default=1800, gt=0)
    max_source_video_pixels: int = Field(default=1920 * 1080 * 1800, gt=0)

    # How long an `Idempotency-Key` is remembered: a retry within it gets the same job.
    idempotency_window_seconds: float = Field(default=24 * 3600.0, gt=0)

    # The prompt filter (images are refused, video jobs fail with `input_moderation`). On by
    # default with built-in terms; `content_filter_config` names a JSON file that changes
    # thresholds, adds terms and defines custom blocklists (docs/images.md).
    content_filter: bool = True
    content_filter_config: Path | None = None
    # How long an image `url` (DALL-E models, `response_format=url`) stays valid.
    image_url_ttl_seconds: int = Field(default=3600, gt=0)

    # The model routing file (YAML; docs/providers/, examples/models.yaml): which upstream
    # provider serves each public model name, with fallbacks and limits. None: the preview
    # engine serves every model name. Flag `--models`, env REELGATE_MODELS.
    models: Path | None = None

    # Webhooks (docs/webhooks.md). `webhook_url`: where finished jobs are reported when a request
    # names no target (open mode; jobs have no owner until API keys exist). `webhook_urls`: the
    # same per owner (JSON object owner -> URL), for when keys arrive. `webhook_secret`: the
    # `whsec_...` secret deliveries are signed with; without one, the first process makes one
    # and keeps it in the data directory (file `webhook-secret`), where receivers can read it.
    webhook_url: str | None = None
    webhook_urls: dict[str, str] = Field(default_factory=dict)
    webhook_secret: str | None = None
    # Targets in private, loopback, link-local and other special networks are refused, except in
    # these networks (comma-separated CIDRs, e.g. `127.0.0.0/8,::1/128` for a local receiver).
    webhook_allow_networks: str = ""
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    # Retries: the n-th retry waits backoff * 4**(n-1) seconds (at most the max, +-10 % jitter),
    # until `webhook_max_attempts` attempts were made: by default 12 attempts over ~17 hours.
    webhook_backoff_seconds: float = Field(default=5.0, gt=0)
    webhook_backoff_max_seconds: float = Field(default=3 * 3600.0, gt=0)
    webhook_max_attempts: int = Field(default=12, ge=1)
    # Delivery threads in each `reelgate serve` process (0: this process delivers nothing).
    webhook_senders: int = Field(default=2, ge=0)

    # Usage: an optional price table (JSON: model -> {"per_second": USD, "per_image": USD, ...},
    # `core/prices.py`) to show estimated cost next to what was generated. A model's `price:`
    # in the routing file wins over its entry here.
    prices: dict[str, Price] = Field(default_factory=dict)

    # Logs: `text` for a terminal, `json` (one object a line, with the request id) for machines.
    log_format: Literal["text", "json"] = "text"

    # reelgate as a test double (docs/testing-your-app.md). `scenarios`: a rules file (YAML or
    # JSON) scripting outcomes per model, prompt, key or size. `pace`: `fast` renders at once,
    # `realistic` queues and paces every job like a hosted service. `record_requests`: keep what
    # clients sent (headers minus secrets, bodies without file bytes) in memory, the newest
    # `record_requests_max`, for `GET /api/recordings`.
    scenarios: Path | None = None
    pace: Literal["fast", "realistic"] = "fast"
    record_requests: bool = False
    record_requests_max: int = Field(default=1000, gt=0)

    @property
    def request_body_limit(self) -> int:
        return self.max_request_bytes or 4 * self.max_upload_bytes + 1024 * 1024

    @property
    def database_path(self) -> Path:
        return self.data_dir / "reelgate.sqlite3"

    @property
    def database(self) -> str:
        """The database URL in use: the configured one, or the embedded SQLite file."""
        return self.database_url or f"sqlite:///{self.database_path}"

    @property
    def blobs_dir(self) -> Path:
        return self.data_dir / "blobs"
