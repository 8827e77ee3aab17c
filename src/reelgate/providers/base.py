"""The contract between the job runner and whatever produces media.

A provider knows nothing of dialects or HTTP: it receives a canonical `VideoTask`, writes its files
into a private work directory, reports progress, and returns what it produced. The runner then
moves those files into reelgate's storage and records them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from reelgate.core.models import AssetVariant, MediaKind, Operation, Phase


class JobCancelled(Exception):
    """Raised by a progress sink when the job was deleted or cancelled while running."""


class ProgressSink(Protocol):
    def __call__(self, progress: float, phase: Phase = Phase.RUNNING) -> None:
        """Report progress in 0..100. May raise `JobCancelled` to stop the work early."""


@dataclass(frozen=True)
class InpaintLayer:
    """Client media shown from `frame_index` on, its crop (fractions) shown in the same part of
    the frame."""

    path: Path
    kind: MediaKind
    frame_index: int
    left: float = 0.0
    top: float = 0.0
    right: float = 1.0
    bottom: float = 1.0


@dataclass(frozen=True)
class VideoTask:
    """A video to produce, with every input already validated and on local disk."""

    job_id: str
    prompt: str
    width: int  # even
    height: int  # even
    seconds: int  # total duration of each output (for extensions: source + new segment)
    fps: int = 24
    n_variants: int = 1
    seed: int | None = None
    operation: Operation = Operation.GENERATE
    reference_image: Path | None = None  # a validated image file (PNG)
    source_video: Path | None = None  # the video to remix, edit or extend
    source_prompt: str | None = None  # the prompt that produced `source_video`, when known
    inpaint: tuple[InpaintLayer, ...] = ()


@dataclass(frozen=True)
class RenderedVideo:
    """One output variant, as files inside the provider's work directory.

    `files` must hold VIDEO (H.264 MP4); a provider adds what it can of VIDEO_LOW (smaller MP4),
    THUMBNAIL (WebP), THUMBNAIL_JPEG and SPRITESHEET (JPEG grid of frames).
    """

    index: int
    width: int
    height: int
    seconds: float
    files: dict[AssetVariant, Path]


class VideoProvider(Protocol):
    name: str

    def generate_video(
        self, task: VideoTask, workdir: Path, progress: ProgressSink
    ) -> list[RenderedVideo]:
        """Produce `task.n_variants` videos in `workdir`. Blocking; runs in a worker thread."""
