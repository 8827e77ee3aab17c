"""Database engines for data-layer tests: SQLite always, PostgreSQL when the environment has one.

Set REELGATE_TEST_DATABASE_URL (e.g. postgresql://root@127.0.0.1:5432/test) to run the store and
runner tests against PostgreSQL too; each test gets a schema of its own, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, text

from reelgate.store.engine import normalize_url, sqlite_engine

POSTGRES_URL_ENV = "REELGATE_TEST_DATABASE_URL"
BACKENDS = ["sqlite", "postgresql"]


def postgres_url() -> str | None:
    url = os.environ.get(POSTGRES_URL_ENV)
    return normalize_url(url) if url else None


@contextmanager
def engine_for(backend: str, tmp_path: Path) -> Iterator[Engine]:
    if backend == "sqlite":
        engine = sqlite_engine(tmp_path / "test.sqlite3")
        yield engine
        engine.dispose()
        return
    url = postgres_url()
    assert url is not None
    schema = f"reelgate_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def postgres_schema_url() -> Iterator[str]:
    """A URL (for child processes) whose connections use a fresh schema, dropped afterwards."""
    url = postgres_url()
    assert url is not None
    schema = f"reelgate_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{url}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
