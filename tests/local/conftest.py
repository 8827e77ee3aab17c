"""The local-model tests need `reelgate[local]` (torch, diffusers): without it they are not
collected, and the run's summary says so loudly (tests/conftest.py)."""

from __future__ import annotations

from tests.local import missing_packages

# Every module here imports torch or diffusers at its top.
collect_ignore_glob = ["test_*.py"] if missing_packages() else []
