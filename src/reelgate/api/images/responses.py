"""Images rendered as `ImagesResponse` and as the stream events, shared by both dialects.

Which keys appear depends on the family, as in the official document: GPT image models answer
`b64_json` with `background`, `output_format`, `size`, `quality` and `usage`; DALL-E models answer
`url` (a signed reelgate link) or `b64_json`, and DALL-E 3 adds `revised_prompt`.
"""

from __future__ import annotations

import base64
import json
import math
from typing import Any

from reelgate.api.images.links import ImageLinks
from reelgate.core.images import ImageResult, PartialImage, StoredImage
from reelgate.core.models import ImageFamily, ImageOperation, ImageSpec

# Output tokens per image of the GPT image models by quality: (square, portrait/landscape),
# the figures OpenAI publishes for gpt-image-1. Usage is an estimate: nothing is billed here.
_OUTPUT_TOKENS = {"low": (272, 408), "medium": (1056, 1584), "high": (4160, 6240)}
_IMAGE_TILE, _IMAGE_BASE_TOKENS, _IMAGE_TILE_TOKENS = 512, 85, 170


def usage(spec: ImageSpec, images: int) -> dict[str, Any]:
    """`usage` (ImageGenUsage) for `images` outputs: text tokens ~ 4 characters each; each input
    image 85 + 170 per 512-pixel tile of the output size (doubled for input_fidelity=high)."""
    text_tokens = max(1, math.ceil(len(spec.prompt) / 4))
    tiles = math.ceil(spec.width / _IMAGE_TILE) * math.ceil(spec.height / _IMAGE_TILE)
    per_input = _IMAGE_BASE_TOKENS + _IMAGE_TILE_TOKENS * tiles
    if spec.input_fidelity == "high":
        per_input *= 2
    image_tokens = per_input * len(spec.input_image_keys)
    square, oblong = _OUTPUT_TOKENS.get(spec.quality, _OUTPUT_TOKENS["high"])
    output_tokens = (square if spec.width == spec.height else oblong) * images
    return {
        "total_tokens": text_tokens + image_tokens + output_tokens,
        "input_tokens": text_tokens + image_tokens,
        "output_tokens": output_tokens,
        "input_tokens_details": {"text_tokens": text_tokens, "image_tokens": image_tokens},
        "output_tokens_details": {"image_tokens": output_tokens, "text_tokens": 0},
    }


def image_entry(
    spec: ImageSpec, image: StoredImage, response_format: str, links: ImageLinks, base_url: str
) -> dict[str, Any]:
    """One `data[]` item (`Image`)."""
    entry: dict[str, Any] = {}
    if response_format == "url":
        entry["url"] = links.url(base_url, image.generation.id)
    else:
        entry["b64_json"] = base64.b64encode(image.data).decode("ascii")
    if spec.family is ImageFamily.DALL_E_3 and image.revised_prompt is not None:
        entry["revised_prompt"] = image.revised_prompt
    return entry


def images_response(
    result: ImageResult, response_format: str, links: ImageLinks, base_url: str
) -> dict[str, Any]:
    """The whole `ImagesResponse`."""
    spec = result.job.spec
    assert isinstance(spec, ImageSpec)
    body: dict[str, Any] = {
        "created": int(result.job.created_at),
        "data": [
            image_entry(spec, image, response_format, links, base_url) for image in result.images
        ],
    }
    if spec.family is ImageFamily.GPT_IMAGE_1:
        body.update(_settings(spec))
        body["usage"] = usage(spec, len(result.images))
    return body


def _settings(spec: ImageSpec) -> dict[str, str]:
    return {
        "background": spec.background,
        "output_format": spec.output_format,
        "size": f"{spec.width}x{spec.height}",
        "quality": spec.quality,
    }


def _event_type(spec: ImageSpec, what: str) -> str:
    prefix = "image_edit" if spec.operation is ImageOperation.EDIT else "image_generation"
    return f"{prefix}.{what}"


def partial_event(spec: ImageSpec, partial: PartialImage, created_at: int) -> dict[str, Any]:
    """`image_generation.partial_image` / `image_edit.partial_image`."""
    return {
        "type": _event_type(spec, "partial_image"),
        "b64_json": base64.b64encode(partial.data).decode("ascii"),
        "created_at": created_at,
        **_settings(spec),
        "partial_image_index": partial.partial_index,
    }


def completed_events(result: ImageResult) -> list[dict[str, Any]]:
    """One `*.completed` event per image, each with that image's usage."""
    spec = result.job.spec
    assert isinstance(spec, ImageSpec)
    created = int(result.job.completed_at or result.job.created_at)
    return [
        {
            "type": _event_type(spec, "completed"),
            "b64_json": base64.b64encode(image.data).decode("ascii"),
            "created_at": created,
            **_settings(spec),
            "usage": usage(spec, 1),
        }
        for image in result.images
    ]


def sse(event: dict[str, Any]) -> bytes:
    """One server-sent event, named by its `type` as OpenAI names them."""
    name = event.get("type", "message")
    return f"event: {name}\ndata: {json.dumps(event, separators=(',', ':'))}\n\n".encode()
