"""Usage as a caller may read it: its own key's (an admin key, and open mode, everyone's), with
an estimated cost from the price table.

The counters themselves are kept by `store/usage.py`, in the transactions that create and finish
jobs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reelgate.core.callers import Caller
from reelgate.core.models import ImageSpec, VideoSpec
from reelgate.core.prices import Price, image_tier, video_tier

if TYPE_CHECKING:
    from reelgate.store.usage import UsageStore


@dataclass(frozen=True)
class UsageRow:
    owner: str | None
    model: str
    tier: str  # `720p` for videos (the shorter side), `1024x1024 high` for images
    jobs: int
    failures: int
    video_seconds: float
    images: int


def usage_tier(spec: VideoSpec | ImageSpec) -> str:
    """The tier a job's usage is counted in, which a price may name."""
    if isinstance(spec, ImageSpec):
        return image_tier(spec.width, spec.height, spec.quality)
    return video_tier(spec.width, spec.height)


def estimated_cost(row: UsageRow, prices: Mapping[str, Price]) -> float | None:
    """Requests, seconds and images at the model's prices for the row's tier (or those of
    `"*"`); None when unpriced."""
    price = prices.get(row.model) or prices.get("*")
    if price is None:
        return None
    cost = (
        row.jobs * price.per_request
        + row.video_seconds * price.per_second_at(row.tier)
        + row.images * price.per_image_at(row.tier)
    )
    return round(cost, 6)


class UsageService:
    def __init__(self, ledger: UsageStore, prices: Mapping[str, Price]) -> None:
        self._ledger = ledger
        self.prices = prices

    def summary(
        self, caller: Caller, *, since: str | None, until: str | None
    ) -> list[tuple[UsageRow, float | None]]:
        """Totals per owner and model over the UTC days `since` to `until` (inclusive), each
        with its estimated cost."""
        rows = self._ledger.summary(since=since, until=until, owner=caller.owner_filter)
        return [(row, estimated_cost(row, self.prices)) for row in rows]

    def by_model_and_tier(self) -> list[tuple[UsageRow, float | None]]:
        """Everyone's totals since the first day, per model and tier (for /metrics: a label per
        key would grow without bound)."""
        merged: dict[tuple[str, str], UsageRow] = {}
        for row in self._ledger.summary():
            key = (row.model, row.tier)
            seen = merged.get(key)
            merged[key] = row if seen is None else _added(seen, row)
        return [(row, estimated_cost(row, self.prices)) for row in merged.values()]


def _added(a: UsageRow, b: UsageRow) -> UsageRow:
    return UsageRow(
        owner=None,
        model=a.model,
        tier=a.tier,
        jobs=a.jobs + b.jobs,
        failures=a.failures + b.failures,
        video_seconds=a.video_seconds + b.video_seconds,
        images=a.images + b.images,
    )
