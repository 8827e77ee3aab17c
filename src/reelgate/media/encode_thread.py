"""Encoding on a thread of its own, so the next frame is drawn while x264 takes this one.

x264 with its two pinned threads leaves part of a second core idle, and PyAV lets go of the GIL
while it converts and encodes; a job that draws its frames in Python (the preview engine, a
local model's decoded latents) finishes sooner when drawing and encoding overlap. Frames keep
their order, so the bytes are the same as encoding them in the caller's thread.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from types import TracebackType

import av

from reelgate.media.encode import Mp4Writer

# Frames in flight between the caller and the encoder thread: enough to absorb a slow frame on
# either side, few enough that memory stays a handful of frames.
_DEPTH = 4
_DONE = None


class EncoderThread:
    """Context manager: `put` a tuple of yuv420p frames (one per writer) for each output frame;
    the writers encode them on one background thread, in order.

    An error in the thread is raised by the next `put` or by leaving the block; leaving the block
    because of an error (a cancellation included) stops the thread without finishing the files,
    so the writers drop their partial output.
    """

    def __init__(self, writers: Sequence[Mp4Writer]) -> None:
        self._writers = tuple(writers)
        self._frames: queue.Queue[tuple[av.VideoFrame, ...] | None] = queue.Queue(_DEPTH)
        self._failure: BaseException | None = None
        self._abandon = threading.Event()
        self._thread = threading.Thread(target=self._run, name="reelgate-encoder", daemon=True)

    def __enter__(self) -> EncoderThread:
        self._thread.start()
        return self

    def put(self, frames: tuple[av.VideoFrame, ...]) -> None:
        if len(frames) != len(self._writers):
            raise ValueError(f"expected {len(self._writers)} frames, got {len(frames)}")
        while True:
            if self._failure is not None:
                raise self._failure
            try:
                self._frames.put(frames, timeout=0.1)
                return
            except queue.Full:
                continue

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is not None:
            self._abandon.set()
        while self._thread.is_alive():
            try:
                self._frames.put(_DONE, timeout=0.1)
                break
            except queue.Full:
                continue
        self._thread.join()
        if kind is None and self._failure is not None:
            raise self._failure

    def _run(self) -> None:
        try:
            while (frames := self._frames.get()) is not _DONE:
                if self._abandon.is_set():
                    continue  # drain without encoding: the files are being thrown away
                for writer, frame in zip(self._writers, frames, strict=True):
                    writer.write_yuv(frame)
        except BaseException as exc:  # raised again in the caller's thread
            self._failure = exc
