"""The prompt filter: Azure-style categories with severities, detections and custom blocklists.

It is a deterministic word-and-phrase matcher, not a classifier: a prompt's severity in a
category is the highest severity of the category's terms it contains (whole words or phrases,
case-insensitive). That is what a self-hosted stand-in needs: refusals on demand, the same
verdict every time, and the exact result shapes Azure reports (`prompt_filter_results`,
`content_filter_results`). Built-in term lists cover each category; a JSON file named by
`REELGATE_CONTENT_FILTER_CONFIG` changes thresholds, adds terms and defines blocklists
(format in docs/images.md). Images refuse a blocked prompt; video jobs fail with
`input_moderation`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from reelgate.config import Settings
from reelgate.core.errors import ModerationRejected

SEVERITIES = ("safe", "low", "medium", "high")
SEVERITY_CATEGORIES = ("hate", "sexual", "violence", "self_harm")
DETECTION_CATEGORIES = ("profanity", "jailbreak")

Severity = Literal["low", "medium", "high"]
Threshold = Literal["low", "medium", "high", "off"]

# Small on purpose: enough to trigger each category and level on demand, few enough that
# ordinary prompts ("a knight with a sword") pass at the default thresholds.
_BUILTIN_SEVERITY_TERMS: dict[str, dict[str, tuple[str, ...]]] = {
    "hate": {
        "low": ("stereotype", "stereotypes"),
        "medium": ("racial slur", "racial slurs", "bigotry"),
        "high": ("ethnic cleansing", "genocide"),
    },
    "sexual": {
        "low": ("lingerie", "sensual"),
        "medium": ("nude", "naked", "nudity"),
        "high": ("pornography", "pornographic", "explicit sex"),
    },
    "violence": {
        "low": ("gun", "guns", "weapon", "weapons", "fight"),
        "medium": ("gore", "bloodbath", "stabbing", "shooting people"),
        "high": ("massacre", "beheading", "torture", "mutilation"),
    },
    "self_harm": {
        "low": ("self-harm", "self harm"),
        "medium": ("cutting myself", "overdose"),
        "high": ("suicide", "kill myself"),
    },
}
_BUILTIN_DETECTION_TERMS: dict[str, tuple[str, ...]] = {
    "profanity": ("fuck", "fucking", "shit", "bullshit", "asshole"),
    "jailbreak": (
        "ignore previous instructions",
        "ignore all previous instructions",
        "ignore your instructions",
        "developer mode",
        "jailbreak",
    ),
}
# Azure's defaults: severity categories filter medium and above; prompt shields (jailbreak) on;
# profanity is detected and annotated but not filtered.
_DEFAULT_THRESHOLD: Threshold = "medium"
_DEFAULT_DETECTION_FILTER = {"profanity": False, "jailbreak": True}


# -- configuration ---------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SeverityCategoryConfig(_Strict):
    threshold: Threshold = _DEFAULT_THRESHOLD
    terms: dict[Severity, list[str]] = {}


class DetectionCategoryConfig(_Strict):
    filter: bool | None = None  # None: the category's default
    terms: list[str] = []


class BlocklistConfig(_Strict):
    id: Annotated[str, Field(min_length=1)]
    terms: Annotated[list[str], Field(min_length=1)]


class CategoriesConfig(_Strict):
    hate: SeverityCategoryConfig = SeverityCategoryConfig()
    sexual: SeverityCategoryConfig = SeverityCategoryConfig()
    violence: SeverityCategoryConfig = SeverityCategoryConfig()
    self_harm: SeverityCategoryConfig = SeverityCategoryConfig()
    profanity: DetectionCategoryConfig = DetectionCategoryConfig()
    jailbreak: DetectionCategoryConfig = DetectionCategoryConfig()


class ContentFilterConfig(_Strict):
    """The JSON file's shape. Terms add to the built-in ones."""

    enabled: bool = True
    categories: CategoriesConfig = CategoriesConfig()
    blocklists: list[BlocklistConfig] = []


class ContentFilterConfigError(ValueError):
    """The configuration file is missing or malformed (reported at start-up)."""


def load_config(path: Path | None) -> ContentFilterConfig:
    if path is None:
        return ContentFilterConfig()
    try:
        return ContentFilterConfig.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError) as exc:
        raise ContentFilterConfigError(f"content filter config {path}: {exc}") from exc


# -- verdicts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeverityResult:
    severity: str  # safe | low | medium | high
    filtered: bool


@dataclass(frozen=True)
class DetectionResult:
    detected: bool
    filtered: bool


@dataclass(frozen=True)
class BlocklistResult:
    id: str
    filtered: bool


