"""Video characters (`POST /v1/videos/characters`): a name and the look of an uploaded clip.

No HTTP here. What a character does in reelgate: its video is validated (a decodable MP4 within
the source-video limits) and kept under `characters/<id>/`, and its main colours are read from
the clip's middle frame. A video job whose prompt mentions the character's name (whole words,
any case), made by the same key, carries the character (`VideoSpec.characters`): the preview
engine draws a badge in the character's colours with its name into every frame. Upstream
providers are not sent characters (none of reelgate's upstream clients has such a field).
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from reelgate.config import Settings
from reelgate.core.callers import Caller
from reelgate.core.errors import InvalidRequest, NotFound
from reelgate.core.ids import new_id
from reelgate.core.job_inputs import ClientFile
from reelgate.core.media_limits import probe_source_video
from reelgate.core.models import CharacterSpec
from reelgate.media.errors import InvalidMediaError
from reelgate.media.probe import iter_frames
from reelgate.store.blob_storage import BlobStorage
from reelgate.store.client_files import CharacterRow, ClientFileStore

Character = CharacterRow
MAX_NAME = 80
_COLOURS = 3
_COPY_CHUNK = 1024 * 1024


def main_colours(frame: np.ndarray, count: int = _COLOURS) -> tuple[tuple[int, int, int], ...]:
    """The `count` most used colours of an RGB frame (median-cut), most used first."""
    small = Image.fromarray(frame, "RGB").resize((64, 64), Image.Resampling.BILINEAR)
    quantized = small.quantize(colors=count)
    palette = quantized.getpalette() or []
    used = sorted(quantized.getcolors() or [], reverse=True)
    return tuple(
        (palette[3 * index], palette[3 * index + 1], palette[3 * index + 2]) for _, index in used
    )


def mentions(prompt: str, name: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(name.strip())}(?!\w)", prompt, re.IGNORECASE) is not None


class CharacterService:
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

    def create(self, video: ClientFile, name: str, caller: Caller) -> Character:
        name = name.strip()
        if not name or len(name) > MAX_NAME:
            raise InvalidRequest(
                f"Invalid 'name': expected 1 to {MAX_NAME} characters, got {len(name)}.",
                param="name",
                code="invalid_value",
            )
        character_id = new_id("char")
        staging = self.blobs.staging_dir(character_id)
        try:
            path = staging / "video.mp4"
            self._copy_limited(video, path)
            colours = self._colours(video, path)
            key = f"characters/{character_id}/video.mp4"
            self.blobs.put_file(key, path)
            row = CharacterRow(character_id, caller.owner, name, colours, key, self._clock())
            self.store.insert_character(row)
        except BaseException:
            self.blobs.delete_prefix(f"characters/{character_id}")
            raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return row

    def get(self, character_id: str, caller: Caller) -> Character:
        row = self.store.get_character(character_id)
        if row is None or not caller.sees(row.owner):
            raise NotFound(f"Character with id '{character_id}' not found.", param="character_id")
        return row

    def mentioned_in(self, prompt: str, caller: Caller) -> list[Character]:
        """The caller's own characters whose names the prompt mentions (oldest first)."""
        return [row for row in self.store.characters_of(caller.owner) if mentions(prompt, row.name)]

    def specs_in(self, prompt: str, caller: Caller) -> tuple[CharacterSpec, ...]:
        """What a new video job carries of the characters its prompt mentions."""
        return tuple(
            CharacterSpec(name=row.name, colors=row.colors)
            for row in self.mentioned_in(prompt, caller)
        )

    def _copy_limited(self, upload: ClientFile, path: Path) -> None:
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

    def _colours(self, upload: ClientFile, path: Path) -> tuple[tuple[int, int, int], ...]:
        try:
            with path.open("rb") as file:
                if file.read(8)[4:8] != b"ftyp":
                    raise InvalidMediaError(f"'{upload.name}' is not an MP4 video")
            info = probe_source_video(path, self.settings, upload.shown)
            middle, frame = max(info.frames, 1) // 2, None
            for number, decoded in enumerate(iter_frames(path, fit=(128, 128))):
                frame = decoded
                if number >= middle:
                    break
            if frame is None:
                raise InvalidMediaError(f"'{upload.name}' has no frames")
        except InvalidMediaError as exc:
            raise InvalidRequest(str(exc), param=upload.param, code="invalid_video") from exc
        return main_colours(frame)
