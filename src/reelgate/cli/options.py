"""Options several `reelgate` commands share: where the data lives."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from reelgate.config import Settings

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        help="Where the SQLite database and media files live (default ./reelgate-data; "
        "env REELGATE_DATA_DIR)."
    ),
]
DatabaseOption = Annotated[
    str | None,
    typer.Option(
        help="postgresql://user:password@host:port/db instead of the SQLite file in the data "
        "directory (env REELGATE_DATABASE_URL)."
    ),
]
StorageOption = Annotated[
    str | None,
    typer.Option(
        help="s3://bucket/prefix to keep media in an S3-compatible store (endpoint from "
        "REELGATE_S3_ENDPOINT_URL or AWS_ENDPOINT_URL, credentials from the AWS environment); "
        "default: the data directory (env REELGATE_STORAGE)."
    ),
]


def settings_with(**overrides: Any) -> Settings:
    """Settings from the environment, with the options that were given on top."""
    return Settings(**{key: value for key, value in overrides.items() if value is not None})
