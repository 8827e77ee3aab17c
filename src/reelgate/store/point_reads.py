"""One-row reads on hot paths (a status poll's job) in one round trip on PostgreSQL.

An ordinary read there costs four: the pool's ping before use, BEGIN, the query, and the
ROLLBACK when the connection goes back. These reads use a pool of their own in autocommit mode
(no BEGIN, nothing to roll back) without the ping; a connection the server has dropped then
fails its query instead of the ping, and the read runs once more on a fresh one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, Executable, create_engine
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import DBAPIError

from reelgate.store.engine import is_postgresql


def point_read_engine(engine: Engine) -> Engine:
    """The engine for `first_row`: `engine` itself on SQLite (no round trips to save)."""
    if not is_postgresql(engine):
        return engine
    # A pool connecting exactly as the engine's does (its connect arguments too), but without
    # the ping: the one setting of `recreate()`'s copy that must differ.
    pool = engine.pool.recreate()
    pool._pre_ping = False
    return create_engine(engine.url, pool=pool, isolation_level="AUTOCOMMIT")


def first_row(
    engine: Engine, statement: Executable, parameters: Mapping[str, Any]
) -> RowMapping | None:
    """The first row `statement` selects, read through a `point_read_engine`."""
    try:
        return _first_row(engine, statement, parameters)
    except DBAPIError as exc:
        if not exc.connection_invalidated:  # SQLAlchemy saw a dropped connection and threw it
            raise  # (and the pool's older ones) away: reading again is safe
    return _first_row(engine, statement, parameters)


def _first_row(
    engine: Engine, statement: Executable, parameters: Mapping[str, Any]
) -> RowMapping | None:
    with engine.connect() as conn:
        return conn.execute(statement, parameters).mappings().first()