@dataclass(frozen=True)
class FilterVerdict:
    """What the filter found in one prompt, per category, and whether it blocks the request."""

    severities: dict[str, SeverityResult]
    detections: dict[str, DetectionResult]
    blocklists: tuple[BlocklistResult, ...]

    @property
    def blocked(self) -> bool:
        return (
            any(result.filtered for result in self.severities.values())
            or any(result.filtered for result in self.detections.values())
            or any(result.filtered for result in self.blocklists)
        )

    @property
    def reasons(self) -> list[str]:
        """The categories and blocklists that blocked the prompt, for error messages."""
        found = [name for name, result in self.severities.items() if result.filtered]
        found += [name for name, result in self.detections.items() if result.filtered]
        found += [f"blocklist '{result.id}'" for result in self.blocklists if result.filtered]
        return found


class PromptBlocked(ModerationRejected):
    """A prompt the content filter refused; `verdict` holds the per-category results."""

    def __init__(self, verdict: FilterVerdict) -> None:
        super().__init__(
            "The prompt was blocked by the content filter "
            f"({', '.join(verdict.reasons)}). Change the prompt and try again.",
            details=verdict,
        )
        self.code = "content_filter"
        self.verdict = verdict


# -- matching --------------------------------------------------------------------------------


def _pattern(terms: list[str] | tuple[str, ...]) -> re.Pattern[str] | None:
    """One case-insensitive regex matching any term as a whole word or phrase; whitespace in a
    term matches any run of whitespace."""
    cleaned = sorted({" ".join(term.split()) for term in terms if term.strip()}, key=len)
    if not cleaned:
        return None
    alternatives = "|".join(r"\s+".join(map(re.escape, term.split(" "))) for term in cleaned)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


_RELAXED: dict[Threshold, Threshold] = {
    "low": "medium",
    "medium": "high",
    "high": "high",
    "off": "off",
}


def _effective(threshold: Threshold, relaxed: bool) -> Threshold:
    """`moderation=low` filters one level less: medium becomes high, high stays high."""
    return _RELAXED[threshold] if relaxed else threshold


class ContentFilter:
    def __init__(self, config: ContentFilterConfig) -> None:
        self.enabled = config.enabled
        self._severity: dict[str, tuple[Threshold, list[tuple[str, re.Pattern[str]]]]] = {}
        for name in SEVERITY_CATEGORIES:
            category: SeverityCategoryConfig = getattr(config.categories, name)
            levels = []
            for level in ("high", "medium", "low"):  # the highest match wins: test it first
                terms = [*_BUILTIN_SEVERITY_TERMS[name][level], *category.terms.get(level, [])]
                pattern = _pattern(terms)
                if pattern is not None:
                    levels.append((level, pattern))
            self._severity[name] = (category.threshold, levels)
        self._detection: dict[str, tuple[bool, re.Pattern[str] | None]] = {}
        for name in DETECTION_CATEGORIES:
            detection: DetectionCategoryConfig = getattr(config.categories, name)
            enabled = (
                detection.filter
                if detection.filter is not None
                else _DEFAULT_DETECTION_FILTER[name]
            )
            pattern = _pattern([*_BUILTIN_DETECTION_TERMS[name], *detection.terms])
            self._detection[name] = (enabled, pattern)
        self._blocklists = [(item.id, _pattern(item.terms)) for item in config.blocklists]

    @classmethod
    def from_settings(cls, settings: Settings) -> ContentFilter:
        if not settings.content_filter:
            return cls(ContentFilterConfig(enabled=False))
        return cls(load_config(settings.content_filter_config))

    def check(self, prompt: str, *, relaxed: bool = False) -> FilterVerdict:
        """The verdict on `prompt`; `relaxed` is the GPT image models' `moderation=low`."""
        severities = {}
        for name, (threshold, levels) in self._severity.items():
            severity = next((level for level, p in levels if p.search(prompt)), "safe")
            effective = _effective(threshold, relaxed)
            filtered = (
                self.enabled
                and effective != "off"
                and severity != "safe"
                and SEVERITIES.index(severity) >= SEVERITIES.index(effective)
            )
            severities[name] = SeverityResult(severity=severity, filtered=filtered)
        detections = {}
        for name, (enabled, pattern) in self._detection.items():
            detected = pattern is not None and pattern.search(prompt) is not None
            detections[name] = DetectionResult(
                detected=detected, filtered=self.enabled and enabled and detected
            )
        blocklists = tuple(
            BlocklistResult(
                id=blocklist_id,
                filtered=self.enabled and pattern is not None and bool(pattern.search(prompt)),
            )
            for blocklist_id, pattern in self._blocklists
        )
        return FilterVerdict(severities=severities, detections=detections, blocklists=blocklists)

    def require_allowed(self, prompt: str, *, relaxed: bool = False) -> FilterVerdict:
        """The verdict, or `PromptBlocked` when the prompt may not be used."""
        verdict = self.check(prompt, relaxed=relaxed)
        if verdict.blocked:
            raise PromptBlocked(verdict)
        return verdict
