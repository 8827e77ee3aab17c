"""Request and response models of Azure OpenAI's video-jobs API (v1 preview document).

Dimensions and limits are the documented ones: the supported sizes in both orientations; at
1080p (short side 1080) at most 10 seconds and 1 variant; at 720p at most 2 variants.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

SUPPORTED_SIZES = (
    (480, 480),
    (854, 480),
    (480, 854),
    (720, 720),
    (1280, 720),
    (720, 1280),
    (1080, 1080),
    (1920, 1080),
    (1080, 1920),
)
AZURE_STATUSES = (
    "preprocessing",
    "queued",
    "running",
    "processing",
    "cancelled",
    "succeeded",
    "failed",
)
MAX_SECONDS_1080P = 10
MAX_VARIANTS = {1080: 1, 720: 2}  # by the short side; other sizes allow 5


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class CreateJobBody(_Strict):
    prompt: Annotated[str, Field(min_length=1, max_length=32000)]
    model: Annotated[str, Field(min_length=1)]
    width: int
    height: int
    n_seconds: Annotated[int, Field(ge=1, le=20)] = 5
    n_variants: Annotated[int, Field(ge=1, le=5)] = 1


class CropBounds(_Strict):
    left_fraction: Annotated[float, Field(ge=0, le=1)] = 0.0
    top_fraction: Annotated[float, Field(ge=0, le=1)] = 0.0
    right_fraction: Annotated[float, Field(ge=0, le=1)] = 1.0
    bottom_fraction: Annotated[float, Field(ge=0, le=1)] = 1.0


class InpaintItem(_Strict):
    frame_index: Annotated[int, Field(ge=0)]
    type: Literal["image", "video"]
    file_name: Annotated[str, Field(min_length=1)]
    crop_bounds: CropBounds | None = None


# -- responses (documentation of the wire shape) ---------------------------------------------


class VideoGenerationObject(BaseModel):
    object: Literal["video.generation"] = "video.generation"
    id: str
    job_id: str
    created_at: int
    width: int
    height: int
    n_seconds: int
    prompt: str


class VideoGenerationJobObject(BaseModel):
    object: Literal["video.generation.job"] = "video.generation.job"
    id: str
    status: Literal[
        "preprocessing", "queued", "running", "processing", "cancelled", "succeeded", "failed"
    ]
    created_at: int
    finished_at: int | None = Field(None, description="Absent until the job finishes.")
    expires_at: int | None = Field(None, description="Absent: reelgate keeps results.")
    generations: list[VideoGenerationObject] = []
    prompt: str
    model: str
    n_variants: int
    n_seconds: int
    height: int
    width: int
    inpaint_items: list[InpaintItem] | None = None
    failure_reason: str | None = Field(None, description="Present when the job failed.")


class VideoGenerationJobListObject(BaseModel):
    object: Literal["list"] = "list"
    data: list[VideoGenerationJobObject]
    has_more: bool
    first_id: str | None = None
    last_id: str | None = None


class AzureErrorDetail(BaseModel):
    code: str
    message: str
    param: str | None = None
    type: str | None = None
    inner_error: dict[str, object] | None = None


class AzureErrorResponse(BaseModel):
    error: AzureErrorDetail
