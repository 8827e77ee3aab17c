"""`stored_responses`: the Responses API's answers, kept for retrieval and multi-turn edits.

A response made with `store` (the default) keeps its JSON, less the image's bytes, and names
the image job's generation that holds the picture; it belongs to the API key that made it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stored_responses",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("owner", sa.String(64), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("image_job_id", sa.String(64), nullable=True),
        sa.Column("image_generation_id", sa.String(64), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("stored_responses")
