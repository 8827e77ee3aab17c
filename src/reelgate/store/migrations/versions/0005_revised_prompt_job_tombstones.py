"""`generations.revised_prompt` and `job_tombstones`.

DALL-E 3's prompt as drawn is kept, so that a request repeated with its Idempotency-Key gets the
same `revised_prompt` back. A deleted job leaves a tombstone (its id and owner, for an hour), so
that an event stream resumed with `Last-Event-ID` can tell its key of deletions it missed.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("generations", sa.Column("revised_prompt", sa.Text(), nullable=True))
    op.create_table(
        "job_tombstones",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("owner", sa.String(64), nullable=True),
        sa.Column("deleted_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_job_tombstones_deleted_at", "job_tombstones", ["deleted_at"])


def downgrade() -> None:
    op.drop_index("ix_job_tombstones_deleted_at", table_name="job_tombstones")
    op.drop_table("job_tombstones")
    op.drop_column("generations", "revised_prompt")
