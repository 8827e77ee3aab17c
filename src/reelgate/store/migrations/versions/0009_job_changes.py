"""Triggers that say which jobs changed, for the status-poll cache (`store/recent_jobs.py`).

The cache used to drop every cached job at any commit (SQLite) or not exist (PostgreSQL), so
while a worker wrote its job's progress and heartbeats no other job stayed cached. Now it drops
only the jobs that changed: a job's row updated or deleted, or its files forgotten by the
retention sweep (a delete from `assets`).

- SQLite: the triggers append the job's id to `job_changes`, keeping the newest 10,000 entries
  (a reader that fell further behind empties its whole cache).
- PostgreSQL: the triggers send the id with `pg_notify` on `reelgate_job_rows`, delivered when
  the change commits (`*` when the job is unknown: everything is dropped). The table exists
  there too, never written.

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


_PG_FUNCTION = """
CREATE FUNCTION reelgate_job_row_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'assets' THEN
        PERFORM pg_notify('reelgate_job_rows', coalesce(
            (SELECT job_id FROM generations WHERE id = OLD.generation_id), '*'));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('reelgate_job_rows', OLD.id);
    ELSE
        PERFORM pg_notify('reelgate_job_rows', NEW.id);
    END IF;
    RETURN NULL;
END
$$
"""
_PG_TRIGGERS = (
    ("reelgate_job_rows_on_jobs", "AFTER UPDATE OR DELETE ON jobs"),
    ("reelgate_job_rows_on_assets", "AFTER DELETE ON assets"),
)


def upgrade() -> None:
    op.create_table(
        "job_changes",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("job_id", sa.String(64), nullable=False),
        sqlite_autoincrement=True,
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        for name, event in _PG_TRIGGERS:
            op.execute(
                f"CREATE TRIGGER {name} {event} FOR EACH ROW "
                "EXECUTE FUNCTION reelgate_job_row_changed()"
            )
        return
    if op.get_bind().dialect.name != "sqlite":
        return
    for name, event, source in _TRIGGERS:
        op.execute(
            f"CREATE TRIGGER {name} {event} FOR EACH ROW BEGIN "
            f"{_LOG.format(source=source)} {_TRIM} END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, event in _PG_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {event.rsplit(' ', 1)[1]}")
        op.execute("DROP FUNCTION IF EXISTS reelgate_job_row_changed()")
    if op.get_bind().dialect.name == "sqlite":
        for name, _event, _source in _TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("job_changes")
