"""Inspect and decode videos: validating uploaded sources and reading frames to edit or extend.

Anything FFmpeg cannot open or decode is reported as `InvalidMediaError`, because these files
come from clients (an upload, or a video the client points at) and the fix is theirs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from reelgate.media.errors import InvalidMediaError

# FFmpeg demuxer names accepted for source videos (a demuxer may list several, comma-separated).
VIDEO_CONTAINERS = frozenset({"mov", "mp4", "matroska", "webm", "avi", "mpegts"})


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    frames: int
    fps: float
    duration: float  # seconds
    codec: str
    pix_fmt: str


def probe_video(path: Path, *, count_limit: int | None = None) -> VideoInfo:
    """Describe the first video stream of `path`, decoding one frame to prove it works.

    The frame count comes from the container when it records one, otherwise from counting the
    stream's packets without decoding them (some formats, e.g. raw or fragmented streams, do not
    say), stopping at `count_limit`: a file that claims nothing cannot make a request count
    millions of frames to learn that it has too many.
    """
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise InvalidMediaError("the file has no video stream")
            if not _is_video_container(container.format.name):
                raise InvalidMediaError(
                    "the file is not an MP4, QuickTime, WebM, Matroska, AVI or MPEG-TS video"
                )
            stream = container.streams.video[0]
            if next(iter(container.decode(stream)), None) is None:
                raise InvalidMediaError("the video has no decodable frames")
            rate = stream.average_rate or stream.guessed_rate or stream.base_rate
            fps = float(rate) if rate else 0.0
            frames = stream.frames or _count_packets(path, count_limit)
            duration = _duration_seconds(container, stream, frames, fps)
            context = stream.codec_context
            return VideoInfo(
                width=context.width,
                height=context.height,
                frames=frames,
                fps=fps,
                duration=duration,
                codec=context.name,
                pix_fmt=context.pix_fmt or "",
            )
    except InvalidMediaError:
        raise
    except (av.FFmpegError, OSError, ValueError) as error:
        raise InvalidMediaError(f"the file is not a decodable video ({_reason(error)})") from None


def _count_packets(path: Path, limit: int | None) -> int:
    """Frames of the first video stream, as packets read without decoding (one frame each),
    at most `limit`."""
    counted = 0
    with av.open(str(path)) as container:
        for packet in container.demux(container.streams.video[0]):
            if packet.size:  # the demuxer's last, empty packet is no frame
                counted += 1
                if limit is not None and counted >= limit:
                    break
    return max(1, counted)


def iter_frames(path: Path, *, fit: tuple[int, int] | None = None) -> Iterator[np.ndarray]:
    """Yield the frames of the first video stream as HxWx3 uint8 RGB arrays.

    With `fit=(width, height)` every frame is scaled to cover that size and center-cropped to it,
    so sources of any size or aspect ratio can be edited at the requested output size.
    """
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise InvalidMediaError("the file has no video stream")
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            for frame in container.decode(stream):
                if fit is None:
                    yield frame.to_ndarray(format="rgb24")
                    continue
                scaled_w, scaled_h, left, top = _cover_geometry(frame.width, frame.height, *fit)
                rgb = frame.reformat(width=scaled_w, height=scaled_h, format="rgb24")
                array = rgb.to_ndarray()
                yield np.ascontiguousarray(array[top : top + fit[1], left : left + fit[0]])
    except InvalidMediaError:
        raise
    except (av.FFmpegError, OSError) as error:
        raise InvalidMediaError(f"the file is not a decodable video ({_reason(error)})") from None


def _cover_geometry(
    source_w: int, source_h: int, target_w: int, target_h: int
) -> tuple[int, int, int, int]:
    """Scaled size that covers the target while keeping the aspect, and the crop offsets."""
    scale = max(target_w / source_w, target_h / source_h)
    scaled_w = max(target_w, round(source_w * scale))
    scaled_h = max(target_h, round(source_h * scale))
    return scaled_w, scaled_h, (scaled_w - target_w) // 2, (scaled_h - target_h) // 2


def _duration_seconds(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    frames: int,
    fps: float,
) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * Fraction(stream.time_base))
    if container.duration is not None:
        return container.duration / av.time_base
    return frames / fps if fps else 0.0


def _is_video_container(format_name: str) -> bool:
    """FFmpeg will "open" almost anything (a PNG as a one-frame video, a text file as ANSI art),
    so uploads are held to the container formats real video files use."""
    return not VIDEO_CONTAINERS.isdisjoint(format_name.split(","))


def _reason(error: Exception) -> str:
    """FFmpeg's own words, without the file path (which is a server-side detail)."""
    if isinstance(error, av.FFmpegError) and error.strerror:
        return str(error.strerror)
    return type(error).__name__


class FrameCursor:
    """Sequential access to decoded frames that rewinds by decoding again from the start.

    Asking past the last frame gives the last frame (the container over-reported its count, or
    the caller holds the end), so long videos are never held in memory.
    """

    def __init__(self, open_frames: Callable[[], Iterator[np.ndarray]]) -> None:
        self._open = open_frames
        self._frames = open_frames()
        self._index = -1
        self._current: np.ndarray | None = None

    def frame_at(self, index: int) -> np.ndarray:
        if index < self._index:
            self._frames = self._open()
            self._index = -1
        while self._index < index:
            following = next(self._frames, None)
            if following is None:  # the container over-reported its frame count
                break
            self._current = following
            self._index += 1
        if self._current is None:
            raise InvalidMediaError("the source video has no decodable frames")
        return self._current
