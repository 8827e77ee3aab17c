"""The Files API's uploads: images and videos a client stores once and names by `file_id`.

No HTTP here. An upload is type-checked before anything is kept (PNG, JPEG or WebP images that
decode within the pixel limit; MP4 videos that probe within the source-video limit), is
stored as sent under `files/<id>/` in the blob store, and belongs to the API key that sent it:
another key's file is reported exactly like an unknown id. Job and image inputs that name a
`file_id` get the file's bytes back through `FileService.open` / `FileService.client_file`.
"""

from __future__ import annotations

import io
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ulid import ULID

from reelgate.config import Settings
from reelgate.core.callers import Caller
from reelgate.core.content import MediaSource
from reelgate.core.errors import InvalidRequest, NotFound
from reelgate.core.job_inputs import ClientFile
from reelgate.core.media_limits import probe_source_video
from reelgate.media.errors import InvalidMediaError
from reelgate.media.images import decode_checked
from reelgate.store.blob_storage import BlobStorage
from reelgate.store.client_files import ClientFileStore, FileRow

# The purposes of OpenAI's `CreateFileRequest` that mean "media for a generation"; the others
# (assistants, batch, fine-tune, evals) name APIs reelgate does not have.
PURPOSES = ("vision", "user_data")
ALL_PURPOSES = ("assistants", "batch", "fine-tune", "vision", "user_data", "evals")
IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp")
_VIDEO_TYPE = "video/mp4"
_COPY_CHUNK = 1024 * 1024

StoredFile = FileRow


def new_file_id() -> str:
    """`file-<ulid>`: OpenAI's file id shape, time-ordered like every reelgate id."""
    return f"file-{str(ULID()).lower()}"


def _image_type(head: bytes) -> str | None:
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def _is_video(head: bytes) -> bool:
    """ISO base media (MP4: `ftyp` at byte 4)."""
    return head[4:8] == b"ftyp"


@dataclass(frozen=True)
class NewFile:
    upload: ClientFile
    filename: str
    purpose: str
    expires_after_seconds: int | None = None


