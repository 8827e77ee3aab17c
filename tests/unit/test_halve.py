"""The low-quality copy's 2x2 box filter: Pillow's `reduce(2)` must give exactly the rounded
block mean, for every size the sides can have (odd ones are cropped to stay even)."""

from __future__ import annotations

import numpy as np
import pytest

from reelgate.media.thumbs import half_size, halve


def block_mean(frame: np.ndarray) -> np.ndarray:
    height, width = frame.shape[:2]
    out_width, out_height = half_size(width, height)
    block = frame[: out_height * 2, : out_width * 2].astype(np.uint16)
    total = block[0::2, 0::2] + block[1::2, 0::2] + block[0::2, 1::2] + block[1::2, 1::2]
    return ((total + 2) >> 2).astype(np.uint8)


@pytest.mark.parametrize("size", [(720, 1280), (721, 1281), (480, 854), (6, 10), (4, 4)])
def test_halve_is_the_rounded_block_mean(size: tuple[int, int]) -> None:
    frame = np.random.default_rng(sum(size)).integers(0, 256, (*size, 3), dtype=np.uint8)
    halved = halve(frame)
    assert halved.dtype == np.uint8 and halved.flags["C_CONTIGUOUS"]
    np.testing.assert_array_equal(halved, block_mean(frame))


def test_halve_rounds_halves_up() -> None:
    frame = np.array([[[0] * 3, [1] * 3], [[1] * 3, [0] * 3]], dtype=np.uint8)  # mean 0.5
    frame = np.tile(frame, (2, 2, 1))
    assert int(halve(frame)[0, 0, 0]) == int(block_mean(frame)[0, 0, 0]) == 1
