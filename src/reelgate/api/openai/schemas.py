"""Request and response models of the OpenAI Videos API, as `openai-openapi.yaml` defines them.

Request models validate strictly (no type coercion, unknown keys refused), because the real API
does; response models document the wire shape in reelgate's own OpenAPI document.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

VIDEO_SIZES = ("720x1280", "1280x720", "1024x1792", "1792x1024")
VIDEO_SECONDS = ("4", "8", "12")
# The extension segment: the schema points at VideoSeconds, its description (and the SDK's
# docstring) says 4, 8, 12, 16 and 20 are allowed. reelgate accepts the documented longer ones.
EXTENSION_SECONDS = ("4", "8", "12", "16", "20")
DEFAULT_MODEL = "sora-2"
# Where an answer names a job's own size when `size` (one of VIDEO_SIZES) cannot: an extra key,
# present only then (the document's `VideoResource` allows extra keys).
TRUE_SIZE_KEY = "reelgate_size"

Prompt = Annotated[str, Field(min_length=1, max_length=32000)]
VideoSize = Literal["720x1280", "1280x720", "1024x1792", "1792x1024"]
VideoSeconds = Literal["4", "8", "12"]
ExtensionSeconds = Literal["4", "8", "12", "16", "20"]


def allowed_size(width: int, height: int) -> tuple[int, int]:
    """The allowed size (one of VIDEO_SIZES) of the same orientation whose pixel count is closest
    to `width`x`height`: what an uploaded source is rendered at, and what an answer names for a
    job of another size (squares count as landscape)."""
    candidates = [tuple(int(v) for v in size.split("x")) for size in VIDEO_SIZES]
    same = [(w, h) for w, h in candidates if (w >= h) == (width >= height)]
    w, h = min(same, key=lambda wh: abs(wh[0] * wh[1] - width * height))
    return w, h


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ImageReference(_Strict):
    image_url: Annotated[str, Field(max_length=20971520)] | None = None
    file_id: str | None = None


class VideoReference(_Strict):
    id: Annotated[str, Field(min_length=1)]


class CreateVideoBody(_Strict):
    prompt: Prompt
    model: Annotated[str, Field(min_length=1)] = DEFAULT_MODEL
    seconds: VideoSeconds = "4"
    size: VideoSize = "720x1280"


class RemixVideoBody(_Strict):
    prompt: Prompt


class EditVideoBody(_Strict):
    prompt: Prompt


class ExtendVideoBody(_Strict):
    prompt: Prompt
    seconds: ExtensionSeconds


# -- responses (documentation of the wire shape) ---------------------------------------------


class VideoErrorObject(BaseModel):
    code: str
    message: str


class VideoObject(BaseModel):
    id: str
    object: Literal["video"] = "video"
    model: str
    status: Literal["queued", "in_progress", "completed", "failed"]
    progress: int
    created_at: int
    completed_at: int | None
    expires_at: int | None
    prompt: str | None
    size: VideoSize
    seconds: str
    remixed_from_video_id: str | None
    error: VideoErrorObject | None
    reelgate_size: str | None = Field(
        None,
        description="reelgate's addition: the job's own WIDTHxHEIGHT, present only when it is "
        "not one of VideoSize's values (a job made through another API); `size` then names the "
        "nearest allowed size of the same orientation.",
    )


class VideoListObject(BaseModel):
    object: Literal["list"] = "list"
    data: list[VideoObject]
    first_id: str | None
    last_id: str | None
    has_more: bool


class DeletedVideoObject(BaseModel):
    id: str
    object: Literal["video.deleted"] = "video.deleted"
    deleted: bool


class OpenAIErrorDetail(BaseModel):
    message: str
    type: str
    param: str | None
    code: str | None


class OpenAIErrorResponse(BaseModel):
    error: OpenAIErrorDetail
