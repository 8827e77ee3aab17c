"""Inputs for upstreams whose every model has its own input schema (fal, Replicate): reelgate's
fields under each model's names, as a route's `parameters` say (docs/providers/fal.md).

`inputs` renames a canonical field or drops it (null), `duration_format` writes the seconds as
the model wants them, `output` is where the result holds the video URL; every other key is
sent as an extra input.
"""

from __future__ import annotations

import base64
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from reelgate.core.models import Operation
from reelgate.providers.base import VideoTask
from reelgate.providers.upstream.errors import UnsupportedOperation

CANONICAL_INPUTS = ("prompt", "duration", "aspect_ratio", "image_url", "seed")


class InputMapping(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    inputs: dict[str, str | None] = {}  # canonical name -> the model's field (None: not sent)
    duration_format: Literal["string", "integer", "seconds_suffix"] = "string"
    output: str | None = None  # dotted path of the video URL in the result; None: the default

    @property
    def extras(self) -> dict[str, Any]:
        return dict(self.model_extra or {})

    def field(self, canonical: str) -> str | None:
        return self.inputs.get(canonical, canonical)

    def duration(self, seconds: int) -> str | int:
        if self.duration_format == "integer":
            return seconds
        return f"{seconds}s" if self.duration_format == "seconds_suffix" else str(seconds)


def aspect_ratio(width: int, height: int) -> str:
    """The ratio these models take: 16:9, 9:16 or 1:1."""
    if width == height:
        return "1:1"
    return "9:16" if height > width else "16:9"


def mapped_inputs(provider: str, task: VideoTask, *, defaults: dict[str, Any]) -> tuple[
    dict[str, Any], InputMapping
]:  # fmt: skip
    """The model's input object for `task`, and the mapping it was made with. `defaults` are the
    provider's own settings (e.g. its `duration_format`), under the route's."""
    if task.operation is not Operation.GENERATE or task.inpaint:
        raise UnsupportedOperation(provider, f"this provider cannot {task.operation} a video")
    if task.n_variants != 1:
        raise UnsupportedOperation(provider, "one request makes one video here")
    try:
        mapping = InputMapping.model_validate({**defaults, **task.upstream_parameters})
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        raise UnsupportedOperation(
            provider, f"the route's parameters are invalid ({where}: {problem['msg']})"
        ) from None
    values: dict[str, Any] = {
        "prompt": task.prompt,
        "duration": mapping.duration(task.seconds),
        "aspect_ratio": aspect_ratio(task.width, task.height),
    }
    if task.seed is not None:
        values["seed"] = task.seed
    if task.reference_image is not None:
        encoded = base64.b64encode(task.reference_image.read_bytes()).decode()
        values["image_url"] = f"data:image/png;base64,{encoded}"
    body = {
        name: values[canonical]
        for canonical in CANONICAL_INPUTS
        if canonical in values and (name := mapping.field(canonical))
    }
    body.update(mapping.extras)
    return body, mapping


def at_path(body: Any, path: str) -> Any:
    """`body` followed along a dotted path (`video.url`, `videos.0.url`); "" is `body`."""
    node = body
    for part in filter(None, path.split(".")):
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node
