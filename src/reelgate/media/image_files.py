"""Image files in and out: untrusted uploads decoded with their alpha kept, results encoded as
PNG, JPEG or WebP at the requested compression.

Edits need the alpha channel (a mask's transparent pixels say what to redraw; an input's
transparency is kept where it is not redrawn), which `media.images.load_image` flattens for
video frames. The same safety rules apply: the format comes from the bytes, and the pixel count
is checked from the header before anything is decoded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps

from reelgate.media.errors import InvalidMediaError
from reelgate.media.images import decode_checked

MEDIA_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}
EXTENSIONS = {"png": "png", "jpeg": "jpg", "webp": "webp"}
# zlib level for PNG: 6 is Pillow's default and costs 3-4x level 1 for ~10% smaller files; the
# files are served locally, so speed wins.
_PNG_LEVEL = 3


@dataclass(frozen=True)
class DecodedImage:
    image: Image.Image  # RGBA; formats without alpha get 255 everywhere
    format: str  # PNG | JPEG | WEBP
    has_alpha_channel: bool  # the file itself has an alpha channel (or a transparent colour)


def load_rgba(data: bytes, *, max_bytes: int, max_pixels: int, label: str) -> DecodedImage:
    """Decode a PNG, JPEG or WebP upload as RGBA."""
    image = decode_checked(data, max_bytes=max_bytes, max_pixels=max_pixels, label=label)
    alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
    try:
        rgba = (ImageOps.exif_transpose(image) or image).convert("RGBA")
    except (OSError, ValueError) as error:
        raise InvalidMediaError(f"{label} could not be decoded ({error})") from None
    return DecodedImage(image=rgba, format=image.format or "", has_alpha_channel=alpha)


def has_transparency(image: Image.Image) -> bool:
    """Whether any pixel of an RGBA image is less than fully opaque."""
    low, _ = image.getchannel("A").getextrema()
    return low < 255


def encode_image(image: Image.Image, path: Path, output_format: str, compression: int) -> Path:
    """Write `image` as `output_format`. `compression` (0..100, OpenAI's `output_compression`)
    is the JPEG/WebP quality: lower values give smaller files. PNG is lossless and ignores it.
    An RGBA image keeps its alpha in PNG and WebP; JPEG has none, so it is flattened."""
    if output_format == "png":
        image.save(path, format="PNG", compress_level=_PNG_LEVEL)
    elif output_format == "jpeg":
        flat = image.convert("RGB") if image.mode != "RGB" else image
        flat.save(path, format="JPEG", quality=max(1, compression), optimize=False)
    elif output_format == "webp":
        image.save(path, format="WEBP", quality=compression, method=3, exact=False)
    else:
        raise ValueError(f"unsupported output format {output_format!r}")
    return path
