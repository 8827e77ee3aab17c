"""Reading a `CreateResponse` body: the input's text and images, and the image tool's options.

reelgate has no language model, so only what the image tool needs is read: the text of the
`user` messages is the prompt, `input_image` parts are the images to edit, and the
`image_generation` tool's options are the image request's (checked by the same family rules as
`/v1/images`, `api/images/families.py`). Parameters of the language model (temperature,
reasoning, text format...) are accepted and echoed where the answer has them. Errors name the
parameter the way OpenAI does: `tools[0].size`, `input[1].content[0].image_url`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from reelgate.api.images.families import RULES, resolve
from reelgate.api.openai.errors import translate_validation
from reelgate.core.errors import InvalidRequest
from reelgate.core.images import NewImages, family_of
from reelgate.core.job_inputs import ClientFile
from reelgate.core.models import ImageFamily, ImageOperation
from reelgate.media.errors import InvalidMediaError
from reelgate.media.images import decode_data_url

MAX_DATA_URL_BYTES = 50 * 1024 * 1024
DEFAULT_IMAGE_MODEL = "gpt-image-1"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CreateResponseBody(_Strict):
    """`CreateResponse`: what reelgate reads, and what it accepts without use."""

    model: Annotated[str, Field(min_length=1)]
    input: str | list[Any] | None = None
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    instructions: str | None = None
    metadata: dict[str, str] | None = None
    previous_response_id: str | None = None
    store: bool | None = None
    stream: bool | None = None
    user: str | None = None
    # Accepted, echoed where the Response has them, never used: there is no language model.
    background: Literal[False] | None = None
    temperature: Annotated[float, Field(ge=0, le=2)] | None = None
    top_p: Annotated[float, Field(ge=0, le=1)] | None = None
    top_logprobs: Annotated[int, Field(ge=0, le=20)] | None = None
    parallel_tool_calls: bool | None = None
    max_output_tokens: Annotated[int, Field(ge=16)] | None = None
    max_tool_calls: Annotated[int, Field(ge=1)] | None = None
    include: list[str] | None = None
    truncation: Literal["auto", "disabled"] | None = None
    service_tier: str | None = None
    text: dict[str, Any] | None = None
    reasoning: dict[str, Any] | None = None
    safety_identifier: Annotated[str, Field(max_length=64)] | None = None
    prompt_cache_key: str | None = None
    prompt_cache_retention: str | None = None
    stream_options: dict[str, Any] | None = None


class ImageRef(_Strict):
    image_url: str | None = None
    file_id: str | None = None


class ImageGenTool(_Strict):
    """`ImageGenTool`."""

    type: Literal["image_generation"]
    model: str | None = None
    size: str | None = None
    quality: Literal["low", "medium", "high", "auto"] | None = None
    output_format: Literal["png", "webp", "jpeg"] | None = None
    output_compression: Annotated[int, Field(ge=0, le=100)] | None = None
    background: Literal["transparent", "opaque", "auto"] | None = None
    moderation: Literal["auto", "low"] | None = None
    partial_images: Annotated[int, Field(ge=0, le=3)] | None = None
    action: Literal["generate", "edit", "auto"] | None = None
    input_fidelity: Literal["high", "low"] | None = None
    input_image_mask: ImageRef | None = None


class TextPart(_Strict):
    type: Literal["input_text", "output_text"]
    text: str
    annotations: list[Any] | None = None
    logprobs: list[Any] | None = None


class ImagePart(_Strict):
    type: Literal["input_image"]
    image_url: str | None = None
    file_id: str | None = None
    detail: Literal["low", "high", "auto", "original"] | None = None


class Message(_Strict):
    type: Literal["message"] | None = None
    role: Literal["user", "assistant", "system", "developer"]
    content: str | list[dict[str, Any]]
    id: str | None = None
    status: str | None = None
    phase: str | None = None


@dataclass(frozen=True)
class ImageInput:
    """An image of the input: its bytes (a data URL), or a Files API id to look up."""

    param: str
    data: bytes | None = None
    file_id: str | None = None


@dataclass(frozen=True)
class ResponseRequest:
    model: str
    prompt: str
    tools: list[dict[str, Any]]  # as echoed in the answer, the image tool's defaults filled
    tool_index: int  # where the image tool is in `tools`
    tool: ImageGenTool
    tool_choice: str | dict[str, Any]
    images: tuple[ImageInput, ...]
    mask: ImageInput | None
    instructions: str | None
    metadata: dict[str, str]
    previous_response_id: str | None
    store: bool
    stream: bool
    user: str | None
    body: CreateResponseBody

    @property
    def tool_param(self) -> str:
        return f"tools[{self.tool_index}]"


def _path(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def checked(model: type[BaseModel], value: Any, where: tuple[Any, ...]) -> Any:
    """`value` validated strictly; the first error in OpenAI's words, at `where`."""
    try:
        return model.model_validate(value, strict=True)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = (*where, *error["loc"])
        message, param, code = translate_validation({**error, "loc": (_path(loc),)})
        raise InvalidRequest(message, param=param, code=code) from exc


