"""What each image model family accepts (seed 001's constraints table and the official
documents), and the request resolved into canonical terms.

Both dialects share the rules: the wire parameters are the same in OpenAI's and Azure's images
APIs. A parameter a family does not take is a 400 that names it; `auto` values are resolved
here, except an edit's `size=auto`, which follows the input image (`core.images`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reelgate.api.openai.errors import quote_list
from reelgate.core.errors import InvalidRequest
from reelgate.core.models import ImageFamily, ImageOperation

# Parameters only the GPT image models take, and the one only DALL-E 3 takes.
GPT_IMAGE_ONLY = (
    "output_format",
    "output_compression",
    "background",
    "moderation",
    "stream",
    "partial_images",
    "input_fidelity",
)
DALL_E_3_ONLY = ("style",)
AUTO_SIZE = "auto"


@dataclass(frozen=True)
class FamilyRules:
    sizes: tuple[str, ...]
    default_size: str
    default_edit_size: str
    max_n: int
    qualities: tuple[str, ...]  # what `auto` is not
    auto_quality: str
    max_prompt: int
    edits: bool
    max_edit_images: int


RULES = {
    ImageFamily.GPT_IMAGE_1: FamilyRules(
        sizes=(AUTO_SIZE, "1024x1024", "1536x1024", "1024x1536"),
        default_size=AUTO_SIZE,
        default_edit_size=AUTO_SIZE,
        max_n=10,
        qualities=("low", "medium", "high"),
        auto_quality="high",
        max_prompt=32000,
        edits=True,
        max_edit_images=16,
    ),
    ImageFamily.DALL_E_3: FamilyRules(
        sizes=("1024x1024", "1792x1024", "1024x1792"),
        default_size="1024x1024",
        default_edit_size="1024x1024",
        max_n=1,
        qualities=("standard", "hd"),
        auto_quality="standard",
        max_prompt=4000,
        edits=False,
        max_edit_images=0,
    ),
    ImageFamily.DALL_E_2: FamilyRules(
        sizes=("256x256", "512x512", "1024x1024"),
        default_size="1024x1024",
        default_edit_size="1024x1024",
        max_n=10,
        qualities=("standard",),
        auto_quality="standard",
        max_prompt=1000,
        edits=True,
        max_edit_images=1,
    ),
}


@dataclass(frozen=True)
class ResolvedOptions:
    """The family-checked options, `auto` resolved; size (0, 0) is an edit's `auto`."""

    width: int
    height: int
    n: int
    quality: str
    response_format: str  # url | b64_json (GPT image models: always b64_json)
    output_format: str
    output_compression: int
    background: str  # transparent | opaque | auto (auto only for edits)
    style: str | None
    moderation: str
    input_fidelity: str | None
    stream: bool
    partial_images: int


def _unsupported(param: str, family: ImageFamily, why: str = "") -> InvalidRequest:
    return InvalidRequest(
        f"Unsupported parameter: '{param}' is not supported with the {family.value} model{why}.",
        param=param,
        code="unsupported_parameter",
    )


def _given(params: dict[str, Any], name: str) -> bool:
    """Sent with a value: null counts as absent (every option is nullable), and `stream=false`
    asks for nothing a family could lack."""
    value = params.get(name)
    return value is not None and value is not False


