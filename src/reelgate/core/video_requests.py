"""What a dialect asks the job service for: a new video, or one derived from a source.

Dialects fill these in from their own fields; `core/jobs.py` turns them into jobs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reelgate.core.job_inputs import ClientFile, NewInpaintItem
from reelgate.core.models import CharacterSpec, Operation
from reelgate.scenarios.grammar import Scenario

SizeChooser = Callable[[int, int], tuple[int, int]]


def even_size(width: int, height: int) -> tuple[int, int]:
    """H.264 in yuv420p needs even dimensions: round odd ones down (documented behaviour)."""
    return max(2, width - width % 2), max(2, height - height % 2)


@dataclass(frozen=True)
class NewVideo:
    prompt: str
    model: str
    width: int
    height: int
    seconds: int
    n_variants: int = 1
    seed: int | None = None
    reference_image: ClientFile | None = None
    inpaint: tuple[NewInpaintItem, ...] = ()
    characters: tuple[CharacterSpec, ...] = ()  # mentioned in the prompt (core/characters.py)
    # Per-request webhook target (checked by the API): None for the configured default,
    # `core.webhooks.NO_WEBHOOK` for none.
    webhook: str | None = None
    # The request's own scenario (header `x-reelgate-scenario`); None: the rules file decides.
    scenario: Scenario | None = None
    # `provider/model` names to try after `model`, in order (`VideoSpec.fallbacks`).
    fallbacks: tuple[str, ...] = ()
    negative_prompt: str | None = None  # as `VideoSpec.negative_prompt`
    audio: bool | None = None  # as `VideoSpec.audio`


@dataclass(frozen=True)
class SourceVideo:
    """What an edit or extension starts from: a stored job, or an uploaded video file."""

    job_id: str | None = None
    upload: ClientFile | None = None


@dataclass(frozen=True)
class DerivedVideo:
    """An edit (`Operation.EDIT`) or an extension (`Operation.EXTEND`) of a source video."""

    operation: Operation
    source: SourceVideo
    prompt: str
    model: str  # for an uploaded source; a stored one keeps its own model
    choose_size: SizeChooser  # an uploaded source's (width, height) -> the size to make
    extra_seconds: int = 0  # extensions: the seconds added
    webhook: str | None = None  # as `NewVideo.webhook`
    scenario: Scenario | None = None  # as `NewVideo.scenario`
