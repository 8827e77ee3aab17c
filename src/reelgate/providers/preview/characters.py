"""Video characters in preview videos: a badge per character the prompt mentions, drawn into
every frame at the top right: the character's main colours as swatches, then its name."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from reelgate.core.models import CharacterSpec
from reelgate.providers.preview.render import Stamp, _panel


def _badge(character: CharacterSpec, unit: int) -> Stamp:
    size = max(8, round(unit * 0.035))
    font = ImageFont.load_default(size=size)
    pad = max(2, size // 3)
    swatch = size + pad
    colors = character.colors or ((255, 255, 255),)
    ascent, descent = font.getmetrics()
    height = max(swatch, ascent + descent) + 2 * pad
    width = len(colors) * (swatch + pad) + round(font.getlength(character.name)) + 3 * pad
    image = Image.fromarray(_panel(width, height, pad, 170), "RGBA")
    draw = ImageDraw.Draw(image)
    for number, rgb in enumerate(colors):
        left = pad + number * (swatch + pad)
        top = (height - swatch) // 2
        draw.rectangle((left, top, left + swatch - 1, top + swatch - 1), fill=(*rgb, 255))
    text_left = pad + len(colors) * (swatch + pad) + pad
    draw.text((text_left, pad), character.name, font=font, fill=(255, 255, 255, 235))
    return Stamp(np.asarray(image))


class CharacterBadges:
    """The badges of a task's characters, stacked down the frame's right edge."""

    def __init__(self, characters: tuple[CharacterSpec, ...], width: int, height: int) -> None:
        unit = min(width, height)
        edge = max(4, round(unit * 0.03))
        self._placed: list[tuple[Stamp, int, int]] = []
        top = edge + max(8, round(unit * 0.026)) * 2  # below the label's row
        for character in characters:
            stamp = _badge(character, unit)
            self._placed.append((stamp, width - edge - stamp.width, top))
            top += stamp.height + edge // 2

    def apply(self, frame: np.ndarray) -> np.ndarray:
        for stamp, left, top in self._placed:
            stamp.blend(frame, left, top)
        return frame
