"""Helpers for tests that use reelgate as a test double: script requests, read what was sent."""

from __future__ import annotations

from typing import Any

import httpx
from openai import OpenAI


def scripted(client: OpenAI, scenario: str) -> OpenAI:
    """The same client, with every request carrying a reelgate scenario."""
    return client.with_options(default_headers={"x-reelgate-scenario": scenario})


def recorded(reelgate_url: str, **filters: str) -> list[dict[str, Any]]:
    """What the app sent, oldest first (`GET /api/recordings`)."""
    return httpx.get(f"{reelgate_url}/api/recordings", params=filters).json()["data"]
