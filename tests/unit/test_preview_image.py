"""The preview image provider without a server: determinism, sizes, quality, styles, masks kept
pixel for pixel, combined inputs, the black/white alpha matte, and partial renders."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from reelgate.core.models import ImageFamily, ImageOperation
from reelgate.media.image_files import encode_image, load_rgba
from reelgate.providers.base import ImageTask
from reelgate.providers.preview.image import PreviewImageProvider, _Canvas
from reelgate.providers.preview.render import Stamp


def task(**changes) -> ImageTask:
    fields = dict(job_id="image_x", prompt="A lantern festival", family=ImageFamily.DALL_E_2,
                  operation=ImageOperation.GENERATE, width=256, height=256, n=1,
                  quality="standard", output_format="png", output_compression=100,
                  background="opaque")  # fmt: skip
    return ImageTask(**{**fields, **changes})


def draw(tmp_path: Path, **changes) -> list[np.ndarray]:
    rendered = PreviewImageProvider().generate_images(task(**changes), tmp_path)
    return [np.asarray(Image.open(item.path)) for item in rendered]


def test_deterministic_per_request_and_distinct_per_index(tmp_path: Path):
    first, second = draw(tmp_path, n=2)
    (tmp_path / "again").mkdir()
    again, _ = draw(tmp_path / "again", n=2)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, second)
    assert first.shape == (256, 256, 3)


def test_any_supported_size(tmp_path: Path):
    (wide,) = draw(tmp_path, width=1792, height=1024, quality="low")
    assert wide.shape == (1024, 1792, 3)


def test_quality_draws_the_same_picture_at_different_detail(tmp_path: Path):
    (sharp,) = draw(tmp_path, width=512, height=512, quality="high")
    (soft,) = draw(tmp_path, width=512, height=512, quality="low")
    difference = np.abs(sharp.astype(int) - soft.astype(int)).mean()
    assert 0 < difference < 20, "the same picture, less detailed"
    assert (
        np.abs(np.diff(sharp.astype(int), axis=1)).mean()
        > np.abs(np.diff(soft.astype(int), axis=1)).mean()
    )


def test_transparent_background_is_real_alpha(tmp_path: Path):
    (rgba,) = draw(tmp_path, background="transparent")
    assert rgba.shape == (256, 256, 4)
    alpha = rgba[..., 3]
    assert alpha.min() == 0 and alpha.max() == 255 and 0 < alpha.mean() < 255
    assert (rgba[alpha == 0][:, :3] == 0).all(), "no colour hides under transparent pixels"


def test_canvas_matte_recovers_colour_and_alpha():
    canvas = _Canvas(np.zeros((8, 8, 3), np.uint8), np.zeros((8, 8), np.uint8))
    patch = np.zeros((4, 4, 4), np.uint8)
    patch[...] = (200, 100, 50, 128)
    canvas.blend(Stamp(patch), 2, 2)
    image = np.asarray(canvas.image())
    assert image[0, 0, 3] == 0
    assert abs(int(image[3, 3, 3]) - 128) <= 2
    assert np.abs(image[3, 3, :3].astype(int) - (200, 100, 50)).max() <= 3


def _save(image: Image.Image, path: Path) -> Path:
    image.save(path)
    return path


def test_mask_keeps_every_other_pixel_exactly(tmp_path: Path):
    rng = np.random.default_rng(7)
    source = Image.fromarray(rng.integers(0, 255, (256, 256, 3), dtype=np.uint8), "RGB")
    mask = Image.new("RGBA", (256, 256), (0, 0, 0, 255))
    ImageDraw.Draw(mask).ellipse((64, 64, 191, 191), fill=(0, 0, 0, 0))
    (edited,) = draw(
        tmp_path,
        operation=ImageOperation.EDIT,
        input_images=(_save(source, tmp_path / "in.png"),),
        mask=_save(mask, tmp_path / "mask.png"),
    )
    area = np.asarray(mask)[..., 3] == 0
    original = np.asarray(source)
    assert np.array_equal(edited[~area], original[~area])
    assert (edited[area] != original[area]).any(axis=1).mean() > 0.95


def test_several_inputs_are_placed_side_by_side(tmp_path: Path):
    paths = tuple(
        _save(Image.new("RGB", (64, 64), colour), tmp_path / f"{n}.png")
        for n, colour in enumerate([(255, 0, 0), (0, 255, 0), (0, 0, 255)])
    )
    (edited,) = draw(tmp_path, operation=ImageOperation.EDIT, input_images=paths)
    thirds = [edited[:, k * 85 : (k + 1) * 85].reshape(-1, 3).mean(axis=0) for k in range(3)]
    assert [int(np.argmax(third)) for third in thirds] == [0, 1, 2]


def test_styles_change_saturation_not_the_picture(tmp_path: Path):
    def saturation(style: str) -> float:
        (pixels,) = draw(tmp_path, family=ImageFamily.DALL_E_3, style=style)
        return float(np.asarray(Image.fromarray(pixels).convert("HSV"))[..., 1].mean())

    assert saturation("vivid") > saturation("natural") + 10


def test_partial_images_are_reported_in_order_in_the_output_format(tmp_path: Path):
    seen: list[tuple[int, int, str]] = []
    PreviewImageProvider().generate_images(
        task(n=2, partial_images=2, output_format="webp"),
        tmp_path,
        lambda index, partial, path: seen.append((index, partial, Image.open(path).format)),
    )
    assert seen == [(0, 0, "WEBP"), (0, 1, "WEBP"), (1, 0, "WEBP"), (1, 1, "WEBP")]


@pytest.mark.parametrize("output_format", ["jpeg", "webp"])
def test_compression_is_quality(tmp_path: Path, output_format: str):
    image = Image.fromarray(np.random.default_rng(1).integers(0, 255, (64, 64, 3), np.uint8))
    small = encode_image(image, tmp_path / "small", output_format, 5).stat().st_size
    large = encode_image(image, tmp_path / "large", output_format, 95).stat().st_size
    assert small < large


def test_load_rgba_reports_format_and_alpha(tmp_path: Path):
    opaque = _save(Image.new("RGB", (4, 4)), tmp_path / "a.png").read_bytes()
    clear = _save(Image.new("RGBA", (4, 4)), tmp_path / "b.png").read_bytes()
    decoded = load_rgba(opaque, max_bytes=10**6, max_pixels=100, label="x")
    assert (decoded.format, decoded.has_alpha_channel, decoded.image.mode) == ("PNG", False, "RGBA")
    assert load_rgba(clear, max_bytes=10**6, max_pixels=100, label="x").has_alpha_channel
