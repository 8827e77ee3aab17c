"""API keys in the database: created, listed, revoked, and loaded for checking requests."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.engine import RowMapping

from reelgate.core.api_keys import ApiKey, hash_secret, new_key_id, new_secret
from reelgate.store.retry import retrying_store
from reelgate.store.schema import api_keys


def _key_from_row(row: RowMapping) -> ApiKey:
    return ApiKey(
        id=row["id"],
        name=row["name"],
        secret_hash=row["secret_hash"],
        admin=row["admin"],
        rpm=row["rpm"],
        max_concurrent=row["max_concurrent"],
        daily_seconds=row["daily_seconds"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )


@retrying_store  # one transaction a method: a lock conflict runs it again
class KeyStore:
    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self._clock = clock

    def create(
        self,
        name: str,
        *,
        admin: bool = False,
        rpm: int | None = None,
        max_concurrent: int | None = None,
        daily_seconds: int | None = None,
    ) -> tuple[ApiKey, str]:
        """A new key and its secret: the only time the secret exists outside its holder."""
        key_id = new_key_id()
        secret = new_secret(key_id)
        key = ApiKey(
            id=key_id,
            name=name,
            secret_hash=hash_secret(secret),
            admin=admin,
            rpm=rpm,
            max_concurrent=max_concurrent,
            daily_seconds=daily_seconds,
            created_at=self._clock(),
        )
        with self.engine.begin() as conn:
            conn.execute(insert(api_keys).values(**key.__dict__))
        return key, secret

    def all(self) -> list[ApiKey]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(api_keys).order_by(api_keys.c.created_at)).mappings()
            return [_key_from_row(row) for row in rows]

    def find(self, id_or_name: str) -> list[ApiKey]:
        """Keys with this id, or else with this name (names need not be unique)."""
        return [key for key in self.all() if id_or_name in (key.id, key.name)]

    def revoke(self, key_id: str) -> bool:
        """Revoke a key; False if no active key has that id."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(api_keys)
                .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=self._clock())
            )
        return result.rowcount == 1

    def count(self) -> int:
        """Keys ever made, revoked ones included: the server is open only while this is 0."""
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(api_keys)).scalar_one()
