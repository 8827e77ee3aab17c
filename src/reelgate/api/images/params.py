"""Reading an images request (either dialect) into a canonical `NewImages`.

Generations are JSON (`CreateImageRequest`); edits are multipart with `image` (one file, or
several as repeated `image` / `image[]` parts) and an optional `mask` (`CreateImageEditRequest`),
or JSON with `images: [{"image_url": "data:..."}]` and `mask: {"image_url": ...}` as in
`EditImageBodyJsonParam` (or `{"file_id": ...}`, a Files API file, where the dialect passes
`stored`). Bodies are validated strictly for JSON and with string coercion for
multipart, whose values are all strings.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import UploadFile

from reelgate.api.images.families import RULES, default_model, resolve
from reelgate.api.parsing.validation import validate
from reelgate.core.errors import InvalidRequest
from reelgate.core.images import NewImages, family_of
from reelgate.core.job_inputs import ClientFile
from reelgate.core.models import ImageFamily, ImageOperation
from reelgate.media.errors import InvalidMediaError
from reelgate.media.images import decode_data_url


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt: Annotated[str, Field(min_length=1)]
    model: str | None = None
    n: Annotated[int, Field(ge=1, le=10)] | None = None
    size: str | None = None
    quality: Literal["standard", "hd", "low", "medium", "high", "auto"] | None = None
    response_format: Literal["url", "b64_json"] | None = None
    output_format: Literal["png", "jpeg", "webp"] | None = None
    output_compression: Annotated[int, Field(ge=0, le=100)] | None = None
    background: Literal["transparent", "opaque", "auto"] | None = None
    stream: bool | None = None
    partial_images: Annotated[int, Field(ge=0, le=3)] | None = None
    user: str | None = None


class GenerateImageBody(_Body):
    """`CreateImageRequest`."""

    moderation: Literal["low", "auto"] | None = None
    style: Literal["vivid", "natural"] | None = None


class EditImageBody(_Body):
    """`CreateImageEditRequest` without its files."""

    input_fidelity: Literal["high", "low"] | None = None


class ImageRef(BaseModel):
    """`ImageRefParam` of JSON edits; reelgate reads data URLs only (it fetches nothing)."""

    model_config = ConfigDict(extra="forbid")

    image_url: str | None = None
    file_id: str | None = None


class VariationImageBody(BaseModel):
    """`CreateImageVariationRequest` without its image (the size is the family's to check)."""

    model_config = ConfigDict(extra="forbid")

    model: str | None = None
    n: Annotated[int, Field(ge=1, le=10)] | None = None
    size: str | None = None
    response_format: Literal["url", "b64_json"] | None = None
    user: str | None = None


@dataclass(frozen=True)
class ImageRequest:
    new: NewImages
    stream: bool
    response_format: str  # url | b64_json


def _missing(param: str) -> InvalidRequest:
    return InvalidRequest(
        f"Missing required parameter: '{param}'.", param=param, code="missing_required_parameter"
    )


def _request(
    operation: ImageOperation,
    params: dict[str, Any],
    *,
    require_model: bool,
    images: tuple[ClientFile, ...] = (),
    mask: ClientFile | None = None,
) -> ImageRequest:
    if not params.get("model"):
        if require_model:
            raise _missing("model")
        params["model"] = default_model(operation, params)
    model = params["model"]
    family = family_of(model)
    options = resolve(family, operation, params, params["prompt"])
    most = RULES[family].max_edit_images
    if len(images) > most:
        raise InvalidRequest(
            f"Too many images: the {family.value} model edits at most {most} "
            f"image{'s' if most > 1 else ''}, got {len(images)}.",
            param="image",
            code="invalid_value",
        )
    new = NewImages(
        prompt=params["prompt"],
        model=model,
        family=family,
        operation=operation,
        width=options.width,
        height=options.height,
        n=options.n,
        quality=options.quality,
        output_format=options.output_format,
        output_compression=options.output_compression,
        background=options.background,
        style=options.style,
        moderation=options.moderation,
        input_fidelity=options.input_fidelity,
        user=params.get("user"),
        images=images,
        mask=mask,
        partial_images=options.partial_images,
    )
    return ImageRequest(new=new, stream=options.stream, response_format=options.response_format)


def parse_generation(body: dict[str, Any], *, form: bool, require_model: bool) -> ImageRequest:
    params = validate(GenerateImageBody, body, strict=not form).model_dump()
    return _request(ImageOperation.GENERATE, params, require_model=require_model)


# A Files API file by id, for the JSON edit reference at `param` (None: file ids are refused).
StoredFiles = Callable[[str, str], ClientFile] | None


def parse_edit(
    body: dict[str, Any], *, form: bool, require_model: bool, stored: StoredFiles = None
) -> ImageRequest:
    if form:
        raw_images = body.pop("image", None)
        raw_mask = body.pop("mask", None)
        images = _uploads(raw_images, "image")
        mask = _uploads(raw_mask, "mask")[0] if raw_mask is not None else None
    else:
        raw_images = body.pop("images", None)
        raw_mask = body.pop("mask", None)
        images = _references(raw_images, stored)
        mask = _reference(raw_mask, "mask", stored) if raw_mask is not None else None
    params = validate(EditImageBody, body, strict=not form).model_dump()
    if not images:
        raise _missing("image" if form else "images")
    return _request(
        ImageOperation.EDIT, params, require_model=require_model, images=images, mask=mask
    )


def parse_variation(body: dict[str, Any], *, form: bool) -> ImageRequest:
    """`POST /images/variations` (multipart: `image`, one square PNG; DALL-E 2 only)."""
    if not form:
        raise InvalidRequest(
            "Image variations are sent as multipart/form-data with an 'image' part.",
            param="image",
            code="invalid_type",
        )
    images = _uploads(body.pop("image", None), "image")
    params = validate(VariationImageBody, body, strict=False).model_dump()
    if not images:
        raise _missing("image")
    model = params.get("model") or "dall-e-2"
    if family_of(model) is not ImageFamily.DALL_E_2:
        raise InvalidRequest(
            f"Invalid 'model': '{model}'. Image variations are only supported with dall-e-2.",
            param="model",
            code="unsupported_model",
        )
    params |= {"model": model, "prompt": ""}
    return _request(ImageOperation.VARIATION, params, require_model=False, images=images)


def _uploads(value: Any, param: str) -> tuple[ClientFile, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    files = []
    for number, item in enumerate(items):
        if not isinstance(item, UploadFile):
            raise InvalidRequest(
                f"'{param}' must be an uploaded file (multipart/form-data), not text.",
                param=param,
                code="invalid_type",
            )
        label = param if len(items) == 1 else f"{param}[{number}]"
        files.append(ClientFile(stream=item.file, param=param, label=label))
    return tuple(files)


def _references(value: Any, stored: StoredFiles) -> tuple[ClientFile, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InvalidRequest(
            "Invalid type for 'images': expected an array of image references.",
            param="images",
            code="invalid_type",
        )
    return tuple(_reference(item, f"images[{number}]", stored) for number, item in enumerate(value))


def _reference(value: Any, param: str, stored: StoredFiles) -> ClientFile:
    reference = validate(ImageRef, value, param)
    if reference.image_url is not None and reference.file_id is not None:
        raise InvalidRequest(
            f"Provide only one of 'image_url' or 'file_id' in '{param}'.",
            param=param,
            code="invalid_value",
        )
    if reference.file_id is not None and stored is not None:
        return stored(reference.file_id, f"{param}.file_id")
    if reference.file_id is not None:
        raise InvalidRequest(
            f"'{param}.file_id' is not supported by this server: send the image as a data URL "
            f"in '{param}.image_url', or upload it with multipart/form-data.",
            param=f"{param}.file_id",
            code="unsupported_parameter",
        )
    url = reference.image_url or ""
    if not url.startswith("data:"):
        raise InvalidRequest(
            f"'{param}.image_url' must be a base64 data URL (data:image/png;base64,...); this "
            "server does not fetch remote URLs.",
            param=f"{param}.image_url",
            code="invalid_value",
        )
    try:
        data = decode_data_url(url, max_bytes=50 * 1024 * 1024)
    except InvalidMediaError as exc:
        raise InvalidRequest(str(exc), param=f"{param}.image_url", code="invalid_value") from exc
    return ClientFile(stream=io.BytesIO(data), param=param)
