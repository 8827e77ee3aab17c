"""The database schema, managed by Alembic migrations that run on SQLite and PostgreSQL alike.

A server refuses to start on a database whose schema is not the one its code expects, and says
what to run; only an empty SQLite database (the embedded default's first start) is set up
without asking.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect

MIGRATIONS = Path(__file__).parent / "migrations"


class SchemaMismatch(RuntimeError):
    """The database's schema revision is not the code's; the message says what to run."""


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    with engine.begin() as connection:
        command.upgrade(_config(connection), revision)


def check_schema(engine: Engine, *, set_up_if_empty: bool) -> None:
    """Return when the schema is current; set up an empty database if allowed; else refuse."""
    current, head = current_revision(engine), head_revision()
    if current == head:
        return
    empty = not inspect(engine).get_table_names()
    if current is None and empty and set_up_if_empty:
        upgrade(engine)
        return
    where = engine.url.render_as_string(hide_password=True)
    state = "is empty" if empty else f"is at schema revision {current or '(none)'}"
    raise SchemaMismatch(
        f"The database {where} {state}; this version of reelgate needs revision {head}. "
        f"Run `reelgate db upgrade` (with the same --database-url / REELGATE_DATABASE_URL) first."
    )