def resolve(
    family: ImageFamily, operation: ImageOperation, params: dict[str, Any], prompt: str
) -> ResolvedOptions:
    """Check `params` (validated body fields) against the family and resolve the defaults."""
    rules = RULES[family]
    if operation is ImageOperation.EDIT and not rules.edits:
        raise InvalidRequest(
            f"The {family.value} model does not support image edits; use a GPT image model or "
            "dall-e-2.",
            param="model",
            code="unsupported_model",
        )
    if family is not ImageFamily.GPT_IMAGE_1:
        for name in GPT_IMAGE_ONLY:
            if _given(params, name):
                raise _unsupported(name, family, "; it is only supported for GPT image models")
    if family is not ImageFamily.DALL_E_3:
        for name in DALL_E_3_ONLY:
            if _given(params, name):
                raise _unsupported(name, family, "; it is only supported for dall-e-3")
    if len(prompt) > rules.max_prompt:
        raise InvalidRequest(
            f"Invalid 'prompt': string too long. Expected a string with maximum length "
            f"{rules.max_prompt}, but got a string with length {len(prompt)} instead.",
            param="prompt",
            code="string_above_max_length",
        )

    n = params.get("n") or 1
    if n > rules.max_n:
        raise InvalidRequest(
            f"Invalid 'n': the {family.value} model only supports n={rules.max_n}."
            if rules.max_n == 1
            else f"Invalid 'n': integer above maximum value. Expected a value <= {rules.max_n}, "
            f"but got {n} instead.",
            param="n",
            code="invalid_value",
        )

    default_size = (
        rules.default_edit_size if operation is ImageOperation.EDIT else rules.default_size
    )
    size = params.get("size") or default_size
    if size not in rules.sizes:
        raise InvalidRequest(
            f"Invalid value: '{size}'. Supported values for {family.value} are: "
            f"{quote_list(list(rules.sizes))}.",
            param="size",
            code="invalid_value",
        )
    if size == AUTO_SIZE:
        width, height = (0, 0) if operation is ImageOperation.EDIT else (1024, 1024)
    else:
        width, height = (int(value) for value in size.split("x"))

    quality = params.get("quality") or "auto"
    if quality != "auto" and quality not in rules.qualities:
        raise InvalidRequest(
            f"Invalid value: '{quality}'. Supported values for {family.value} are: "
            f"{quote_list([*rules.qualities, 'auto'])}.",
            param="quality",
            code="invalid_value",
        )
    if quality == "auto":
        quality = rules.auto_quality

    response_format = params.get("response_format")
    if family is ImageFamily.GPT_IMAGE_1:
        if response_format == "url":
            raise _unsupported(
                "response_format", family, " with 'url': GPT image models always return b64_json"
            )
        response_format = "b64_json"
    response_format = response_format or "url"

    output_format = params.get("output_format") or "png"
    compression = params.get("output_compression")
    if compression is not None and compression != 100 and output_format == "png":
        raise InvalidRequest(
            "Invalid 'output_compression': compression is only supported for the 'jpeg' and "
            "'webp' output formats.",
            param="output_compression",
            code="invalid_value",
        )
    background = params.get("background") or "auto"
    if background == "transparent" and output_format not in ("png", "webp"):
        raise InvalidRequest(
            f"Invalid 'background': 'transparent' needs an output format with an alpha channel "
            f"('png' or 'webp'), not '{output_format}'.",
            param="background",
            code="invalid_value",
        )
    if background == "auto" and operation is ImageOperation.GENERATE:
        background = "opaque"  # the preview engine draws a backdrop unless asked not to

    stream = bool(params.get("stream"))
    return ResolvedOptions(
        width=width,
        height=height,
        n=n,
        quality=quality,
        response_format=response_format,
        output_format=output_format,
        output_compression=100 if compression is None else compression,
        background=background,
        style=(params.get("style") or "vivid") if family is ImageFamily.DALL_E_3 else None,
        moderation=params.get("moderation") or "auto",
        input_fidelity=params.get("input_fidelity"),
        stream=stream,
        partial_images=params.get("partial_images") or 0,
    )


def default_model(operation: ImageOperation, params: dict[str, Any]) -> str:
    """OpenAI's defaults: generations use dall-e-2 unless a GPT-image-only parameter is sent;
    edits use a GPT image model."""
    if operation is ImageOperation.EDIT:
        return "gpt-image-1"
    if any(_given(params, name) for name in GPT_IMAGE_ONLY):
        return "gpt-image-1"
    return "dall-e-2"
