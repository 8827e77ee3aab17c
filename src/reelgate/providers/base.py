"""The contract between the job runner and whatever produces media.

A provider knows nothing of dialects or HTTP: it receives a canonical `VideoTask`, writes its files
into a private work directory, reports progress, and returns what it produced. The runner then
moves those files into reelgate's storage and records them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from reelgate.core.models import Operation, Phase


class JobCancelled(Exception):
    """Raised by a progress sink when the job was deleted or cancelled while running."""


class ProgressSink(Protocol):
    def __call__(self, progress: float, phase: Phase = Phase.RUNNING) -> None:
        """Report progress in 0..100. May raise `JobCancelled` to stop the work early."""


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


@dataclass(frozen=True)
class RenderedVideo:
    """One output variant, as files inside the provider's work directory."""

    index: int
    width: int
    height: int
    seconds: float
    video: Path  # H.264 MP4
    thumbnail: Path  # WebP
    spritesheet: Path  # JPEG grid of frames


class VideoProvider(Protocol):
    name: str

    def generate_video(
        self, task: VideoTask, workdir: Path, progress: ProgressSink
    ) -> list[RenderedVideo]:
        """Produce `task.n_variants` videos in `workdir`. Blocking; runs in a worker thread."""