def _invalid(message: str, param: str, code: str = "invalid_value") -> InvalidRequest:
    return InvalidRequest(message, param=param, code=code)


ONLY_IMAGES = (
    "reelgate has no language model: it only serves image generation. Offer the image tool, "
    'tools=[{"type": "image_generation"}], and the input\'s text becomes its prompt.'
)


def parse_request(raw: dict[str, Any]) -> ResponseRequest:
    body: CreateResponseBody = checked(CreateResponseBody, raw, ())
    tools = [dict(tool) for tool in body.tools or []]
    index = next((i for i, tool in enumerate(tools) if tool.get("type") == "image_generation"), -1)
    if index < 0:
        raise _invalid(ONLY_IMAGES, "tools", "unsupported_parameter")
    given = dict(tools[index])
    nested = given.pop("parameters", None)  # the seed's `{"type", "parameters": {...}}` form
    if isinstance(nested, dict):
        given = {**nested, **given}
    tool: ImageGenTool = checked(ImageGenTool, given, ("tools", index))
    model = tool.model or DEFAULT_IMAGE_MODEL
    if family_of(model) is not ImageFamily.GPT_IMAGE_1:
        raise _invalid(
            f"The image generation tool uses GPT image models, not '{model}'.",
            f"tools[{index}].model",
        )
    tools[index] = tool_echo(tool)
    _check_metadata(body.metadata)
    prompt, images = _read_input(body.input)
    if not prompt.strip():
        raise _invalid(
            "The input has no text: reelgate has no language model, so the text of the user "
            "input is the image prompt, and it must not be empty.",
            "input",
            "missing_required_parameter" if body.input is None else "invalid_value",
        )
    mask = None
    if tool.input_image_mask is not None:
        mask = _reference(tool.input_image_mask, f"tools[{index}].input_image_mask")
    return ResponseRequest(
        model=body.model,
        prompt=prompt,
        tools=tools,
        tool_index=index,
        tool=tool,
        tool_choice=_tool_choice(body.tool_choice),
        images=images,
        mask=mask,
        instructions=body.instructions,
        metadata=dict(body.metadata or {}),
        previous_response_id=body.previous_response_id,
        store=body.store is not False,
        stream=bool(body.stream),
        user=body.user,
        body=body,
    )


def tool_echo(tool: ImageGenTool) -> dict[str, Any]:
    """The image tool as the answer's `tools` shows it: every option, defaults filled."""
    echo: dict[str, Any] = {
        "type": "image_generation",
        "background": tool.background or "auto",
        "model": tool.model or DEFAULT_IMAGE_MODEL,
        "moderation": tool.moderation or "auto",
        "output_compression": 100 if tool.output_compression is None else tool.output_compression,
        "output_format": tool.output_format or "png",
        "partial_images": tool.partial_images or 0,
        "quality": tool.quality or "auto",
        "size": tool.size or "auto",
    }
    if tool.action is not None:
        echo["action"] = tool.action
    if tool.input_fidelity is not None:
        echo["input_fidelity"] = tool.input_fidelity
    if tool.input_image_mask is not None:
        echo["input_image_mask"] = tool.input_image_mask.model_dump(exclude_none=True)
    return echo


def _check_metadata(metadata: dict[str, str] | None) -> None:
    if metadata is None:
        return
    if len(metadata) > 16:
        raise _invalid(
            f"Invalid 'metadata': too many properties. Expected an object with at most 16 "
            f"properties, but got an object with {len(metadata)} properties instead.",
            "metadata",
            "object_above_max_properties",
        )
    for key, value in metadata.items():
        if len(key) > 64 or len(value) > 512:
            raise _invalid(
                "Invalid 'metadata': keys are at most 64 characters and values at most 512.",
                f"metadata.{key[:64]}",
                "string_above_max_length",
            )


def _tool_choice(value: str | dict[str, Any] | None) -> str | dict[str, Any]:
    if value is None or value in ("auto", "required"):
        return value or "auto"
    if value == "none":
        raise _invalid(
            "tool_choice 'none' asks for an answer without tools: " + ONLY_IMAGES, "tool_choice"
        )
    if isinstance(value, dict):
        kind = value.get("type")
        if kind == "image_generation" and set(value) == {"type"}:
            return {"type": "image_generation"}
        if kind == "allowed_tools" and any(
            isinstance(tool, dict) and tool.get("type") == "image_generation"
            for tool in value.get("tools") or []
        ):
            return value
    raise _invalid(
        "Invalid 'tool_choice': reelgate only calls the image generation tool; use 'auto', "
        '\'required\' or {"type": "image_generation"}.',
        "tool_choice",
    )


