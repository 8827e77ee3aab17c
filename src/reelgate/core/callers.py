"""Who is calling: the API key behind a request, as the core sees it (no HTTP here)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Caller:
    """The owner of what a request creates and the judge of what it may see.

    `owner` is the API key's id (None in open mode, where no keys exist). An admin key sees
    every owner's jobs; every other key sees only its own, and others' are reported as absent.
    """

    owner: str | None
    admin: bool = False
    key_name: str | None = None
    # The key's job limits (None: unlimited); requests per minute are the middleware's.
    max_concurrent: int | None = None
    daily_seconds: int | None = None

    def sees(self, owner: str | None) -> bool:
        return self.admin or owner == self.owner

    @property
    def owner_filter(self) -> str | None:
        """The owner a listing is limited to, or None to list everyone's."""
        return None if self.admin else self.owner

    @property
    def label(self) -> str:
        """How logs and recordings name the caller (never the key itself)."""
        return self.key_name or self.owner or "open"


# No keys exist: everyone is everything, as on a laptop.
OPEN = Caller(owner=None, admin=True)
