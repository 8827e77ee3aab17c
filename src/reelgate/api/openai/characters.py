"""Video characters (`/videos/characters...`, mounted under `/v1`): a name and an uploaded clip,
owned by the key that made it. What a character does in reelgate: docs/files.md and
`core/characters.py`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import UploadFile
from starlette.responses import Response

from reelgate.api.openai.errors import OpenAIEnvelope
from reelgate.api.openai.schemas import OpenAIErrorResponse
from reelgate.api.parsing.bodies import read_body
from reelgate.api.parsing.validation import validate
from reelgate.api.server.dependencies import Who
from reelgate.api.server.envelopes import dialect_route
from reelgate.core.characters import MAX_NAME, Character, CharacterService
from reelgate.core.errors import InvalidRequest
from reelgate.core.job_inputs import ClientFile

ENVELOPE = OpenAIEnvelope()
router = APIRouter(route_class=dialect_route(ENVELOPE), tags=["OpenAI Videos"])


async def character_service(request: Request) -> CharacterService:
    return request.app.state.characters


Characters = Annotated[CharacterService, Depends(character_service)]

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": OpenAIErrorResponse, "description": "Invalid request"},
    404: {"model": OpenAIErrorResponse, "description": "No such character"},
}


class CreateCharacterBody(BaseModel):
    """`CreateVideoCharacterBody` without its video."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=MAX_NAME)]


def render_character(row: Character) -> dict[str, Any]:
    """OpenAI's `VideoCharacterResource`."""
    return {"id": row.id, "name": row.name, "created_at": int(row.created_at)}


def _missing(param: str) -> InvalidRequest:
    return InvalidRequest(
        f"Missing required parameter: '{param}'.", param=param, code="missing_required_parameter"
    )


_CREATE_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["video", "name"],
                    "properties": {
                        "video": {"type": "string", "format": "binary",
                                  "description": "An MP4 clip of the character."},
                        "name": {"type": "string", "minLength": 1, "maxLength": MAX_NAME},
                    },
                }
            }
        },
    }
}  # fmt: skip


@router.post(
    "/videos/characters",
    operation_id="CreateVideoCharacter",
    summary="Create a character from an uploaded video",
    responses=_ERRORS,
    openapi_extra=_CREATE_DOC,
)
async def create_character(request: Request, characters: Characters, who: Who) -> Response:
    limit = request.app.state.settings.max_upload_bytes
    body = await read_body(request, max_part_size=limit)
    video = body.pop("video", None)
    if video is None:
        raise _missing("video")
    if not isinstance(video, UploadFile):
        raise InvalidRequest(
            "'video' must be an uploaded file (multipart/form-data), not text.",
            param="video",
            code="invalid_type",
        )
    if "name" not in body:
        raise _missing("name")
    params = validate(CreateCharacterBody, body, strict=False)
    row = await run_in_threadpool(
        characters.create, ClientFile(stream=video.file, param="video"), params.name, who
    )
    return JSONResponse(render_character(row))


@router.get(
    "/videos/characters/{character_id}",
    operation_id="GetVideoCharacter",
    summary="Fetch a character",
    responses=_ERRORS,
)
async def get_character(character_id: str, characters: Characters, who: Who) -> Response:
    row = await run_in_threadpool(characters.get, character_id, who)
    return JSONResponse(render_character(row))
