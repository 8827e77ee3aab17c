"""Identifiers: a type prefix and a lowercase ULID, so ids sort by creation time."""

from __future__ import annotations

from ulid import ULID


def new_id(prefix: str) -> str:
    return f"{prefix}_{str(ULID()).lower()}"


def new_job_id() -> str:
    return new_id("video")


def new_generation_id() -> str:
    return new_id("gen")
