"""Encoding on a background thread: the same bytes as encoding in place, errors reach the caller,
and leaving the block on an error keeps no file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reelgate.media.encode import Mp4Writer, rgb_at, scaled_yuv, yuv_frame
from reelgate.media.encode_thread import EncoderThread
from reelgate.media.probe import probe_video
from tests.unit.test_media import moving_bar_frames

WIDTH, HEIGHT = 128, 96


def encode_in_place(path: Path, low_path: Path, frames: list[np.ndarray]) -> None:
    with Mp4Writer(path, WIDTH, HEIGHT, 24) as video, Mp4Writer(low_path, 64, 48, 24) as low:
        for frame in frames:
            yuv = yuv_frame(frame)
            video.write_yuv(yuv)
            low.write_yuv(scaled_yuv(yuv, 64, 48))


def test_the_thread_writes_the_same_bytes_as_the_caller(tmp_path: Path) -> None:
    frames = moving_bar_frames(30)
    encode_in_place(tmp_path / "a.mp4", tmp_path / "a-low.mp4", frames)
    with (
        Mp4Writer(tmp_path / "b.mp4", WIDTH, HEIGHT, 24) as video,
        Mp4Writer(tmp_path / "b-low.mp4", 64, 48, 24) as low,
        EncoderThread((video, low)) as encoder,
    ):
        for frame in frames:
            yuv = yuv_frame(frame)
            encoder.put((yuv, scaled_yuv(yuv, 64, 48)))
    assert (tmp_path / "a.mp4").read_bytes() == (tmp_path / "b.mp4").read_bytes()
    assert (tmp_path / "a-low.mp4").read_bytes() == (tmp_path / "b-low.mp4").read_bytes()
    assert probe_video(tmp_path / "b-low.mp4").frames == 30


def test_an_encoding_error_is_raised_in_the_callers_thread(tmp_path: Path) -> None:
    wrong_size = scaled_yuv(yuv_frame(moving_bar_frames(1)[0]), 64, 48)
    with (
        pytest.raises(ValueError, match="expected a 128x96 yuv420p frame"),
        Mp4Writer(tmp_path / "a.mp4", WIDTH, HEIGHT, 24) as video,
        EncoderThread((video,)) as encoder,
    ):
        for _ in range(20):  # raised by a later put, or at the latest on leaving
            encoder.put((wrong_size,))
    assert list(tmp_path.iterdir()) == []


def test_leaving_on_an_error_drops_the_files_and_stops_the_thread(tmp_path: Path) -> None:
    frames = moving_bar_frames(12)
    with (
        pytest.raises(KeyboardInterrupt),
        Mp4Writer(tmp_path / "a.mp4", WIDTH, HEIGHT, 24) as video,
        EncoderThread((video,)) as encoder,
    ):
        for frame in frames:
            encoder.put((yuv_frame(frame),))
        raise KeyboardInterrupt  # a cancellation, as a job's progress sink raises one
    assert not encoder._thread.is_alive()
    assert list(tmp_path.iterdir()) == []


def test_tiles_come_back_as_rgb_at_the_asked_size() -> None:
    frame = np.full((HEIGHT, WIDTH, 3), (200, 40, 90), dtype=np.uint8)
    tile = rgb_at(yuv_frame(frame), 32, 24)
    assert tile.shape == (24, 32, 3)
    assert np.abs(tile.reshape(-1, 3).mean(axis=0) - (200, 40, 90)).max() < 4
