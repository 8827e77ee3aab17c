"""The Files API, `file_id` inputs, image variations and video characters, over real HTTP with
the official SDK, answers validated against the official schemas."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import openai
import pytest
from openai import OpenAI
from PIL import Image

from reelgate.store.connect import open_store
from reelgate.store.keys import KeyStore
from tests.conftest import SPECS, SpecSchemas, wait_for
from tests.fakes.media import sample_media
from tests.media_checks import png_bytes
from tests.server import ServerProcess


@pytest.fixture(scope="module")
def files_spec() -> SpecSchemas:
    return SpecSchemas(SPECS / "openai-files.json")


def _error(response: httpx.Response, status: int, param: str) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["param"] == param, error
    assert error["type"] == "invalid_request_error"
    return error


def _upload(client: OpenAI, data: bytes, name: str = "red.png", purpose: str = "vision"):
    return client.files.create(file=(name, data), purpose=purpose)  # type: ignore[arg-type]


# -- the Files API ----------------------------------------------------------------------------


def test_a_file_is_uploaded_listed_read_and_deleted(
    client: OpenAI, http: httpx.Client, files_spec: SpecSchemas
) -> None:
    data = png_bytes((200, 30, 30), (64, 48))
    created = _upload(client, data)
    files_spec.validate("OpenAIFile", created.model_dump(exclude_unset=True))
    assert (created.bytes, created.filename, created.purpose) == (len(data), "red.png", "vision")

    fetched = http.get(f"/v1/files/{created.id}").json()
    files_spec.validate("OpenAIFile", fetched)
    assert client.files.content(created.id).read() == data

    listing = http.get("/v1/files", params={"purpose": "vision", "limit": 100}).json()
    files_spec.validate("ListFilesResponse", listing)
    assert created.id in [item["id"] for item in listing["data"]]
    assert client.files.list(purpose="user_data", limit=100).data == [] or all(
        item.purpose == "user_data" for item in client.files.list(purpose="user_data").data
    )

    deleted = http.delete(f"/v1/files/{created.id}").json()
    files_spec.validate("DeleteFileResponse", deleted)
    assert deleted == {"id": created.id, "object": "file", "deleted": True}
    error = _error(http.get(f"/v1/files/{created.id}"), 404, "file_id")
    files_spec.validate("ErrorResponse", {"error": error})


def test_a_video_file_and_an_expiry_are_kept(client: OpenAI, files_spec: SpecSchemas) -> None:
    video = client.files.create(
        file=("clip.mp4", sample_media().video),
        purpose="user_data",
        expires_after={"anchor": "created_at", "seconds": 3600},
    )
    files_spec.validate("OpenAIFile", video.model_dump(exclude_unset=True))
    assert video.expires_at == video.created_at + 3600
    client.files.delete(video.id)


def test_bad_uploads_are_400s_naming_the_parameter(http: httpx.Client) -> None:
    png = ("a.png", png_bytes((1, 2, 3), (8, 8)), "image/png")
    error = _error(http.post("/v1/files", files={"file": png}, data={"purpose": "batch"}), 400,
                   "purpose")  # fmt: skip
    assert "vision" in error["message"]
    _error(http.post("/v1/files", files={"file": png}), 400, "purpose")
    _error(http.post("/v1/files", data={"purpose": "vision"}, files={"x": png}), 400, "file")
    text = ("notes.txt", b"hello, world", "text/plain")
    error = _error(http.post("/v1/files", files={"file": text}, data={"purpose": "vision"}), 400,
                   "file")  # fmt: skip
    assert "PNG" in error["message"]
    fake = ("fake.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image/png")
    _error(http.post("/v1/files", files={"file": fake}, data={"purpose": "vision"}), 400, "file")
    short = {"purpose": "vision", "expires_after[anchor]": "created_at",
             "expires_after[seconds]": "60"}  # fmt: skip
    response = http.post("/v1/files", files={"file": png}, data=short)
    assert response.status_code == 400
    assert "expires_after" in response.json()["error"]["param"]


def test_files_are_served_under_azures_prefix_too(http: httpx.Client) -> None:
    png = ("b.png", png_bytes((5, 6, 7), (8, 8)), "image/png")
    made = http.post("/openai/v1/files", files={"file": png}, data={"purpose": "vision"})
    assert made.status_code == 200, made.text
    file_id = made.json()["id"]
    assert http.get(f"/v1/files/{file_id}").json()["id"] == file_id
    assert http.delete(f"/openai/v1/files/{file_id}").json()["deleted"] is True


# -- file_id inputs ---------------------------------------------------------------------------


def test_a_video_takes_a_file_id_reference(client: OpenAI, http: httpx.Client) -> None:
    reference = _upload(client, png_bytes((20, 200, 40), (720, 1280)), "green.png")
    # The SDK types `input_reference` as a file or `{"file_id"|"image_url"}` but sends only
    # files itself (it refuses a dict client-side): the object goes through `extra_body`.
    video = client.videos.create(
        prompt="a meadow", size="720x1280", seconds="4",
        extra_body={"input_reference": {"file_id": reference.id}},
    )  # fmt: skip
    assert wait_for(http, video.id)["status"] == "completed"
    # The reference is the first frame's picture: the meadow's first frame is mostly green.
    frame = Image.open(
        io.BytesIO(client.videos.download_content(video.id, variant="thumbnail").read())
    )
    red, green, blue = frame.convert("RGB").resize((1, 1)).getpixel((0, 0))
    assert green > red and green > blue
    client.files.delete(reference.id)


def test_bad_file_id_references_are_400s(client: OpenAI, http: httpx.Client) -> None:
    body = {"prompt": "x", "input_reference": {"file_id": "file-nope"}}
    _error(http.post("/v1/videos", json=body), 400, "input_reference.file_id")
    clip = client.files.create(file=("clip.mp4", sample_media().video), purpose="user_data")
    body["input_reference"] = {"file_id": clip.id}
    _error(http.post("/v1/videos", json=body), 400, "input_reference.file_id")
    both = {"prompt": "x", "input_reference": {"file_id": clip.id, "image_url": "data:,"}}
    _error(http.post("/v1/videos", json=both), 400, "input_reference")
    edit = {"prompt": "x", "model": "gpt-image-1", "images": [{"file_id": clip.id}]}
    _error(http.post("/v1/images/edits", json=edit), 400, "images[0].file_id")
    client.files.delete(clip.id)


def test_an_image_edit_takes_file_ids(
    client: OpenAI, http: httpx.Client, images_spec: SpecSchemas
) -> None:
    picture = _upload(client, png_bytes((10, 10, 220), (64, 64)), "blue.png")
    mask = Image.new("RGBA", (64, 64), (0, 0, 0, 255))
    mask.paste((0, 0, 0, 0), (0, 0, 32, 64))
    buffer = io.BytesIO()
    mask.save(buffer, format="PNG")
    mask_file = _upload(client, buffer.getvalue(), "mask.png")
    body = {"prompt": "a sunset", "model": "gpt-image-1", "size": "1024x1024",
            "images": [{"file_id": picture.id}], "mask": {"file_id": mask_file.id}}  # fmt: skip
    answer = http.post("/v1/images/edits", json=body)
    assert answer.status_code == 200, answer.text
    images_spec.validate("ImagesResponse", answer.json())
    edited = Image.open(io.BytesIO(base64.b64decode(answer.json()["data"][0]["b64_json"])))
    # Outside the mask's transparent half the input is kept: blue.
    assert edited.convert("RGB").getpixel((1000, 500))[2] > 200
    client.files.delete(picture.id)
    client.files.delete(mask_file.id)


# -- image variations -------------------------------------------------------------------------


def test_variations_redraw_the_input_differently_each(
    client: OpenAI, images_spec: SpecSchemas
) -> None:
    source = png_bytes((230, 160, 20), (256, 256))
    result = client.images.create_variation(
        image=("orange.png", source), n=2, size="256x256", response_format="b64_json"
    )
    images_spec.validate("ImagesResponse", result.model_dump(exclude_unset=True))
    pictures = [base64.b64decode(item.b64_json or "") for item in result.data or []]
    assert len(pictures) == 2 and pictures[0] != pictures[1]
    for data in pictures:
        image = Image.open(io.BytesIO(data))
        assert image.size == (256, 256)
    url = client.images.create_variation(image=("orange.png", source), size="256x256")
    images_spec.validate("ImagesResponse", url.model_dump(exclude_unset=True))
    assert url.data and url.data[0].url


def test_bad_variations_are_400s_naming_the_parameter(http: httpx.Client) -> None:
    square = ("s.png", png_bytes((1, 1, 1), (64, 64)), "image/png")
    wide = ("w.png", png_bytes((1, 1, 1), (64, 32)), "image/png")
    post = "/v1/images/variations"
    _error(http.post(post, data={"n": "1"}), 400, "image")
    _error(http.post(post, files={"image": wide}), 400, "image")
    _error(http.post(post, files={"image": square}, data={"model": "dall-e-3"}), 400, "model")
    _error(http.post(post, files={"image": square}, data={"size": "1792x1024"}), 400, "size")
    response = http.post(post, files={"image": square}, data={"n": "11"})
    assert response.status_code == 400 and response.json()["error"]["param"] == "n"
    response = http.post(post, files={"image": square}, data={"prompt": "no"})
    assert response.status_code == 400 and response.json()["error"]["param"] == "prompt"


# -- video characters -------------------------------------------------------------------------


def test_a_character_is_made_and_fetched(client: OpenAI, spec: SpecSchemas) -> None:
    made = client.videos.create_character(
        name="Captain Mop", video=("mop.mp4", sample_media().video)
    )
    spec.validate("VideoCharacterResource", made.model_dump())
    assert made.name == "Captain Mop" and (made.id or "").startswith("char_")
    fetched = client.videos.get_character(made.id or "")
    spec.validate("VideoCharacterResource", fetched.model_dump())
    assert fetched.model_dump() == made.model_dump()


def test_bad_characters_are_400s(http: httpx.Client) -> None:
    clip = ("c.mp4", sample_media().video, "video/mp4")
    png = ("c.png", png_bytes((1, 1, 1), (8, 8)), "image/png")
    post = "/v1/videos/characters"
    _error(http.post(post, data={"name": "x"}), 400, "video")
    _error(http.post(post, files={"video": clip}), 400, "name")
    _error(http.post(post, files={"video": png}, data={"name": "x"}), 400, "video")
    response = http.post(post, files={"video": clip}, data={"name": "x" * 81})
    assert response.status_code == 400 and response.json()["error"]["param"] == "name"
    _error(http.get("/v1/videos/characters/char_nope"), 404, "character_id")


# -- ownership --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, str, str]]:
    data_dir: Path = tmp_path_factory.mktemp("files-keys") / "data"
    data_dir.mkdir(parents=True)
    store = open_store(f"sqlite:///{data_dir / 'reelgate.sqlite3'}")
    try:
        keys = KeyStore(store.engine)
        alice, bob = keys.create("alice")[1], keys.create("bob")[1]
    finally:
        store.close()
    with ServerProcess(data_dir, workers=1, check_orphans=True) as process:
        yield process, alice, bob


def test_another_keys_file_and_character_are_404s(keyed: tuple[ServerProcess, str, str]) -> None:
    server, alice_key, bob_key = keyed
    alice = OpenAI(base_url=f"{server.base_url}/v1", api_key=alice_key, max_retries=0)
    bob = OpenAI(base_url=f"{server.base_url}/v1", api_key=bob_key, max_retries=0)
    mine = _upload(alice, png_bytes((9, 9, 9), (32, 32)))
    character = alice.videos.create_character(name="Ada", video=("a.mp4", sample_media().video))
    for call in (
        lambda: bob.files.retrieve(mine.id),
        lambda: bob.files.content(mine.id),
        lambda: bob.files.delete(mine.id),
        lambda: bob.videos.get_character(character.id or ""),
    ):
        with pytest.raises(openai.NotFoundError):
            call()
    assert mine.id not in [item.id for item in bob.files.list().data]
    with pytest.raises(openai.BadRequestError) as refused:
        bob.videos.create(prompt="x", extra_body={"input_reference": {"file_id": mine.id}})
    assert refused.value.body["param"] == "input_reference.file_id"  # type: ignore[index]
    assert alice.files.retrieve(mine.id).id == mine.id
    assert alice.videos.get_character(character.id or "").name == "Ada"
    alice.files.delete(mine.id)


def test_a_prompt_naming_a_character_draws_it_for_its_owner_only(
    keyed: tuple[ServerProcess, str, str],
) -> None:
    """Alice's character "Zeta" is drawn (a badge at the top right) in her video whose prompt
    names it; Bob's video of the same prompt has no such character and no badge."""
    server, alice_key, bob_key = keyed
    alice = OpenAI(base_url=f"{server.base_url}/v1", api_key=alice_key, max_retries=0)
    bob = OpenAI(base_url=f"{server.base_url}/v1", api_key=bob_key, max_retries=0)
    alice.videos.create_character(name="Zeta", video=("z.mp4", sample_media().video))
    thumbnails = []
    for who in (alice, bob):
        video = who.videos.create_and_poll(
            prompt="zeta crosses a bridge", size="720x1280", seconds="4", poll_interval_ms=100
        )
        assert video.status == "completed"
        data = who.videos.download_content(video.id, variant="thumbnail").read()
        thumbnails.append(np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), np.int16))
    difference = np.abs(thumbnails[0] - thumbnails[1]).max(axis=2) > 24
    rows, cols = np.nonzero(difference)
    height, width = difference.shape
    assert rows.size > 50  # the badge
    assert cols.min() > width // 2 and rows.max() < height // 4  # only at the top right
