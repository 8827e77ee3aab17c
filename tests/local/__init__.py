"""Tests of local models (`reelgate[local]`), on tiny pipelines built in code."""

from __future__ import annotations

import importlib.util

NEEDED = ("torch", "diffusers", "transformers", "accelerate", "ftfy")


def missing_packages() -> list[str]:
    """What of `reelgate[local]` is not installed (nothing: the local-model tests run)."""
    return [name for name in NEEDED if importlib.util.find_spec(name) is None]
