"""Usage as a caller may read it: its own key's (an admin key, and open mode, everyone's), with
an estimated cost from the price table.

The counters themselves are kept by `store/usage.py`, in the transactions that create and finish
jobs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from reelgate.core.callers import Caller

if TYPE_CHECKING:
    from reelgate.store.usage import UsageStore


@dataclass(frozen=True)
class UsageRow:
    owner: str | None
    model: str
    jobs: int
    failures: int
    video_seconds: float
    images: int


def estimated_cost(row: UsageRow, prices: dict[str, dict[str, float]]) -> float | None:
    """Seconds and images at the model's prices (or those of `"*"`); None when unpriced."""
    price = prices.get(row.model) or prices.get("*")
    if price is None:
        return None
    cost = row.video_seconds * price.get("per_second", 0.0) + row.images * price.get(
        "per_image", 0.0
    )
    return round(cost, 6)


class UsageService:
    def __init__(self, ledger: UsageStore, prices: dict[str, dict[str, float]]) -> None:
        self._ledger = ledger
        self.prices = prices

    def summary(
        self, caller: Caller, *, since: str | None, until: str | None
    ) -> list[tuple[UsageRow, float | None]]:
        """Totals per owner and model over the UTC days `since` to `until` (inclusive), each
        with its estimated cost."""
        rows = self._ledger.summary(since=since, until=until, owner=caller.owner_filter)
        return [(row, estimated_cost(row, self.prices)) for row in rows]
