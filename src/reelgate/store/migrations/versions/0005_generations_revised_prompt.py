"""`generations.revised_prompt`: DALL-E 3's prompt as drawn, kept so that a request repeated
with its Idempotency-Key gets the same `revised_prompt` back.

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


def downgrade() -> None:
    op.drop_column("generations", "revised_prompt")
