"""Stored Responses API answers (`stored_responses`): one row a response, its JSON as text.

The image itself stays where every image job keeps it; the row names its job and generation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, insert, select

from reelgate.store.retry import retrying_store
from reelgate.store.schema import stored_responses


@dataclass(frozen=True)
class ResponseRow:
    id: str
    owner: str | None  # None: made in open mode
    created_at: float
    image_job_id: str | None
    image_generation_id: str | None
    body: dict[str, Any]


@retrying_store  # one transaction a method: a lock conflict runs it again
class ResponseStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def insert(self, row: ResponseRow) -> None:
        values = {
            "id": row.id,
            "owner": row.owner,
            "created_at": row.created_at,
            "image_job_id": row.image_job_id,
            "image_generation_id": row.image_generation_id,
            "body": json.dumps(row.body, separators=(",", ":")),
        }
        with self.engine.begin() as conn:
            conn.execute(insert(stored_responses).values(**values))

    def get(self, response_id: str) -> ResponseRow | None:
        query = select(stored_responses).where(stored_responses.c.id == response_id)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        return ResponseRow(
            id=row.id,
            owner=row.owner,
            created_at=row.created_at,
            image_job_id=row.image_job_id,
            image_generation_id=row.image_generation_id,
            body=json.loads(row.body),
        )

    def delete(self, response_id: str) -> bool:
        gone = delete(stored_responses).where(stored_responses.c.id == response_id)
        with self.engine.begin() as conn:
            return conn.execute(gone).rowcount > 0
