"""Opening the job store for a process: the engine, the schema check, the notices."""

from __future__ import annotations

from reelgate.store.db import JobStore
from reelgate.store.engine import is_postgresql, make_engine
from reelgate.store.migrate import check_schema


def open_store(database_url: str) -> JobStore:
    """The job store, refusing a database whose schema does not match (see `store/migrate.py`);
    an empty SQLite file (the embedded default's first start) is set up without asking."""
    engine = make_engine(database_url)
    try:
        check_schema(engine, set_up_if_empty=not is_postgresql(engine))
    except BaseException:
        engine.dispose()
        raise
    return JobStore(engine)
