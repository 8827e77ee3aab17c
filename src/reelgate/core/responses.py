"""The Responses API as reelgate serves it: the image generation tool, and nothing else.

No HTTP here. reelgate has no language model, so a response never "decides" anything: when the
image tool is offered it is called with the input's text as its prompt, and the image comes from
`ImageService` exactly as `/v1/images` makes it (an image job like any other). What this module
adds is the response's own life: its ids, the stored answer (`store`, default true) that
`GET /responses/{id}` reads back and `previous_response_id` continues from (the previous image
becomes the input of an edit, as a multi-turn edit does on the real service), and ownership
(another key's response is reported exactly like an unknown id).

The answer itself is the dialect's JSON: it is stored as given, less the image's bytes, which
stay in the image job's storage and are read back when the response is.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reelgate.core.callers import Caller
from reelgate.core.errors import InvalidRequest, NotFound
from reelgate.core.ids import new_id
from reelgate.core.images import ImageResult, ImageService
from reelgate.core.job_inputs import ClientFile
from reelgate.core.models import AssetVariant
from reelgate.store.responses import ResponseRow, ResponseStore


def new_response_id() -> str:
    return new_id("resp")


def new_image_call_id() -> str:
    """An `image_generation_call` output item's id."""
    return new_id("ig")


@dataclass(frozen=True)
class StoredResponse:
    """A stored answer and, when it made one, its image's bytes (None once retention removed
    the file)."""

    id: str
    body: dict[str, Any]
    image: bytes | None
    made_image: bool


class ResponseService:
    def __init__(
        self, images: ImageService, store: ResponseStore, clock: Callable[[], float] = time.time
    ) -> None:
        self.images = images
        self.store = store
        self._clock = clock

    @classmethod
    def over(cls, images: ImageService) -> ResponseService:
        """The service over the image service's own database."""
        return cls(images, ResponseStore(images.store.engine))

    def save(
        self, response_id: str, caller: Caller, body: dict[str, Any], result: ImageResult | None
    ) -> None:
        """Keep an answer (`body` without the image bytes) and which image it made."""
        image = result.images[0] if result is not None and result.images else None
        self.store.insert(
            ResponseRow(
                id=response_id,
                owner=caller.owner,
                created_at=self._clock(),
                image_job_id=result.job.id if result is not None else None,
                image_generation_id=image.generation.id if image is not None else None,
                body=body,
            )
        )

    def get(self, response_id: str, caller: Caller) -> StoredResponse:
        row = self._row(response_id, caller)
        return StoredResponse(
            id=row.id,
            body=row.body,
            image=self._image_bytes(row),
            made_image=row.image_generation_id is not None,
        )

    def delete(self, response_id: str, caller: Caller) -> None:
        """Forget the answer; the image job it made stays, like any image job."""
        row = self._row(response_id, caller)
        self.store.delete(row.id)

    def previous_image(self, response_id: str, caller: Caller, param: str) -> ClientFile | None:
        """The image a previous response made, as the input of an edit (None: it made none).
        An unknown or foreign id is the client's mistake in `param` (400), as on the real
        service."""
        try:
            row = self._row(response_id, caller)
        except NotFound:
            raise InvalidRequest(
                f"Previous response with id '{response_id}' not found.",
                param=param,
                code="previous_response_not_found",
            ) from None
        if row.image_generation_id is None:
            return None
        data = self._image_bytes(row)
        if data is None:
            raise InvalidRequest(
                f"The image of previous response '{response_id}' is no longer kept.",
                param=param,
                code="previous_response_not_found",
            )
        return ClientFile(stream=io.BytesIO(data), param=param)

    # -- helpers -------------------------------------------------------------------------------

    def _row(self, response_id: str, caller: Caller) -> ResponseRow:
        row = self.store.get(response_id)
        if row is None or not caller.sees(row.owner):
            raise NotFound(
                f"Response with id '{response_id}' not found.", param="response_id",
                code="not_found",
            )  # fmt: skip
        return row

    def _image_bytes(self, row: ResponseRow) -> bytes | None:
        if row.image_job_id is None or row.image_generation_id is None:
            return None
        job = self.images.store.get_job(row.image_job_id, with_generations=True)
        if job is None:
            return None
        generation = next((g for g in job.generations if g.id == row.image_generation_id), None)
        asset = generation.assets.get(AssetVariant.IMAGE) if generation is not None else None
        blobs = self.images.blobs
        if asset is None or not blobs.exists(asset.blob_key):
            return None
        with blobs.local_copy(asset.blob_key) as path:
            return path.read_bytes()
