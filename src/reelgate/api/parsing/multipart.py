"""Starlette's multipart parser, held to the limits a create needs.

Starlette bounds text parts (`max_part_size`) but not files: an upload was spooled to a temporary
file until the whole request hit the body limit (four uploads and more). Here every part, file or
text, stops at `max_part_size` with a 413 as soon as it passes it, before the next chunk is read.
And python-multipart accepts a body that ends without its closing boundary, dropping the part it
was in (a file the request then went on without): such a body is refused with a 400.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

from starlette.datastructures import FormData, Headers, UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException, MultiPartParser


class PartTooLarge(HTTPException):
    """A 413 with `Connection: close` (the body limit middleware's answer, for one part): an
    HTTPException, so every dialect renders it in its own envelope."""

    def __init__(self, name: str, limit: int) -> None:
        super().__init__(
            status_code=413,
            detail=f"'{name}' is larger than the {limit} byte upload limit.",
            headers={"Connection": "close"},
        )


class LimitedMultiPartParser(MultiPartParser):
    def __init__(
        self,
        headers: Headers,
        stream: AsyncGenerator[bytes, None],
        *,
        max_files: int,
        max_fields: int,
        max_part_size: int,
    ) -> None:
        super().__init__(
            headers, stream, max_files=max_files, max_fields=max_fields, max_part_size=max_part_size
        )
        self._part_bytes = 0
        self._ended = False
        self._uploads: list[UploadFile] = []

    def on_part_begin(self) -> None:
        super().on_part_begin()
        self._part_bytes = 0

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        self._part_bytes += end - start
        if self._part_bytes > self.max_part_size:
            raise PartTooLarge(self._current_part.field_name, self.max_part_size)
        super().on_part_data(data, start, end)

    def on_headers_finished(self) -> None:
        super().on_headers_finished()
        if self._current_part.file is not None:
            self._uploads.append(self._current_part.file)

    def on_end(self) -> None:
        self._ended = True

    async def parse(self) -> FormData:
        form = await super().parse()
        if not self._ended:
            for upload in self._uploads:  # the cut-off part's file is in no item: close them all
                await upload.close()
            raise MultiPartException(
                "the body ended before its closing boundary (the last part is incomplete)."
            )
        return form
