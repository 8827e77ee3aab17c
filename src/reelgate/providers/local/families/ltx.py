"""LTX-Video (Lightricks): text-to-video, and image-to-video from the same weights.
24 fps by default, frame counts 8k+1, sides multiples of 32."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reelgate.providers.local.families.base import Family, VideoCall


@dataclass(frozen=True)
class LtxFamily(Family):
    def video_pipeline(self, pipe: Any, call: VideoCall) -> Any:
        if call.image is None:
            return pipe
        import diffusers

        return diffusers.LTXImageToVideoPipeline.from_pipe(pipe)

    def video_kwargs(self, call: VideoCall) -> dict[str, Any]:
        # LTX conditions on the frame rate it is asked to play at.
        return {**super().video_kwargs(call), "frame_rate": call.fps}


LTX = LtxFamily(
    name="ltx",
    kind="video",
    pipelines=frozenset({"LTXPipeline", "LTXImageToVideoPipeline"}),
    size_multiple=32,
    fps=24,
    frame_step=8,
    steps=50,
    guidance=3.0,
)
