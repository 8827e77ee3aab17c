"""The OpenAI Files API (`/files...`, mounted under `/v1`, and as Azure serves it under
`/openai/v1`): images and videos stored once and named by `file_id` in later requests.

Only media for generations is kept (`purpose` `vision` or `user_data`; PNG, JPEG or WebP images
and MP4 videos, docs/files.md). The work is the core's (`core/files.py`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import UploadFile
from starlette.responses import Response

from reelgate.api.content.responses import blob_response
from reelgate.api.openai.errors import OpenAIEnvelope
from reelgate.api.openai.schemas import OpenAIErrorResponse
from reelgate.api.parsing.bodies import is_form, read_body
from reelgate.api.parsing.validation import validate
from reelgate.api.server.dependencies import Who
from reelgate.api.server.envelopes import dialect_route
from reelgate.core.errors import InvalidRequest
from reelgate.core.files import FileService, NewFile, StoredFile
from reelgate.core.job_inputs import ClientFile

ENVELOPE = OpenAIEnvelope()
router = APIRouter(route_class=dialect_route(ENVELOPE), tags=["OpenAI Files"])


async def file_service(request: Request) -> FileService:
    return request.app.state.files


Files = Annotated[FileService, Depends(file_service)]

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": OpenAIErrorResponse, "description": "Invalid request"},
    404: {"model": OpenAIErrorResponse, "description": "No such file"},
}


class ExpiresAfter(BaseModel):
    """`FileExpirationAfter`."""

    model_config = ConfigDict(extra="forbid")

    anchor: Literal["created_at"]
    seconds: Annotated[int, Field(ge=3600, le=2592000)]


class CreateFileBody(BaseModel):
    """`CreateFileRequest` without its file (`purpose` is checked by the core, which names the
    values this server takes)."""

    model_config = ConfigDict(extra="forbid")

    purpose: str
    expires_after: ExpiresAfter | None = None


def render_file(row: StoredFile) -> dict[str, Any]:
    """A stored file as OpenAI's `OpenAIFile` (`expires_at` only where the file expires)."""
    body: dict[str, Any] = {
        "id": row.id,
        "object": "file",
        "bytes": row.bytes,
        "created_at": int(row.created_at),
        "filename": row.filename,
        "purpose": row.purpose,
        "status": "processed",
    }
    if row.expires_at is not None:
        body["expires_at"] = int(row.expires_at)
    return body


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
                    "required": ["file", "purpose"],
                    "properties": {
                        "file": {"type": "string", "format": "binary",
                                 "description": "A PNG, JPEG or WebP image, or an MP4 video."},
                        "purpose": {"type": "string", "enum": ["vision", "user_data"]},
                        "expires_after": ExpiresAfter.model_json_schema(),
                    },
                }
            }
        },
    }
}  # fmt: skip


@router.post(
    "/files",
    operation_id="createFile",
    summary="Upload a file",
    responses=_ERRORS,
    openapi_extra=_CREATE_DOC,
)
async def create_file(request: Request, files: Files, who: Who) -> Response:
    if not is_form(request):
        raise InvalidRequest(
            "Files are uploaded as multipart/form-data with the parts 'file' and 'purpose'."
        )
    limit = request.app.state.settings.max_upload_bytes
    body = await read_body(request, max_part_size=limit, object_parts=("expires_after",))
    upload = body.pop("file", None)
    if upload is None:
        raise _missing("file")
    if not isinstance(upload, UploadFile):
        raise InvalidRequest(
            "'file' must be an uploaded file (multipart/form-data), not text.",
            param="file",
            code="invalid_type",
        )
    if "purpose" not in body:
        raise _missing("purpose")
    params = validate(CreateFileBody, body, strict=False)
    new = NewFile(
        upload=ClientFile(stream=upload.file, param="file"),
        filename=upload.filename or "upload",
        purpose=params.purpose,
        expires_after_seconds=params.expires_after.seconds if params.expires_after else None,
    )
    row = await run_in_threadpool(files.create, new, who)
    return JSONResponse(render_file(row))


@router.get("/files", operation_id="listFiles", summary="List files", responses=_ERRORS)
async def list_files(
    files: Files,
    who: Who,
    purpose: str | None = None,
    limit: Annotated[int, Query(ge=1, le=10000)] = 10000,
    order: Literal["asc", "desc"] = "desc",
    after: str | None = None,
) -> Response:
    rows, has_more = await run_in_threadpool(
        lambda: files.list(
            who, purpose=purpose, limit=limit, descending=order == "desc", after=after
        )
    )
    data = [render_file(row) for row in rows]
    return JSONResponse(
        {
            "object": "list",
            "data": data,
            "first_id": data[0]["id"] if data else None,
            "last_id": data[-1]["id"] if data else None,
            "has_more": has_more,
        }
    )


@router.get(
    "/files/{file_id}", operation_id="retrieveFile", summary="Retrieve a file", responses=_ERRORS
)
async def retrieve_file(file_id: str, files: Files, who: Who) -> Response:
    row = await run_in_threadpool(files.get, file_id, who)
    return JSONResponse(render_file(row))


@router.delete(
    "/files/{file_id}", operation_id="deleteFile", summary="Delete a file", responses=_ERRORS
)
async def delete_file(file_id: str, files: Files, who: Who) -> Response:
    row = await run_in_threadpool(files.delete, file_id, who)
    return JSONResponse({"id": row.id, "object": "file", "deleted": True})


@router.get(
    "/files/{file_id}/content",
    operation_id="downloadFile",
    summary="Download a file's content",
    responses={200: {"description": "The file as uploaded."}, **_ERRORS},
)
async def file_content(file_id: str, files: Files, who: Who) -> Response:
    row, source = await run_in_threadpool(files.content, file_id, who)
    return blob_response(
        source, media_type=row.media_type, filename=row.filename, disposition="attachment"
    )
