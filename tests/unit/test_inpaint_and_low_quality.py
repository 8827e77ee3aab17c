"""Azure's needs from the preview engine: inpaint items really placed, a smaller low-quality copy,
and a JPEG thumbnail."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from reelgate.core.models import AssetVariant, MediaKind
from reelgate.media.probe import probe_video
from reelgate.providers.base import InpaintLayer
from tests.unit.test_preview import frames_of, make_task, mean_abs_difference, render


def solid_png(path: Path, color: tuple[int, int, int], size: tuple[int, int] = (64, 48)) -> Path:
    Image.new("RGB", size, color).save(path)
    return path


def test_low_quality_copy_is_half_size_smaller_and_complete(tmp_path: Path):
    (result,) = render(make_task(width=320, height=240, seconds=1), tmp_path)
    high, low = result.files[AssetVariant.VIDEO], result.files[AssetVariant.VIDEO_LOW]
    high_info, low_info = probe_video(high), probe_video(low)
    assert (low_info.width, low_info.height) == (160, 120)
    assert low_info.frames == high_info.frames == 24
    assert low.stat().st_size < high.stat().st_size / 2
    with Image.open(result.files[AssetVariant.THUMBNAIL_JPEG]) as thumbnail:
        assert thumbnail.format == "JPEG" and thumbnail.size == (320, 240)


def test_an_image_item_appears_at_its_frame_inside_its_bounds(tmp_path: Path):
    red = solid_png(tmp_path / "red.png", (250, 0, 0))
    layer = InpaintLayer(red, MediaKind.IMAGE, frame_index=12, left=0.5, top=0.0, right=1.0,
                         bottom=0.5)  # fmt: skip
    (result,) = render(make_task(width=320, height=240, inpaint=(layer,)), tmp_path / "out")
    frames = frames_of(result.files[AssetVariant.VIDEO])

    def top_right(frame: np.ndarray) -> np.ndarray:
        return frame[8:112, 168:312].reshape(-1, 3).mean(axis=0)

    before, at, later = top_right(frames[11]), top_right(frames[12]), top_right(frames[23])
    assert not (before[0] > 200 and before[1] < 40), before
    for mean in (at, later):
        assert mean[0] > 200 and mean[1] < 40 and mean[2] < 40, mean
    bottom_left = frames[12][130:230, 10:150].reshape(-1, 3).mean(axis=0)
    assert not (bottom_left[0] > 200 and bottom_left[1] < 40), "outside the bounds stays scene"


def test_crop_bounds_select_part_of_the_item(tmp_path: Path):
    half_blue = Image.new("RGB", (100, 100), (250, 0, 0))
    half_blue.paste((0, 0, 250), (50, 0, 100, 100))  # right half blue
    path = tmp_path / "halves.png"
    half_blue.save(path)
    layer = InpaintLayer(path, MediaKind.IMAGE, frame_index=0, left=0.5, right=1.0)
    (result,) = render(make_task(width=320, height=240, inpaint=(layer,)), tmp_path / "out")
    first = frames_of(result.files[AssetVariant.VIDEO])[0]
    mean = first[20:220, 180:300].reshape(-1, 3).mean(axis=0)  # right half of the frame
    assert mean[2] > 200 and mean[0] < 40, "the right half of the item shows in the right half"


def test_a_video_item_plays_from_its_frame(tmp_path: Path):
    (source,) = render(make_task(prompt="clip", width=320, height=240), tmp_path / "source")
    clip = source.files[AssetVariant.VIDEO]
    layer = InpaintLayer(clip, MediaKind.VIDEO, frame_index=6)
    (result,) = render(make_task(width=320, height=240, inpaint=(layer,)), tmp_path / "out")
    output, original = frames_of(result.files[AssetVariant.VIDEO]), frames_of(clip)
    assert mean_abs_difference(output[6], original[0]) < 6
    assert mean_abs_difference(output[15], original[9]) < 6
    assert mean_abs_difference(output[23], original[17]) < 6
    assert mean_abs_difference(output[5], original[0]) > 6, "not before its frame"
