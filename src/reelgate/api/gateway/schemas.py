"""Request and response models of the gateway dialect, as seed 003's document defines them
(Bifrost's `docs/openapi/schemas/inference/videos.yaml` and `common.yaml`).

JSON bodies validate strictly (an integer is an integer); multipart bodies, whose values are all
strings, validate with coercion. Limits the document leaves open are reelgate's (below).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

# The document's `ModelProvider` enum: `extra_fields.provider` names only these.
DOCUMENTED_PROVIDERS = frozenset(
    [
        "anthropic",
        "azure",
        "bedrock",
        "bedrock_mantle",
        "cerebras",
        "cohere",
        "deepseek",
        "gemini",
        "groq",
        "mistral",
        "ollama",
        "opencode-go",
        "opencode-zen",
        "openai",
        "parasail",
        "perplexity",
        "sgl",
        "vertex",
        "openrouter",
        "elevenlabs",
        "huggingface",
        "nebius",
        "xai",
        "replicate",
        "vllm",
        "runway",
        "runware",
        "fireworks",
        "sarvam",
        "wafer",
        "zro",
        "databricks",
    ]
)
DEFAULT_SECONDS = 4
DEFAULT_SIZE = "1280x720"
MAX_SECONDS = 60  # the document's maximum
# Sizes: each side within these bounds, and at most 4K UHD of pixels (the document sets none).
MIN_SIDE, MAX_SIDE = 64, 3840
MAX_PIXELS = 3840 * 2160
MAX_FALLBACKS = 8

Prompt = Annotated[str, Field(min_length=1, max_length=32000)]
Size = Annotated[str, Field(pattern=r"^[1-9][0-9]{1,4}x[1-9][0-9]{1,4}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Fallback(_Strict):
    provider: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^/:\s]+$")]
    model: Annotated[str, Field(min_length=1, max_length=190)]


class CreateVideoBody(_Strict):
    model: Annotated[str, Field(min_length=3, max_length=256, description="`provider/model`")]
    prompt: Prompt
    seconds: Annotated[int, Field(ge=1, le=MAX_SECONDS)] = DEFAULT_SECONDS
    size: Size = DEFAULT_SIZE
    negative_prompt: Annotated[str, Field(max_length=32000)] | None = None
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] | None = None
    audio: bool | None = None
    video_uri: Annotated[str, Field(max_length=4096)] | None = None
    fallbacks: Annotated[list[Fallback], Field(max_length=MAX_FALLBACKS)] | None = None


class RemixVideoBody(_Strict):
    prompt: Prompt
    fallbacks: Annotated[list[Fallback], Field(max_length=MAX_FALLBACKS)] | None = None


# -- responses (documentation of the wire shape) ---------------------------------------------


class ExtraFields(BaseModel):
    request_type: str
    provider: str | None = None
    model_requested: str | None = None
    model_deployment: str | None = None


class VideoOutput(BaseModel):
    type: Literal["url", "base64"]
    url: str | None = None
    content_type: str | None = None


class VideoError(BaseModel):
    code: str
    message: str


class VideoObject(BaseModel):
    id: str
    object: Literal["video"] = "video"
    model: str
    status: Literal["queued", "in_progress", "completed", "failed"]
    progress: float
    prompt: str
    remixed_from_video_id: str | None = None
    seconds: int
    size: str
    created_at: int
    completed_at: int | None = None
    expires_at: int | None = None
    error: VideoError | None = None


class VideoGenerationResponse(VideoObject):
    videos: list[VideoOutput] | None = None
    extra_fields: ExtraFields


class VideoListResponse(BaseModel):
    object: Literal["list"] = "list"
    data: list[VideoObject]
    first_id: str | None = None
    last_id: str | None = None
    has_more: bool
    extra_fields: ExtraFields


class VideoDeleteResponse(BaseModel):
    id: str
    object: Literal["video.deleted"] = "video.deleted"
    deleted: bool
    extra_fields: ExtraFields


class ErrorField(BaseModel):
    type: str
    code: str | None = None
    message: str
    param: str | None = None


class BifrostError(BaseModel):
    is_bifrost_error: bool
    status_code: int
    error: ErrorField
