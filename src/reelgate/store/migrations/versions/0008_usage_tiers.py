"""`usage_counters.tier`: usage counted per tier as well (`720p` for videos, by the shorter side;
`1024x1024 high` for images), so prices can differ by resolution, size and quality.

Rows counted before this revision keep the tier `""` (priced at the flat rates).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

import warnings

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_KEY = ["owner", "model", "day"]


def upgrade() -> None:
    tier = sa.Column("tier", sa.String(64), nullable=False, server_default="")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite changes a primary key only by copying the table, which batch mode does; the
        # copy's new key draws a warning that says just that.
        with (
            warnings.catch_warnings(),
            op.batch_alter_table("usage_counters", recreate="always") as batch,
        ):
            warnings.filterwarnings("ignore", "Table .* specifies columns", sa.exc.SAWarning)
            batch.add_column(tier)
            batch.create_primary_key("usage_counters_pkey", [*_KEY, "tier"])
        return
    op.add_column("usage_counters", tier)
    op.drop_constraint("usage_counters_pkey", "usage_counters", type_="primary")
    op.create_primary_key("usage_counters_pkey", "usage_counters", [*_KEY, "tier"])


def downgrade() -> None:
    # Tiers fold back into one row per owner, model and day.
    op.execute(
        "CREATE TABLE usage_counters_folded AS SELECT owner, model, day, SUM(jobs) AS jobs, "
        "SUM(failures) AS failures, SUM(video_seconds) AS video_seconds, SUM(images) AS images "
        "FROM usage_counters GROUP BY owner, model, day"
    )
    op.drop_table("usage_counters")
    op.create_table(
        "usage_counters",
        sa.Column("owner", sa.String(64), primary_key=True),
        sa.Column("model", sa.String(256), primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("jobs", sa.Integer, nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("video_seconds", sa.Float, nullable=False),
        sa.Column("images", sa.Integer, nullable=False),
    )
    op.execute("INSERT INTO usage_counters SELECT * FROM usage_counters_folded")
    op.drop_table("usage_counters_folded")
