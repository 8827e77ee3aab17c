"""What generating costs, per model: per request, per second of video (with tiers by
resolution), per image (with tiers by size and quality). From `REELGATE_PRICES` or a model's
`price:` in the routing file; usage reports multiply the counters by it (`core/usage.py`)."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

_RESOLUTION = re.compile(r"^[1-9][0-9]{1,4}p$")
_IMAGE_TIER = re.compile(r"^[1-9][0-9]{1,4}x[1-9][0-9]{1,4}( [a-z]+)?$")
USD = Field(default=0.0, ge=0)


class Price(BaseModel):
    """USD. A tier that is listed wins over the flat price of its kind."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    per_request: float = USD  # every job made, whatever became of it
    per_second: float = USD  # seconds of video produced, at any resolution not listed below
    # By the video's shorter side: {"720p": 0.10, "1080p": 0.30}.
    per_second_by_resolution: dict[str, float] = {}
    per_image: float = USD  # images produced, at any size not listed below
    # By size, or size and quality: {"1024x1024": 0.04, "1024x1024 high": 0.17}.
    per_image_by_size: dict[str, float] = {}

    @field_validator("per_second_by_resolution")
    @classmethod
    def _resolutions(cls, value: dict[str, float]) -> dict[str, float]:
        return _tiers(value, _RESOLUTION, "a resolution such as 720p")

    @field_validator("per_image_by_size")
    @classmethod
    def _sizes(cls, value: dict[str, float]) -> dict[str, float]:
        return _tiers(value, _IMAGE_TIER, "WIDTHxHEIGHT, optionally with a quality: 1024x1024 high")

    def per_second_at(self, tier: str) -> float:
        return self.per_second_by_resolution.get(tier, self.per_second)

    def per_image_at(self, tier: str) -> float:
        if tier in self.per_image_by_size:
            return self.per_image_by_size[tier]
        return self.per_image_by_size.get(tier.partition(" ")[0], self.per_image)


def _tiers(value: dict[str, float], pattern: re.Pattern[str], expected: str) -> dict[str, float]:
    for tier, price in value.items():
        if not pattern.match(tier):
            raise ValueError(f"{tier!r} is not {expected}")
        if price < 0:
            raise ValueError(f"{tier!r}: a price cannot be negative")
    return value


def video_tier(width: int, height: int) -> str:
    """A video's resolution as people name it: its shorter side, `720p` for 1280x720."""
    return f"{min(width, height)}p"


def image_tier(width: int, height: int, quality: str | None) -> str:
    return f"{width}x{height} {quality}" if quality else f"{width}x{height}"
