"""`job_changes`: which jobs changed, in commit order, written by triggers (SQLite only).

The status-poll cache (`store/recent_jobs.py`) used to drop every cached job at any commit, so
while a worker wrote its job's progress and heartbeats no other job stayed cached. With this log
it drops only the jobs that changed. The triggers keep the newest 10,000 entries; a reader that
fell further behind empties its whole cache. PostgreSQL gets the table, never written (its
reads are queries: there is no cheap question like SQLite's `PRAGMA data_version`).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

KEPT = 10_000
_LOG = "INSERT INTO job_changes (job_id) {source};"
_TRIM = f"DELETE FROM job_changes WHERE seq <= (SELECT max(seq) FROM job_changes) - {KEPT};"
# (name, event, what names the changed job)
_TRIGGERS = (
    ("job_changes_on_update", "AFTER UPDATE ON jobs", "VALUES (NEW.id)"),
    ("job_changes_on_delete", "AFTER DELETE ON jobs", "VALUES (OLD.id)"),
    # The retention sweep forgets a job's files without touching its row.
    (
        "job_changes_on_asset_delete",
        "AFTER DELETE ON assets",
        "SELECT job_id FROM generations WHERE id = OLD.generation_id",
    ),
)


def upgrade() -> None:
    op.create_table(
        "job_changes",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("job_id", sa.String(64), nullable=False),
        sqlite_autoincrement=True,
    )
    if op.get_bind().dialect.name != "sqlite":
        return
    for name, event, source in _TRIGGERS:
        op.execute(
            f"CREATE TRIGGER {name} {event} FOR EACH ROW BEGIN "
            f"{_LOG.format(source=source)} {_TRIM} END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name, _event, _source in _TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("job_changes")
