"""The preview engine draws the characters a video task carries: a badge in their colours with
their name at the top right of every frame, and nothing else changes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from reelgate.core.characters import main_colours, mentions
from reelgate.core.models import AssetVariant, CharacterSpec
from reelgate.providers.base import VideoTask
from reelgate.providers.preview.video import PreviewVideoProvider
from tests.media_checks import decode_mp4


def _first_frame(tmp_path: Path, name: str, characters: tuple[CharacterSpec, ...]) -> np.ndarray:
    task = VideoTask(job_id=name, prompt="a kite", width=320, height=180, seconds=1,
                     characters=characters)  # fmt: skip
    (rendered,) = PreviewVideoProvider().generate_video(task, tmp_path / name, lambda *_: None)
    return decode_mp4(rendered.files[AssetVariant.VIDEO].read_bytes()).first_frame


def test_a_character_badge_is_drawn_at_the_top_right(tmp_path: Path) -> None:
    plain = _first_frame(tmp_path, "plain", ())
    ada = CharacterSpec(name="Ada", colors=((250, 20, 20), (20, 250, 20)))
    cast = _first_frame(tmp_path, "cast", (ada,))
    changed = np.abs(plain.astype(np.int16) - cast.astype(np.int16)).max(axis=2) > 24
    rows, cols = np.nonzero(changed)
    assert rows.size > 50
    assert cols.min() > 320 // 2 and rows.max() < 180 // 2
    region = cast[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1].astype(np.int16)
    reddish = (region[..., 0] > 180) & (region[..., 1] < 90) & (region[..., 2] < 90)
    assert reddish.sum() > 10  # the first swatch, in the character's colour


def test_main_colours_and_mentions() -> None:
    frame = np.zeros((40, 40, 3), np.uint8)
    frame[:, :30] = (200, 10, 10)
    frame[:, 30:] = (10, 10, 200)
    colours = main_colours(frame)
    assert colours[0] == (200, 10, 10) and (10, 10, 200) in colours
    assert mentions("Then ADA waves", "Ada") and not mentions("Adam waves", "Ada")
