"""Table definitions. The queue is the jobs table: workers claim rows, nothing else holds state."""

from __future__ import annotations

from sqlalchemy import (
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
    Index("ix_jobs_kind_id", "kind", "id"),
    Index("ix_jobs_status_created", "status", "created_at"),
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
