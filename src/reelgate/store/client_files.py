"""Rows of the Files API's uploads and of video characters: what they are and whose.

The media is in the blob store; a row names its key. Both are read and deleted by id, and listed
per owner in id order (ids are time-ordered), with an `after` cursor compared by value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Engine, delete, insert, select

from reelgate.store.retry import retrying_store
from reelgate.store.schema import client_files, video_characters


@dataclass(frozen=True)
class FileRow:
    id: str
    owner: str | None
    filename: str
    purpose: str
    media_type: str
    bytes: int
    blob_key: str
    created_at: float
    expires_at: float | None


@dataclass(frozen=True)
class CharacterRow:
    id: str
    owner: str | None
    name: str
    colors: tuple[tuple[int, int, int], ...]
    blob_key: str
    created_at: float


def _file(row: object) -> FileRow:
    return FileRow(**{name: getattr(row, name) for name in FileRow.__dataclass_fields__})


def _character(row: object) -> CharacterRow:
    colors = tuple(tuple(int(v) for v in rgb) for rgb in json.loads(row.colors))  # type: ignore[attr-defined]
    return CharacterRow(
        id=row.id,  # type: ignore[attr-defined]
        owner=row.owner,  # type: ignore[attr-defined]
        name=row.name,  # type: ignore[attr-defined]
        colors=colors,  # type: ignore[arg-type]
        blob_key=row.blob_key,  # type: ignore[attr-defined]
        created_at=row.created_at,  # type: ignore[attr-defined]
    )


@retrying_store  # one transaction a method: a lock conflict runs it again
class ClientFileStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- files ---------------------------------------------------------------------------------

    def insert_file(self, row: FileRow) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(client_files).values(**row.__dict__))

    def get_file(self, file_id: str) -> FileRow | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(client_files).where(client_files.c.id == file_id)).first()
        return None if row is None else _file(row)

    def list_files(
        self,
        *,
        owner: str | None,
        every_owner: bool,
        purpose: str | None,
        limit: int,
        descending: bool,
        after: str | None,
    ) -> tuple[list[FileRow], bool]:
        """A page of files (`every_owner`: an admin's listing) and whether more follow."""
        query = select(client_files)
        if not every_owner:
            query = query.where(
                client_files.c.owner.is_(None) if owner is None else client_files.c.owner == owner
            )
        if purpose is not None:
            query = query.where(client_files.c.purpose == purpose)
        if after is not None:
            query = query.where(
                client_files.c.id < after if descending else client_files.c.id > after
            )
        order = client_files.c.id.desc() if descending else client_files.c.id.asc()
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(order).limit(limit + 1)).all()
        return [_file(row) for row in rows[:limit]], len(rows) > limit

    def delete_file(self, file_id: str) -> bool:
        with self.engine.begin() as conn:
            return (
                conn.execute(delete(client_files).where(client_files.c.id == file_id)).rowcount > 0
            )

    # -- characters ----------------------------------------------------------------------------

    def insert_character(self, row: CharacterRow) -> None:
        values = {**row.__dict__, "colors": json.dumps([list(rgb) for rgb in row.colors])}
        with self.engine.begin() as conn:
            conn.execute(insert(video_characters).values(**values))

    def get_character(self, character_id: str) -> CharacterRow | None:
        query = select(video_characters).where(video_characters.c.id == character_id)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else _character(row)

    def characters_of(self, owner: str | None) -> list[CharacterRow]:
        """Every character an owner made (None: those made in open mode), oldest first."""
        column = video_characters.c.owner
        query = select(video_characters).where(
            column.is_(None) if owner is None else column == owner
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(video_characters.c.id)).all()
        return [_character(row) for row in rows]