def _read_input(value: str | list[Any] | None) -> tuple[str, tuple[ImageInput, ...]]:
    """The prompt (the user messages' text, in order) and the input images."""
    if value is None:
        return "", ()
    if isinstance(value, str):
        return value, ()
    texts: list[str] = []
    images: list[ImageInput] = []
    for number, item in enumerate(value):
        where = f"input[{number}]"
        if not isinstance(item, dict):
            raise _invalid(
                f"Invalid type for '{where}': expected an object.", where, "invalid_type"
            )
        kind = item.get("type", "message")
        if kind == "image_generation_call":  # an earlier answer's item, handed back
            result = item.get("result")
            if not isinstance(result, str) or not result:
                raise _invalid(
                    f"'{where}' is an image generation call without its 'result': send the "
                    "image back, or continue with 'previous_response_id'.",
                    f"{where}.result",
                )
            images.append(ImageInput(f"{where}.result", data=_base64(result, f"{where}.result")))
            continue
        if kind != "message":
            raise _invalid(
                f"Unsupported input item type '{kind}' in '{where}': this server reads "
                "messages (input_text and input_image parts) and image generation calls.",
                f"{where}.type",
                "unsupported_parameter",
            )
        message: Message = checked(Message, item, ("input", number))
        if isinstance(message.content, str):
            if message.role == "user":
                texts.append(message.content)
            continue
        for part_number, part in enumerate(message.content):
            part_where = f"{where}.content[{part_number}]"
            part_kind = part.get("type") if isinstance(part, dict) else None
            if part_kind == "input_image":
                image: ImagePart = checked(
                    ImagePart, part, ("input", number, "content", part_number)
                )
                images.append(_reference(ImageRef(image_url=image.image_url,
                                                  file_id=image.file_id), part_where))  # fmt: skip
            elif part_kind in ("input_text", "output_text"):
                text: TextPart = checked(TextPart, part, ("input", number, "content", part_number))
                if message.role == "user":
                    texts.append(text.text)
            else:
                raise _invalid(
                    f"Unsupported content type '{part_kind}' in '{part_where}': this server "
                    "reads input_text and input_image parts.",
                    f"{part_where}.type",
                    "unsupported_parameter",
                )
    return "\n".join(texts), tuple(images)


def _reference(reference: ImageRef, where: str) -> ImageInput:
    if reference.file_id is not None:
        return ImageInput(f"{where}.file_id", file_id=reference.file_id)
    url = reference.image_url
    if not url:
        raise _invalid(
            f"'{where}' needs an 'image_url' (a data URL) or a 'file_id'.",
            f"{where}.image_url",
            "missing_required_parameter",
        )
    if not url.startswith("data:"):
        raise _invalid(
            f"'{where}.image_url' must be a base64 data URL (data:image/png;base64,...); this "
            "server does not fetch remote URLs.",
            f"{where}.image_url",
        )
    try:
        data = decode_data_url(url, max_bytes=MAX_DATA_URL_BYTES)
    except InvalidMediaError as exc:
        raise _invalid(str(exc), f"{where}.image_url") from exc
    return ImageInput(f"{where}.image_url", data=data)


def _base64(text: str, where: str) -> bytes:
    return _reference(ImageRef(image_url=f"data:image/png;base64,{text}"), where).data or b""


def new_images(
    request: ResponseRequest,
    images: tuple[ClientFile, ...],
    mask: ClientFile | None,
) -> NewImages:
    """The image request the tool call makes: an edit when there is an image to edit (the
    input's, or the previous response's), unless the tool's `action` says `generate`."""
    tool, where = request.tool, request.tool_param
    action = tool.action or "auto"
    if action == "edit" and not images:
        raise _invalid(
            "The image generation tool's action is 'edit' but there is no image to edit: send "
            "an input_image, or continue a response that made one (previous_response_id).",
            f"{where}.action",
        )
    if action == "generate":
        images, mask = (), None
    operation = ImageOperation.EDIT if images else ImageOperation.GENERATE
    if mask is not None and operation is ImageOperation.GENERATE:
        raise _invalid("'input_image_mask' needs an image to edit.", f"{where}.input_image_mask")
    model = tool.model or DEFAULT_IMAGE_MODEL
    family = family_of(model)
    most = RULES[family].max_edit_images
    if len(images) > most:
        raise _invalid(f"Too many images: at most {most} can be edited.", "input")
    params = tool.model_dump(exclude={"type", "model", "action", "input_image_mask"})
    params["stream"] = request.stream
    try:
        options = resolve(family, operation, params, request.prompt)
    except InvalidRequest as exc:
        param = "input" if exc.param == "prompt" else f"{where}.{exc.param}"
        raise replace_param(exc, param) from exc
    return NewImages(
        prompt=request.prompt,
        model=model,
        family=family,
        operation=operation,
        width=options.width,
        height=options.height,
        n=1,
        quality=options.quality,
        output_format=options.output_format,
        output_compression=options.output_compression,
        background=options.background,
        moderation=options.moderation,
        input_fidelity=options.input_fidelity,
        user=request.user,
        images=images,
        mask=mask,
        partial_images=options.partial_images if request.stream else 0,
    )


def replace_param(exc: InvalidRequest, param: str) -> InvalidRequest:
    message = exc.message.replace(f"'{exc.param}'", f"'{param}'") if exc.param else exc.message
    return InvalidRequest(message, param=param, code=exc.code)