class FileService:
    def __init__(
        self,
        store: ClientFileStore,
        blobs: BlobStorage,
        settings: Settings,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.blobs = blobs
        self.settings = settings
        self._clock = clock

    # -- the Files API -------------------------------------------------------------------------

    def create(self, new: NewFile, caller: Caller) -> StoredFile:
        if new.purpose not in PURPOSES:
            raise InvalidRequest(
                f"Invalid value for 'purpose': '{new.purpose}'. This server stores media for "
                "generations only; supported values are 'vision' and 'user_data'.",
                param="purpose",
                code="invalid_value",
            )
        file_id = new_file_id()
        staging = self.blobs.staging_dir(file_id)
        try:
            path = staging / "upload"
            size = self._copy_limited(new.upload, path)
            media_type = self._checked_type(new.upload, path)
            key = f"files/{file_id}/content"
            self.blobs.put_file(key, path)
            now = self._clock()
            expires = now + new.expires_after_seconds if new.expires_after_seconds else None
            row = FileRow(
                id=file_id,
                owner=caller.owner,
                filename=new.filename[:512] or "upload",
                purpose=new.purpose,
                media_type=media_type,
                bytes=size,
                blob_key=key,
                created_at=now,
                expires_at=expires,
            )
            self.store.insert_file(row)
        except BaseException:
            self.blobs.delete_prefix(f"files/{file_id}")
            raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return row

    def get(self, file_id: str, caller: Caller) -> StoredFile:
        """A file the caller may see; another key's file, or an expired one, is absent."""
        row = self.store.get_file(file_id)
        if row is None or not caller.sees(row.owner) or self._expired(row):
            raise NotFound(f"No such File object: {file_id}", param="file_id")
        return row

    def list(
        self,
        caller: Caller,
        *,
        purpose: str | None,
        limit: int,
        descending: bool,
        after: str | None,
    ) -> tuple[list[StoredFile], bool]:
        rows, more = self.store.list_files(
            owner=caller.owner,
            every_owner=caller.admin,
            purpose=purpose,
            limit=limit,
            descending=descending,
            after=after,
        )
        return [row for row in rows if not self._expired(row)], more

    def delete(self, file_id: str, caller: Caller) -> StoredFile:
        row = self.get(file_id, caller)
        self.store.delete_file(row.id)
        self.blobs.delete_prefix(f"files/{row.id}")
        return row

    def content(self, file_id: str, caller: Caller) -> tuple[StoredFile, MediaSource]:
        row = self.get(file_id, caller)
        return row, self.blobs.source(row.blob_key, row.bytes)

    # -- file_id inputs (videos, image edits, the Responses API) -------------------------------

    def open(self, file_id: str, caller: Caller) -> tuple[StoredFile, BinaryIO]:
        """The caller's stored file and a readable stream of its bytes (the caller closes it).
        Unknown, another key's and expired ids raise `NotFound`."""
        row = self.get(file_id, caller)
        source = self.blobs.source(row.blob_key, row.bytes)
        if isinstance(source, Path):
            return row, source.open("rb")
        with self.blobs.local_copy(row.blob_key) as path:
            return row, io.BytesIO(path.read_bytes())

    def client_file(
        self, file_id: str, caller: Caller, param: str, *, images_only: bool = True
    ) -> ClientFile:
        """A `file_id` input as the client media the job and image services take. Errors name
        `param` (e.g. `input_reference.file_id`): an unknown id is a 400 there, not a 404."""
        try:
            row, stream = self.open(file_id, caller)
        except NotFound:
            raise InvalidRequest(
                f"No such File object: '{file_id}' (in '{param}').",
                param=param,
                code="invalid_value",
            ) from None
        with stream:  # read now (at most the upload limit): nothing is left open
            if images_only and row.media_type not in IMAGE_TYPES:
                raise InvalidRequest(
                    f"File '{file_id}' is {row.media_type}; '{param}' takes an image "
                    "(PNG, JPEG or WebP).",
                    param=param,
                    code="invalid_image",
                )
            data = stream.read()
        return ClientFile(stream=io.BytesIO(data), param=param)

    # -- helpers -------------------------------------------------------------------------------

    def _expired(self, row: StoredFile) -> bool:
        return row.expires_at is not None and row.expires_at <= self._clock()

    def _copy_limited(self, upload: ClientFile, path: Path) -> int:
        limit = self.settings.max_upload_bytes
        copied = 0
        with path.open("wb") as out:
            while chunk := upload.stream.read(_COPY_CHUNK):
                copied += len(chunk)
                if copied > limit:
                    raise InvalidRequest(
                        f"'{upload.name}' is larger than the {limit} byte upload limit.",
                        param=upload.param,
                        code="file_too_large",
                    )
                out.write(chunk)
        if copied == 0:
            raise InvalidRequest(
                f"'{upload.name}' is empty.", param=upload.param, code="empty_file"
            )
        return copied

    def _checked_type(self, upload: ClientFile, path: Path) -> str:
        with path.open("rb") as file:
            head = file.read(16)
        image_type = _image_type(head)
        try:
            if image_type is not None:
                decode_checked(
                    path.read_bytes(),
                    max_bytes=self.settings.max_upload_bytes,
                    max_pixels=self.settings.max_image_pixels,
                    label=f"'{upload.name}'",
                )
                return image_type
            if _is_video(head):
                probe_source_video(path, self.settings, upload.shown)
                return _VIDEO_TYPE
        except InvalidMediaError as exc:
            raise InvalidRequest(str(exc), param=upload.param, code="invalid_file") from exc
        raise InvalidRequest(
            f"Unsupported file type for '{upload.name}': this server keeps media for generations "
            "only, PNG, JPEG or WebP images and MP4 videos.",
            param=upload.param,
            code="unsupported_file",
        )
