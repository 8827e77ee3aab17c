"""Write RGB frames to a web-friendly H.264 MP4, reproducibly.

Reproducible means: the same frames give the same bytes on the same FFmpeg/x264 build. x264's
output depends on its thread count, so the count is pinned instead of following the CPU count.
The file is written under a temporary name and renamed when complete, so a cancelled or failed
render never leaves something that looks like a finished video.

Preset choice, measured on 2 cores for a 4 s 720x1280 24 fps preview clip (render + encode,
CRF 23): ultrafast ~1.1 s / 550 kB, superfast ~1.3 s / 470 kB, veryfast ~2.0 s / 260 kB.
"superfast" is the default: it keeps CABAC and the deblocking filter (ultrafast drops both, so
gradients turn blocky at the same CRF) while costing a third less than veryfast, which would
put a 4 s clip at the limit of the ~2 s budget. Details in docs/benchmarks.md.
"""

from __future__ import annotations

import contextlib
import os
from fractions import Fraction
from pathlib import Path
from types import TracebackType

import av
import numpy as np
from av.video.reformatter import ColorRange, Colorspace, Interpolation

DEFAULT_PRESET = "superfast"
DEFAULT_CRF = 23
# Pinned: x264's bitstream differs with the thread count, and reproducible bytes matter more
# than the last few percent of speed on machines with many cores.
ENCODER_THREADS = 2

# BT.709, limited range: what players assume for HD video. Tagged in the stream as well, so
# decoders convert back with the same matrix the encoder side used.
_BT709 = 1
_MPEG_RANGE = 1


def yuv_frame(frame: np.ndarray) -> av.VideoFrame:
    """An HxWx3 uint8 RGB frame as the encoder takes it: yuv420p, BT.709, limited range."""
    rgb = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
    return rgb.reformat(
        format="yuv420p", dst_colorspace=Colorspace.ITU709, dst_color_range=ColorRange.MPEG
    )


def scaled_yuv(frame: av.VideoFrame, width: int, height: int) -> av.VideoFrame:
    """A yuv420p frame at another size, each output pixel the mean of the area it covers (no
    aliasing): the low copy's frames, without a second conversion from RGB."""
    return frame.reformat(width=width, height=height, interpolation=Interpolation.AREA)


def rgb_at(frame: av.VideoFrame, width: int, height: int) -> np.ndarray:
    """A yuv420p frame from `yuv_frame` back as HxWx3 RGB at another size, area-averaged:
    spritesheet tiles, in one small step of FFmpeg's scaler instead of resampling the RGB."""
    small = frame.reformat(
        width=width,
        height=height,
        format="rgb24",
        src_colorspace=Colorspace.ITU709,
        src_color_range=ColorRange.MPEG,
        interpolation=Interpolation.AREA,
    )
    return small.to_ndarray()


class Mp4Writer:
    """Context manager that encodes HxWx3 uint8 RGB frames to an H.264 (yuv420p) MP4.

    Frame `i` gets presentation time `i / fps`, so the file lasts exactly `frames / fps` s.
    The MP4 is "faststart" (index before media data) so browsers can play it while downloading.
    """

    def __init__(
        self,
        path: Path,
        width: int,
        height: int,
        fps: int,
        *,
        preset: str = DEFAULT_PRESET,
        crf: int = DEFAULT_CRF,
        threads: int = ENCODER_THREADS,
    ) -> None:
        if width <= 0 or height <= 0 or width % 2 or height % 2:
            raise ValueError(f"H.264 yuv420p needs even positive dimensions, got {width}x{height}")
        if fps <= 0:
            raise ValueError(f"fps must be positive, got {fps}")
        self.path = Path(path)
        self.width = width
        self.height = height
        self.fps = fps
        self.frames_written = 0
        self._partial = self.path.with_name(self.path.name + ".partial")
        self._container = av.open(
            str(self._partial), "w", format="mp4", options={"movflags": "faststart"}
        )
        try:
            stream = self._container.add_stream("libx264", rate=fps)
            stream.width = width
            stream.height = height
            stream.pix_fmt = "yuv420p"
            stream.time_base = Fraction(1, fps)
            stream.options = {"preset": preset, "crf": str(crf)}
            context = stream.codec_context
            context.thread_count = threads
            for attribute in ("colorspace", "color_primaries", "color_trc"):
                if hasattr(context, attribute):
                    setattr(context, attribute, _BT709)
            if hasattr(context, "color_range"):
                context.color_range = _MPEG_RANGE
        except Exception:
            self._abort()
            raise
        self._stream = stream

    def write(self, frame: np.ndarray) -> None:
        """Encode one RGB frame (HxWx3 uint8, the size given at construction)."""
        if frame.shape != (self.height, self.width, 3) or frame.dtype != np.uint8:
            raise ValueError(
                f"expected a {self.height}x{self.width}x3 uint8 frame, "
                f"got {frame.shape} {frame.dtype}"
            )
        self.write_yuv(yuv_frame(frame))

    def write_yuv(self, frame: av.VideoFrame) -> None:
        """Encode one frame already converted by `yuv_frame` or `scaled_yuv` (yuv420p, the
        size given at construction): a caller writing several renditions converts once."""
        if (frame.width, frame.height) != (self.width, self.height) or (
            frame.format.name != "yuv420p"
        ):
            raise ValueError(
                f"expected a {self.width}x{self.height} yuv420p frame, "
                f"got {frame.width}x{frame.height} {frame.format.name}"
            )
        frame.pts = self.frames_written
        frame.time_base = Fraction(1, self.fps)
        self._container.mux(self._stream.encode(frame))
        self.frames_written += 1

    def close(self) -> Path:
        """Flush the encoder, finish the file and move it to its final name."""
        if self.frames_written == 0:
            self._abort()
            raise ValueError("cannot write a video with no frames")
        self._container.mux(self._stream.encode(None))
        self._container.close()
        os.replace(self._partial, self.path)
        return self.path

    def _abort(self) -> None:
        """Drop the unfinished file; used when rendering failed or was cancelled."""
        # The file is being thrown away; a failure to finalise it does not matter.
        with contextlib.suppress(av.FFmpegError, OSError, ValueError):
            self._container.close()
        self._partial.unlink(missing_ok=True)

    def __enter__(self) -> Mp4Writer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self._abort()
