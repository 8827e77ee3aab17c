"""Helpers that look inside produced media with PyAV and Pillow (independent of reelgate's code)."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import av
import numpy as np
from PIL import Image


@dataclass(frozen=True)
class DecodedVideo:
    width: int
    height: int
    frames: int
    duration: float
    codec: str
    pix_fmt: str
    frames_sha256: str
    first_frame: np.ndarray


def decode_mp4(data: bytes) -> DecodedVideo:
    digest = hashlib.sha256()
    first = None
    count = 0
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        duration = float(container.duration / av.time_base) if container.duration else 0.0
        codec, pix_fmt = stream.codec_context.name, stream.codec_context.pix_fmt
        width, height = stream.codec_context.width, stream.codec_context.height
        for frame in container.decode(stream):
            array = frame.to_ndarray(format="rgb24")
            digest.update(array.tobytes())
            if first is None:
                first = array
            count += 1
    assert first is not None, "no frames decoded"
    return DecodedVideo(width, height, count, duration, codec, pix_fmt, digest.hexdigest(), first)


def png_bytes(color: tuple[int, int, int], size: tuple[int, int] = (320, 240)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()
