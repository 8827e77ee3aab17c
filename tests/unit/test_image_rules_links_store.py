"""Image requests without a server: model families by name, each family's rules, signed links,
the signing secret, image jobs in the store, and the vendored image schemas."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import Engine

from reelgate.api.images.families import resolve
from reelgate.api.images.links import ImageLinks, load_or_create_secret
from reelgate.config import Settings
from reelgate.core.content_filter import ContentFilter, ContentFilterConfig, PromptBlocked
from reelgate.core.errors import InvalidRequest, NotFound
from reelgate.core.images import ImageService, NewImages, family_of
from reelgate.core.job_inputs import ClientFile
from reelgate.core.models import ImageFamily, ImageOperation, ImageSpec, JobKind, JobStatus
from reelgate.providers.registry import default_registry
from reelgate.store.blobs import BlobStore
from reelgate.store.db import JobStore

SPECS = Path(__file__).parents[1] / "specs"


@pytest.mark.parametrize(
    ("model", "family"),
    [
        ("dall-e-3", ImageFamily.DALL_E_3),
        ("dall-e-3-deployment", ImageFamily.DALL_E_3),
        ("prod-DALLE3", ImageFamily.DALL_E_3),
        ("dall_e_2", ImageFamily.DALL_E_2),
        ("dalle2-eastus", ImageFamily.DALL_E_2),
        ("gpt-image-1", ImageFamily.GPT_IMAGE_1),
        ("gpt-image-1-deployment", ImageFamily.GPT_IMAGE_1),
        ("anything-else", ImageFamily.GPT_IMAGE_1),
    ],
)
def test_family_by_name(model: str, family: ImageFamily):
    assert family_of(model) is family


def test_resolution_of_defaults_per_family():
    gpt = resolve(ImageFamily.GPT_IMAGE_1, ImageOperation.GENERATE, {}, "p")
    assert (gpt.width, gpt.height, gpt.quality, gpt.response_format) == (1024, 1024, "high",
                                                                        "b64_json")  # fmt: skip
    assert (gpt.background, gpt.output_format, gpt.output_compression) == ("opaque", "png", 100)
    edit = resolve(ImageFamily.GPT_IMAGE_1, ImageOperation.EDIT, {"size": "auto"}, "p")
    assert (edit.width, edit.height, edit.background) == (0, 0, "auto"), "follows the input"
    dalle3 = resolve(ImageFamily.DALL_E_3, ImageOperation.GENERATE, {}, "p")
    assert (dalle3.quality, dalle3.style, dalle3.response_format) == ("standard", "vivid", "url")
    dalle2 = resolve(ImageFamily.DALL_E_2, ImageOperation.EDIT, {"stream": False}, "p")
    assert (dalle2.width, dalle2.quality) == (1024, "standard")


@pytest.mark.parametrize(
    ("family", "params", "param"),
    [
        (ImageFamily.DALL_E_2, {"background": "transparent"}, "background"),
        (ImageFamily.DALL_E_2, {"input_fidelity": "high"}, "input_fidelity"),
        (ImageFamily.GPT_IMAGE_1, {"style": "natural"}, "style"),
        (ImageFamily.DALL_E_3, {"n": 3}, "n"),
        (ImageFamily.DALL_E_2, {"size": "1792x1024"}, "size"),
        (ImageFamily.GPT_IMAGE_1, {"quality": "standard"}, "quality"),
        (ImageFamily.GPT_IMAGE_1, {"background": "transparent", "output_format": "jpeg"},
         "background"),
    ],
)  # fmt: skip
def test_family_rules_name_the_parameter(family: ImageFamily, params: dict, param: str):
    with pytest.raises(InvalidRequest) as caught:
        resolve(family, ImageOperation.GENERATE, params, "p")
    assert caught.value.param == param


def test_dall_e_3_takes_no_edits():
    with pytest.raises(InvalidRequest) as caught:
        resolve(ImageFamily.DALL_E_3, ImageOperation.EDIT, {}, "p")
    assert caught.value.param == "model"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_links_are_signed_and_expire():
    clock = Clock()
    links = ImageLinks(b"k" * 32, ttl_seconds=60, clock=clock)
    url = links.url("http://h/v1/images/", "img_1")
    assert url.startswith("http://h/v1/images/img_1/content?expires=1000060&signature=")
    signature = url.rsplit("=", 1)[1]
    links.check("img_1", "1000060", signature)
    for image_id, expires, sig, code in [
        ("img_2", "1000060", signature, "invalid_url"),  # another image
        ("img_1", "1000061", signature, "invalid_url"),  # a longer life
        ("img_1", None, signature, "invalid_url"),
        ("img_1", "soon", signature, "invalid_url"),
    ]:
        with pytest.raises(NotFound) as caught:
            links.check(image_id, expires, sig)
        assert caught.value.code == code
    clock.now += 60
    with pytest.raises(NotFound) as caught:
        links.check("img_1", "1000060", signature)
    assert caught.value.code == "url_expired" and "expired" in caught.value.message
    other_secret = ImageLinks(b"x" * 32, ttl_seconds=60, clock=Clock())
    with pytest.raises(NotFound):
        other_secret.check("img_1", "1000060", signature)


def test_secret_is_created_once_with_mode_0600(tmp_path: Path):
    first = load_or_create_secret(tmp_path)
    assert len(first) == 32 and load_or_create_secret(tmp_path) == first
    assert stat.S_IMODE(os.stat(tmp_path / "image-url-secret").st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["image-url-secret"], "no temp files left"


@pytest.fixture
def service(database: Engine, tmp_path: Path) -> ImageService:
    store = JobStore(database)
    store.create_schema()
    settings = Settings(data_dir=tmp_path)
    return ImageService(
        store, BlobStore(tmp_path / "blobs"), default_registry(), settings,
        ContentFilter(ContentFilterConfig()),
    )  # fmt: skip


def new_images(**changes) -> NewImages:
    fields = dict(prompt="A tide pool", model="dall-e-2", family=ImageFamily.DALL_E_2,
                  operation=ImageOperation.GENERATE, width=256, height=256, n=2,
                  quality="standard", output_format="png", output_compression=100,
                  background="opaque")  # fmt: skip
    return NewImages(**{**fields, **changes})


def test_image_jobs_are_stored_completed_with_one_generation_per_image(service: ImageService):
    result = service.render(service.prepare(new_images()))
    stored = service.store.get_job(result.job.id, with_generations=True)
    assert stored is not None and stored.kind is JobKind.IMAGE
    assert stored.status is JobStatus.COMPLETED and isinstance(stored.spec, ImageSpec)
    assert stored.spec == result.job.spec
    assert [g.index for g in stored.generations] == [0, 1]
    asset, path = service.image_file(stored.generations[1].id)
    assert asset.media_type == "image/png" and Image.open(path).size == (256, 256)
    # Image jobs stay out of video listings and video generation lookups.
    videos, _ = service.store.list_jobs(kind=JobKind.VIDEO, limit=10, descending=True)
    assert videos == []
    assert service.store.job_id_of_generation(stored.generations[0].id) is None
    assert service.store.claim_job("w", 1e12, 10) is None, "never queued"


def test_edit_inputs_are_checked_before_anything_is_drawn(service: ImageService):
    buffer = io.BytesIO()
    Image.new("RGBA", (300, 200), (0, 0, 0, 0)).save(buffer, format="PNG")
    upload = ClientFile(io.BytesIO(buffer.getvalue()), param="image")
    prepared = service.prepare(
        new_images(operation=ImageOperation.EDIT, family=ImageFamily.GPT_IMAGE_1, width=0,
                   height=0, background="auto", images=(upload,), n=1, quality="low")
    )  # fmt: skip
    assert (prepared.spec.width, prepared.spec.height) == (1536, 1024)
    assert prepared.spec.background == "transparent", "auto keeps the input's transparency"
    service.discard(prepared)
    with pytest.raises(PromptBlocked):
        service.prepare(new_images(prompt="genocide"))
    jobs, _ = service.store.list_jobs(kind=JobKind.IMAGE, limit=10, descending=True)
    assert jobs == [], "refusals and discarded requests leave no job"
