"""Table definitions. The queue is the jobs table: workers claim rows, nothing else holds state."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

jobs = Table(
    "jobs",
    metadata,
    Column("id", String(64), primary_key=True),  # time-ordered: ordering by id is by creation
    Column("owner", String(64), nullable=True),
    Column("kind", String(16), nullable=False),
    Column("model", String(256), nullable=False),
    Column("provider", String(64), nullable=False),
    Column("spec", Text, nullable=False),  # VideoSpec as JSON
    Column("status", String(16), nullable=False),
    Column("phase", String(32), nullable=True),
    Column("progress", Integer, nullable=False, default=0),
    Column("created_at", Float, nullable=False),
    Column("started_at", Float, nullable=True),
    Column("completed_at", Float, nullable=True),
    Column("expires_at", Float, nullable=True),
    Column("error_code", String(64), nullable=True),
    Column("error_message", Text, nullable=True),
    Column("upstream_ref", Text, nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("lease_until", Float, nullable=True),
    Column("lease_owner", String(64), nullable=True),
    Column("idempotency_key", String(256), nullable=True),
    Column("remixed_from", String(64), nullable=True),
    Column("webhook_url", Text, nullable=True),  # where to POST video.completed/failed (0002)
    Index("ix_jobs_kind_id", "kind", "id"),
    Index("ix_jobs_status_created", "status", "created_at"),
    Index("ix_jobs_owner_kind_id", "owner", "kind", "id"),  # one key's listing (0003)
    Index("ix_jobs_expires_at", "expires_at"),  # the retention sweep (0004)
)

# Which jobs changed, in commit order: written by SQLite triggers on jobs and assets (migration
# 0009; on PostgreSQL they notify instead), read by the poll cache (store/recent_jobs.py).
job_changes = Table(
    "job_changes",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("job_id", String(64), nullable=False),
    sqlite_autoincrement=True,
)

generations = Table(
    "generations",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("job_id", String(64), ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
    Column("idx", Integer, nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("seconds", Float, nullable=False),
    Column("revised_prompt", Text, nullable=True),  # images: the prompt as drawn (0005)
    UniqueConstraint("job_id", "idx"),
)

assets = Table(
    "assets",
    metadata,
    Column(
        "generation_id",
        String(64),
        ForeignKey("generations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("variant", String(32), primary_key=True),
    Column("media_type", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("blob_key", Text, nullable=False),
)

# A webhook event to deliver: one per job and event type, retried until delivered or given up.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", String(64), primary_key=True),  # the event id, sent as `webhook-id`
    Column("job_id", String(64), nullable=False),  # no foreign key: outlives a deleted job
    Column("owner", String(64), nullable=True),
    Column("event_type", String(64), nullable=False),
    Column("url", Text, nullable=False),
    Column("payload", Text, nullable=False),  # the exact body, so every retry is identical
    Column("status", String(16), nullable=False),  # pending | delivered | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_at", Float, nullable=False),
    Column("next_attempt_at", Float, nullable=True),
    Column("lease_until", Float, nullable=True),
    Column("lease_owner", String(64), nullable=True),
    Column("delivered_at", Float, nullable=True),
    Column("last_status_code", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    UniqueConstraint("job_id", "event_type", name="uq_webhook_deliveries_job_event"),
    Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
)

webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "delivery_id",
        String(64),
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("number", Integer, nullable=False),
    Column("started_at", Float, nullable=False),
    Column("duration_ms", Float, nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("error", Text, nullable=True),
    Index("ix_webhook_attempts_delivery", "delivery_id"),
)

# Usage per owner ("" until API keys exist), model, UTC day and tier (`720p`, `1024x1024 high`:
# what a price may name, 0008); kept when jobs are deleted.
usage_counters = Table(
    "usage_counters",
    metadata,
    Column("owner", String(64), primary_key=True),
    Column("model", String(256), primary_key=True),
    Column("day", String(10), primary_key=True),  # YYYY-MM-DD
    Column("tier", String(64), primary_key=True, server_default=""),
    Column("jobs", Integer, nullable=False),
    Column("failures", Integer, nullable=False),
    Column("video_seconds", Float, nullable=False),
    Column("images", Integer, nullable=False),
)

# API keys (0003). The key itself is shown once and never stored: only its SHA-256.
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(64), primary_key=True),  # also the owner of the key's jobs
    Column("name", String(128), nullable=False),
    Column("secret_hash", String(64), nullable=False),
    Column("admin", Boolean, nullable=False),
    Column("rpm", Integer, nullable=True),  # requests per minute
    Column("max_concurrent", Integer, nullable=True),  # queued + running jobs
    Column("daily_seconds", Integer, nullable=True),  # seconds of video per UTC day
    Column("created_at", Float, nullable=False),
    Column("revoked_at", Float, nullable=True),
)

# Idempotency-Key records (0003): which job a (scope, key) made, and a digest of the request
# that made it, so a retry gets the same job and a different request with the key is refused.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("scope", String(64), primary_key=True),  # the owner, "" in open mode
    Column("key", String(256), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("job_id", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
)

# Deleted jobs, for an hour (0005): whose they were, so that an event stream resumed with
# `Last-Event-ID` tells a key of the deletions it missed, and no other key of them.
job_tombstones = Table(
    "job_tombstones",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("owner", String(64), nullable=True),
    Column("deleted_at", Float, nullable=False),
    Index("ix_job_tombstones_deleted_at", "deleted_at"),
)

# Files API uploads and video characters (0006), each owned by the key that made it; the media
# itself is in the blob store under `files/<id>/` and `characters/<id>/`.
client_files = Table(
    "client_files",
    metadata,
    Column("id", String(64), primary_key=True),  # file-<ulid>: ordering by id is by creation
    Column("owner", String(64), nullable=True),
    Column("filename", String(512), nullable=False),
    Column("purpose", String(32), nullable=False),
    Column("media_type", String(64), nullable=False),
    Column("bytes", Integer, nullable=False),
    Column("blob_key", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=True),
    Index("ix_client_files_owner", "owner"),
)

video_characters = Table(
    "video_characters",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("owner", String(64), nullable=True),
    Column("name", String(80), nullable=False),
    Column("colors", Text, nullable=False),  # JSON: [[r, g, b], ...], the video's main colours
    Column("blob_key", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Index("ix_video_characters_owner", "owner"),
)

# Responses API answers kept for `GET /v1/responses/{id}` and `previous_response_id` (0006):
# the answer's JSON without the image's bytes, and the image job's generation that holds them.
stored_responses = Table(
    "stored_responses",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("owner", String(64), nullable=True),
    Column("created_at", Float, nullable=False),
    Column("image_job_id", String(64), nullable=True),
    Column("image_generation_id", String(64), nullable=True),
    Column("body", Text, nullable=False),
)
