"""The Responses API's answers: `Response`, its `image_generation_call` item, and the stream
events (`ResponseStreamEvent`s) in the order the official service sends them.

Every key the `Response` schema requires is present; the language model's settings that reelgate
does not have are echoed as the service reports its defaults (temperature 1, top_p 1, text).
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass, field
from typing import Any

from reelgate.api.images.responses import usage as image_usage
from reelgate.api.responses.params import ResponseRequest
from reelgate.core.images import ImageResult, PartialImage
from reelgate.core.models import ImageOperation, ImageSpec


@dataclass
class Turn:
    """One response being made: its ids, its request, and the event counter of its stream."""

    request: ResponseRequest
    response_id: str
    item_id: str
    created_at: int
    azure: bool = False  # Azure's `AzureResponse` requires `user`, nullable
    sequence: int = field(default=0)

    def event(self, kind: str, **fields: Any) -> dict[str, Any]:
        event = {"type": kind, "sequence_number": self.sequence, **fields}
        self.sequence += 1
        return event


def settings_of(spec: ImageSpec) -> dict[str, str]:
    return {
        "background": spec.background,
        "output_format": spec.output_format,
        "quality": spec.quality,
        "size": f"{spec.width}x{spec.height}",
    }


def image_item(
    turn: Turn, status: str, result: ImageResult | None = None, *, with_result: bool = True
) -> dict[str, Any]:
    """The `image_generation_call` output item (`ImageGenToolCall`)."""
    item: dict[str, Any] = {
        "id": turn.item_id,
        "type": "image_generation_call",
        "status": status,
        "result": None,
    }
    if result is None:
        return item
    spec = result.job.spec
    assert isinstance(spec, ImageSpec)
    image = result.images[0]
    if with_result:
        item["result"] = base64.b64encode(image.data).decode("ascii")
    item["action"] = "edit" if spec.operation is ImageOperation.EDIT else "generate"
    item.update(settings_of(spec))
    item["revised_prompt"] = image.revised_prompt or spec.prompt
    return item


def response_usage(result: ImageResult | None) -> dict[str, Any] | None:
    """`ResponseUsage`: the image tool's estimate (`/v1/images`' usage), the input text's tokens
    (about 4 characters each) plus the images' tokens."""
    if result is None:
        return None
    spec = result.job.spec
    assert isinstance(spec, ImageSpec)
    tokens = image_usage(spec, len(result.images))
    return {
        "input_tokens": tokens["input_tokens"],
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": tokens["output_tokens"],
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": tokens["total_tokens"],
    }


def failed_usage(request: ResponseRequest) -> dict[str, Any]:
    tokens = max(1, math.ceil(len(request.prompt) / 4))
    return {
        "input_tokens": tokens,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": 0,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": tokens,
    }


def response_body(
    turn: Turn,
    status: str,
    output: list[dict[str, Any]],
    *,
    usage: dict[str, Any] | None = None,
    error: dict[str, Any] | None = None,
    completed_at: int | None = None,
) -> dict[str, Any]:
    """The whole `Response`."""
    request, body = turn.request, turn.request.body
    body_: dict[str, Any] = {
        "id": turn.response_id,
        "object": "response",
        "created_at": turn.created_at,
        "status": status,
        "background": False,
        "completed_at": completed_at,
        "error": error,
        "incomplete_details": None,
        "instructions": request.instructions,
        "max_output_tokens": body.max_output_tokens,
        "max_tool_calls": body.max_tool_calls,
        "model": request.model,
        "output": output,
        "parallel_tool_calls": body.parallel_tool_calls is not False,
        "previous_response_id": request.previous_response_id,
        "prompt_cache_key": body.prompt_cache_key,
        "reasoning": {"effort": None, "summary": None},
        "safety_identifier": body.safety_identifier,
        "service_tier": "default",
        "store": request.store,
        "temperature": 1.0 if body.temperature is None else body.temperature,
        "text": {"format": {"type": "text"}, "verbosity": "medium"},
        "tool_choice": request.tool_choice,
        "tools": request.tools,
        "top_logprobs": body.top_logprobs or 0,
        "top_p": 1.0 if body.top_p is None else body.top_p,
        "truncation": body.truncation or "disabled",
        "metadata": request.metadata,
    }
    if usage is not None:  # an object or absent (`usage` is not nullable)
        body_["usage"] = usage
    if request.user is not None or turn.azure:  # OpenAI: a string or absent
        body_["user"] = request.user
    return body_


def completed_body(turn: Turn, result: ImageResult, *, with_result: bool = True) -> dict[str, Any]:
    completed = int(result.job.completed_at or result.job.created_at)
    return response_body(
        turn,
        "completed",
        [image_item(turn, "completed", result, with_result=with_result)],
        usage=response_usage(result),
        completed_at=completed,
    )


def failed_body(turn: Turn, code: str, message: str, *, started: bool) -> dict[str, Any]:
    output = [image_item(turn, "failed")] if started else []
    return response_body(
        turn,
        "failed",
        output,
        usage=failed_usage(turn.request),
        error={"code": code, "message": message},
    )


def with_image(body: dict[str, Any], image: bytes | None, *, azure: bool) -> dict[str, Any]:
    """A stored answer with its image's bytes back in its `image_generation_call` item."""
    encoded = base64.b64encode(image).decode("ascii") if image is not None else None
    output = [
        {**item, "result": encoded}
        if item.get("type") == "image_generation_call" and item.get("status") == "completed"
        else item
        for item in body.get("output", [])
    ]
    answer = {**body, "output": output}
    if azure:
        answer.setdefault("user", None)
    return answer


# -- stream events -----------------------------------------------------------------------------


def opening_events(turn: Turn) -> list[dict[str, Any]]:
    """`response.created` and `response.in_progress`."""
    return [
        turn.event(kind, response=response_body(turn, "in_progress", []))
        for kind in ("response.created", "response.in_progress")
    ]


def call_started_events(turn: Turn) -> list[dict[str, Any]]:
    """The item is added, then the call is in progress and generating."""
    return [
        turn.event(
            "response.output_item.added", output_index=0, item=image_item(turn, "in_progress")
        ),
        turn.event("response.image_generation_call.in_progress", output_index=0,
                   item_id=turn.item_id),
        turn.event("response.image_generation_call.generating", output_index=0,
                   item_id=turn.item_id),
    ]  # fmt: skip


def partial_event(turn: Turn, spec: ImageSpec, partial: PartialImage) -> dict[str, Any]:
    return turn.event(
        "response.image_generation_call.partial_image",
        output_index=0,
        item_id=turn.item_id,
        partial_image_index=partial.partial_index,
        partial_image_b64=base64.b64encode(partial.data).decode("ascii"),
        **settings_of(spec),
    )


def closing_events(turn: Turn, result: ImageResult) -> list[dict[str, Any]]:
    """The call completed, the item done, the response completed."""
    return [
        turn.event("response.image_generation_call.completed", output_index=0,
                   item_id=turn.item_id),
        turn.event("response.output_item.done", output_index=0,
                   item=image_item(turn, "completed", result)),
        turn.event("response.completed", response=completed_body(turn, result)),
    ]  # fmt: skip


def failed_event(turn: Turn, code: str, message: str, *, started: bool) -> dict[str, Any]:
    return turn.event("response.failed", response=failed_body(turn, code, message, started=started))
