"""Migrations build exactly the schema the code declares, on SQLite and PostgreSQL, and a server
refuses a database whose schema revision is not its own."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text

from reelgate.store.engine import is_postgresql
from reelgate.store.migrate import (
    SchemaMismatch,
    check_schema,
    current_revision,
    head_revision,
    upgrade,
)
from reelgate.store.schema import metadata


def test_migrations_match_the_declared_schema(database: Engine):
    upgrade(database)
    assert current_revision(database) == head_revision()
    with database.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []


def test_an_empty_database_is_set_up_only_when_allowed(database: Engine):
    with pytest.raises(SchemaMismatch, match="reelgate db upgrade"):
        check_schema(database, set_up_if_empty=False)
    check_schema(database, set_up_if_empty=True)
    assert current_revision(database) == head_revision()
    check_schema(database, set_up_if_empty=False)  # current: nothing to say


def test_a_database_at_another_revision_is_refused(database: Engine):
    upgrade(database)
    with database.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    with pytest.raises(SchemaMismatch, match="revision older") as refused:
        check_schema(database, set_up_if_empty=True)
    if is_postgresql(database):
        assert "postgresql" in str(refused.value)
