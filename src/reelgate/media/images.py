"""Validate client-supplied images (e.g. `input_reference`) and fit them to a video frame.

Images are untrusted: the format is decided by the bytes, not the name or declared type, and the
pixel count is checked from the header before anything is decoded, so a tiny file that claims
to be 50000x50000 (a decompression bomb) is refused without allocating memory for it.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from collections.abc import Callable

from PIL import Image, ImageFile, ImageOps, JpegImagePlugin, PngImagePlugin, WebPImagePlugin

from reelgate.media.errors import InvalidMediaError

_DATA_URL = re.compile(
    r"^data:(?P<type>[\w.+-]+/[\w.+-]+)?(?P<params>(;[^,;]*)*),(?P<data>.*)$", re.S
)


def load_image(
    data: bytes, *, max_bytes: int, max_pixels: int, label: str = "input_reference"
) -> Image.Image:
    """Decode `data` as a PNG, JPEG or WebP image and return it as RGB.

    `label` names the field in error messages, which are meant for the client.
    """
    image = decode_checked(data, max_bytes=max_bytes, max_pixels=max_pixels, label=label)
    return _to_rgb(ImageOps.exif_transpose(image) or image)


def decode_checked(data: bytes, *, max_bytes: int, max_pixels: int, label: str) -> Image.Image:
    """Decode an untrusted PNG, JPEG or WebP upload, fully loaded and in its own mode, after
    checking its size, its real format (by signature) and its pixel count (from the header,
    before decoding: a decompression bomb is refused without allocating it)."""
    image = _opened(data, max_bytes=max_bytes, max_pixels=max_pixels, label=label)
    try:
        image.load()
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise InvalidMediaError(f"{label} could not be decoded ({error})") from None
    return image


def image_size(data: bytes, *, max_bytes: int, max_pixels: int, label: str) -> tuple[int, int]:
    """Width and height of an untrusted image, with the checks of `decode_checked` but from its
    header alone: what a request's pixel budget is counted in before any image is decoded."""
    with _opened(data, max_bytes=max_bytes, max_pixels=max_pixels, label=label) as image:
        return image.size


def _opened(data: bytes, *, max_bytes: int, max_pixels: int, label: str) -> ImageFile.ImageFile:
    """The image's parser over `data`, its header read and checked, nothing decoded yet."""
    if len(data) > max_bytes:
        raise InvalidMediaError(
            f"{label} is {len(data)} bytes, larger than the {max_bytes} byte limit"
        )
    opener = _opener_for(data)
    if opener is None:
        raise InvalidMediaError(f"{label} is not a PNG, JPEG or WebP image")
    try:
        # The format's parser is called directly rather than through `Image.open`, whose own
        # bomb check would refuse huge images before we can say how large they are.
        image = opener(io.BytesIO(data))
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise InvalidMediaError(f"{label} could not be decoded ({error})") from None
    width, height = image.size
    if width <= 0 or height <= 0:
        raise InvalidMediaError(f"{label} has no pixels")
    if width * height > max_pixels:
        raise InvalidMediaError(
            f"{label} is {width}x{height}, larger than the {max_pixels} pixel limit"
        )
    return image


def _opener_for(data: bytes) -> Callable[[io.BytesIO], ImageFile.ImageFile] | None:
    """The parser for the format the bytes actually are, judged by their signature."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PngImagePlugin.PngImageFile
    if data.startswith(b"\xff\xd8\xff"):
        return JpegImagePlugin.JpegImageFile
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WebPImagePlugin.WebPImageFile
    return None


def decode_data_url(url: str, max_bytes: int) -> bytes:
    """Return the bytes of a base64 `data:image/...;base64,...` URL.

    The size is checked on the encoded text first, so an oversized URL is refused before decoding.
    """
    match = _DATA_URL.match(url.strip())
    if match is None:
        raise InvalidMediaError("the image URL is not a valid data URL")
    media_type = (match["type"] or "").lower()
    if media_type and not media_type.startswith("image/"):
        raise InvalidMediaError(f"the data URL has type {media_type}, expected an image")
    params = [p.strip().lower() for p in match["params"].split(";") if p.strip()]
    if "base64" not in params:
        raise InvalidMediaError("the data URL must be base64-encoded (data:image/png;base64,...)")
    encoded = "".join(match["data"].split())
    if len(encoded) // 4 * 3 > max_bytes + 2:
        raise InvalidMediaError(f"the data URL holds more than the {max_bytes} byte limit")
    try:
        decoded = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidMediaError("the data URL is not valid base64") from None
    if not decoded:
        raise InvalidMediaError("the data URL is empty")
    if len(decoded) > max_bytes:
        raise InvalidMediaError(f"the data URL holds more than the {max_bytes} byte limit")
    return decoded


def fit_cover(image: Image.Image, width: int, height: int) -> Image.Image:
    """Scale `image` to fill `width`x`height` keeping its aspect, cropping the overflow evenly."""
    return ImageOps.fit(
        _to_rgb(image), (width, height), method=Image.Resampling.LANCZOS, centering=(0.5, 0.5)
    )


def _to_rgb(image: Image.Image) -> Image.Image:
    """RGB with any transparency flattened onto black, so results do not depend on what colour
    the encoder happened to leave under fully transparent pixels."""
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flattened = Image.new("RGB", rgba.size, (0, 0, 0))
        flattened.paste(rgba, mask=rgba.getchannel("A"))
        return flattened
    return image.convert("RGB")
