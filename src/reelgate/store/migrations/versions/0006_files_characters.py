"""`client_files` (the Files API) and `video_characters` (`POST /v1/videos/characters`).

Both are owned by the API key that made them (`owner`, None in open mode); their media is kept
in the blob store under `files/<id>/` and `characters/<id>/`.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "client_files",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("owner", sa.String(64), nullable=True),
        sa.Column("filename", sa.String(512), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("media_type", sa.String(64), nullable=False),
        sa.Column("bytes", sa.Integer(), nullable=False),
        sa.Column("blob_key", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=True),
    )
    op.create_index("ix_client_files_owner", "client_files", ["owner"])
    op.create_table(
        "video_characters",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("owner", sa.String(64), nullable=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("colors", sa.Text(), nullable=False),
        sa.Column("blob_key", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_video_characters_owner", "video_characters", ["owner"])


def downgrade() -> None:
    op.drop_index("ix_video_characters_owner", table_name="video_characters")
    op.drop_table("video_characters")
    op.drop_index("ix_client_files_owner", table_name="client_files")
    op.drop_table("client_files")
