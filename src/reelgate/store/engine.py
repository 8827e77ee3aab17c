"""SQLAlchemy engines for the databases reelgate runs on: SQLite (embedded) and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url


def sqlite_engine(path: Path) -> Engine:
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


def normalize_url(url: str) -> str:
    """`postgresql://...` (what people write) with the psycopg 3 driver reelgate ships with."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str) -> Engine:
    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise ValueError("SQLite needs a file: sqlite:///path/to/reelgate.sqlite3")
        return sqlite_engine(Path(parsed.database))
    if parsed.get_backend_name() != "postgresql":
        backend = parsed.get_backend_name()
        raise ValueError(f"unsupported database {backend!r}: use SQLite or PostgreSQL")
    return create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=10)


def is_postgresql(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"
