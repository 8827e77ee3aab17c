"""The gateway dialect of seed 003 over real HTTP, with a plain HTTP client, every answer
validated against the schemas of the gateway's own document (tests/specs/gateway-videos.json)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openai import OpenAI
from PIL import Image

from reelgate.store.connect import open_store
from reelgate.store.keys import KeyStore
from tests.conftest import SPECS, SpecSchemas, wait_for
from tests.fakes.base import Scripted
from tests.fakes.gateway import SECRET, Gateway, provider, write_routing
from tests.fakes.openai_videos import FakeOpenAI
from tests.server import ServerProcess

BASE = "/gateway/v1"
CLIP = {"seconds": 1, "size": "320x192"}


@pytest.fixture(scope="module")
def schemas() -> SpecSchemas:
    return SpecSchemas(SPECS / "gateway-videos.json")


def create(http: httpx.Client, schemas: SpecSchemas, **body: Any) -> dict[str, Any]:
    response = http.post(f"{BASE}/videos", json={"model": "openai/sora-2", **CLIP, **body})
    assert response.status_code == 200, response.text[:500]
    schemas.validate("VideoGenerationResponse", response.json())
    return response.json()


def wait(http: httpx.Client, video_id: str) -> dict[str, Any]:
    """Until the job finishes (polled through the OpenAI dialect: one store), then the
    gateway's answer."""
    wait_for(http, video_id.partition(":")[0])
    return http.get(f"{BASE}/videos/{video_id}").json()


def refused(response: httpx.Response, schemas: SpecSchemas, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text[:500]
    body = response.json()
    schemas.validate("BifrostError", body)
    assert body["is_bifrost_error"] is True and body["status_code"] == status
    return body["error"]


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_video_is_made_polled_downloaded_and_deleted(
    http: httpx.Client, schemas: SpecSchemas, server: ServerProcess
):
    made = create(http, schemas, prompt="A lighthouse", seed=7, negative_prompt="fog")
    job_id, _, named = made["id"].partition(":")
    assert job_id.startswith("video_") and named == "openai"
    assert (made["object"], made["model"], made["seconds"]) == ("video", "sora-2", 1)
    assert made["extra_fields"] == {
        "request_type": "video_generation",
        "provider": "openai",
        "model_requested": "sora-2",
        "model_deployment": "sora-2",
    }
    done = wait(http, made["id"])
    schemas.validate("VideoGenerationResponse", done)
    assert done["status"] == "completed" and done["progress"] == 100
    assert done["completed_at"] >= done["created_at"]
    (output,) = done["videos"]
    assert output["type"] == "url" and output["content_type"] == "video/mp4"
    assert output["url"].startswith(server.base_url + BASE)
    video = httpx.get(output["url"])
    assert video.status_code == 200 and video.content[4:8] == b"ftyp"
    thumbnail = http.get(f"{BASE}/videos/{made['id']}/content", params={"variant": "thumbnail"})
    assert thumbnail.status_code == 200 and thumbnail.headers["content-type"] == "image/webp"
    deleted = http.delete(f"{BASE}/videos/{made['id']}")
    assert deleted.status_code == 200
    schemas.validate("VideoDeleteResponse", deleted.json())
    assert deleted.json()["object"] == "video.deleted" and deleted.json()["deleted"] is True
    refused(http.get(f"{BASE}/videos/{made['id']}"), schemas, 404)


def test_content_before_completion_is_the_documents_404(http: httpx.Client, schemas: SpecSchemas):
    response = http.post(
        f"{BASE}/videos",
        json={"model": "openai/sora-2", **CLIP, "prompt": "Still queued"},
        headers={"x-reelgate-scenario": "queued=30s"},
    )
    assert response.status_code == 200, response.text[:500]
    made = response.json()
    assert made["status"] == "queued"
    early = http.get(f"{BASE}/videos/{made['id']}/content")
    assert "not ready" in refused(early, schemas, 404)["message"]
    assert http.delete(f"{BASE}/videos/{made['id']}").status_code == 200


def test_multipart_with_an_uploaded_reference_and_fallbacks(
    http: httpx.Client, schemas: SpecSchemas
):
    fields = {
        "model": "gemini/veo-3",
        "prompt": "A red square, moving",
        "seconds": "2",
        "size": "320x192",
        "fallbacks": json.dumps([{"provider": "openai", "model": "sora-2"}]),
    }
    files = {"input_reference": ("reference.png", png(), "image/png")}
    response = http.post(f"{BASE}/videos", data=fields, files=files)
    assert response.status_code == 200, response.text[:500]
    schemas.validate("VideoGenerationResponse", response.json())
    made = response.json()
    assert made["id"].endswith(":gemini") and made["seconds"] == 2
    assert wait(http, made["id"])["status"] == "completed"


def test_a_data_url_reference_is_taken_and_a_remote_one_refused(
    http: httpx.Client, schemas: SpecSchemas
):
    import base64

    data_url = "data:image/png;base64," + base64.b64encode(png()).decode()
    create(http, schemas, prompt="From a data URL", input_reference=data_url)
    remote = http.post(
        f"{BASE}/videos",
        json={"model": "openai/sora-2", "prompt": "x", "input_reference": "https://x.test/a.png"},
    )
    assert "does not fetch remote URLs" in refused(remote, schemas, 400)["message"]


def test_listing_needs_a_provider(http: httpx.Client, schemas: SpecSchemas):
    error = refused(http.get(f"{BASE}/videos"), schemas, 400)
    assert error["param"] == "provider"


def test_pages_of_one_provider_follow_last_id(http: httpx.Client, schemas: SpecSchemas):
    made = [create(http, schemas, model="runway/gen4_turbo", prompt=f"page {n}") for n in range(5)]
    create(http, schemas, model="replicate/owner/name", prompt="another provider's")
    expected = [video["id"] for video in reversed(made)]  # newest first
    seen: list[str] = []
    after: str | None = None
    for _page in range(3):
        params: dict[str, Any] = {"provider": "runway", "limit": 2}
        if after:
            params["after"] = after
        page = http.get(f"{BASE}/videos", params=params)
        assert page.status_code == 200, page.text[:500]
        schemas.validate("VideoListResponse", page.json())
        body = page.json()
        seen += [video["id"] for video in body["data"]]
        assert body["first_id"] == body["data"][0]["id"]
        assert body["last_id"] == body["data"][-1]["id"]
        assert body["has_more"] == (len(seen) < 5)
        after = body["last_id"]
    assert seen == expected
    oldest = http.get(f"{BASE}/videos", params={"provider": "runway", "order": "asc", "limit": 5})
    assert [video["id"] for video in oldest.json()["data"]] == expected[::-1]
    # The document's other order of id parts works as a cursor too.
    job_id, _, named = expected[1].partition(":")
    flipped = http.get(
        f"{BASE}/videos", params={"provider": "runway", "limit": 1, "after": f"{named}:{job_id}"}
    )
    assert [video["id"] for video in flipped.json()["data"]] == [expected[2]]
    empty = http.get(f"{BASE}/videos", params={"provider": "nobody-made-these"})
    schemas.validate("VideoListResponse", empty.json())
    assert empty.json()["data"] == [] and empty.json()["has_more"] is False


def test_a_remix_names_its_source(http: httpx.Client, schemas: SpecSchemas):
    source = wait(http, create(http, schemas, prompt="The original")["id"])
    response = http.post(f"{BASE}/videos/{source['id']}/remix", json={"prompt": "Now at night"})
    assert response.status_code == 200, response.text[:500]
    remix = response.json()
    schemas.validate("VideoGenerationResponse", remix)
    assert remix["remixed_from_video_id"] == source["id"]
    assert remix["extra_fields"]["request_type"] == "video_remix"
    assert wait(http, remix["id"])["status"] == "completed"
    not_done = create(http, schemas, prompt="Still rendering", seconds=20, size="1920x1080")
    early = http.post(f"{BASE}/videos/{not_done['id']}/remix", json={"prompt": "too soon"})
    if early.status_code != 200:  # unless it finished already
        assert "only completed videos" in refused(early, schemas, 400)["message"]
    http.delete(f"{BASE}/videos/{not_done['id']}")


def test_ids_in_either_order_and_only_under_their_own_provider(
    http: httpx.Client, schemas: SpecSchemas
):
    made = create(http, schemas, prompt="Whose id")
    job_id, _, named = made["id"].partition(":")
    assert http.get(f"{BASE}/videos/{named}:{job_id}").json()["id"] == made["id"]
    for wrong in (f"{job_id}:azure", f"gemini:{job_id}"):
        for path in (f"/videos/{wrong}", f"/videos/{wrong}/content"):
            refused(http.get(BASE + path), schemas, 404)
        refused(http.delete(f"{BASE}/videos/{wrong}"), schemas, 404)
        refused(http.post(f"{BASE}/videos/{wrong}/remix", json={"prompt": "x"}), schemas, 404)
    assert refused(http.get(f"{BASE}/videos/{job_id}"), schemas, 400)["code"] == "invalid_video_id"
    missing = "video_01aaaaaaaaaaaaaaaaaaaaaaaa:openai"
    refused(http.get(f"{BASE}/videos/{missing}"), schemas, 404)


def test_one_store_for_every_dialect(http: httpx.Client, schemas: SpecSchemas, client: OpenAI):
    made = create(http, schemas, prompt="Seen everywhere")
    job_id = made["id"].partition(":")[0]
    assert client.videos.retrieve(job_id).prompt == "Seen everywhere"
    # A job made by the OpenAI dialect is known by the provider that serves it.
    other = client.videos.create(prompt="Made elsewhere", seconds="4", size="720x1280")
    seen = http.get(f"{BASE}/videos/{other.id}:preview")
    assert seen.status_code == 200, seen.text[:500]
    schemas.validate("VideoGenerationResponse", seen.json())
    assert "provider" not in seen.json()["extra_fields"]  # not one of the document's providers
    client.videos.delete(other.id)


def test_the_openai_dialect_takes_provider_model_names(client: OpenAI):
    video = client.videos.create(model="openai/sora-2", prompt="Qualified", seconds="4")
    assert video.model == "openai/sora-2"
    client.videos.delete(video.id)


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"model": "sora-2"}, "model"),
        ({"seconds": 61}, "seconds"),
        ({"seconds": 0}, "seconds"),
        ({"seconds": "8"}, "seconds"),  # JSON says what type it is
        ({"size": "4000x4000"}, "size"),
        ({"size": "big"}, "size"),
        ({"video_uri": "gs://bucket/clip.mp4"}, "video_uri"),
        ({"fallbacks": [{"provider": "openai"}]}, "fallbacks.0.model"),
        ({"unknown": 1}, "unknown"),
        ({"prompt": ""}, "prompt"),
    ],
)
def test_bad_requests_are_400s_naming_the_field(
    http: httpx.Client, schemas: SpecSchemas, body: dict[str, Any], param: str
):
    request = {"model": "openai/sora-2", "prompt": "x", **body}
    error = refused(http.post(f"{BASE}/videos", json=request), schemas, 400)
    assert error["param"] == param, error


def test_unknown_paths_and_methods_answer_in_the_envelope(http: httpx.Client, schemas: SpecSchemas):
    refused(http.get(f"{BASE}/nothing"), schemas, 404)
    refused(http.put(f"{BASE}/videos"), schemas, 405)


# -- fallbacks and routing -------------------------------------------------------------------


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(key=SECRET, duration=0.5) as upstream:
        yield upstream


@pytest.fixture(scope="module")
def routed(tmp_path_factory: pytest.TempPathFactory, fake: FakeOpenAI) -> Iterator[Gateway]:
    tmp = tmp_path_factory.mktemp("gateway-dialect")
    routing = write_routing(
        tmp / "models.yaml",
        {"openai": provider("openai", f"{fake.origin}/v1")},
        {"sora-2": {"provider": "openai"}},  # the dialects' own names; the gateway needs none
    )
    with Gateway(tmp, routing) as running:
        yield running


def test_a_refused_job_falls_back_to_the_next_model(
    routed: Gateway, fake: FakeOpenAI, schemas: SpecSchemas
):
    no = Scripted(400, {"error": {"message": "no", "code": "invalid_value"}})
    fake.script("submit", no, no)  # the model asked for, then the first fallback
    made = create(
        routed.http,
        schemas,
        prompt="Refused first",
        fallbacks=[
            {"provider": "openai", "model": "sora-2-pro"},
            {"provider": "preview", "model": "stand-in"},
        ],
    )
    done = wait(routed.http, made["id"])
    assert done["status"] == "completed", done
    assert done["id"] == made["id"]  # known by the provider it was asked of
    assert done["extra_fields"]["model_deployment"] == "stand-in"
    assert routed.job_row(made["id"].partition(":")[0])["provider"] == "preview"


def test_a_job_without_fallbacks_goes_to_the_named_provider(
    routed: Gateway, fake: FakeOpenAI, schemas: SpecSchemas
):
    submitted = fake.submissions
    made = create(routed.http, schemas, prompt="Upstream", seconds=4, size="1280x720")
    done = wait(routed.http, made["id"])
    assert done["status"] == "completed", done.get("error")
    assert fake.submissions == submitted + 1
    row = routed.job_row(made["id"].partition(":")[0])
    assert fake.jobs[row["upstream_ref"]].params["model"] == "sora-2"


def test_unknown_providers_are_refused_when_routing_is_configured(
    routed: Gateway, schemas: SpecSchemas
):
    unknown = routed.http.post(
        f"{BASE}/videos", json={"model": "gemini/veo-3", "prompt": "x", **CLIP}
    )
    assert refused(unknown, schemas, 400)["code"] == "model_not_found"
    body = {"model": "openai/sora-2", "prompt": "x", "fallbacks": [{"provider": "x", "model": "y"}]}
    fallback = routed.http.post(f"{BASE}/videos", json=body)
    assert refused(fallback, schemas, 400)["param"] == "fallbacks.0"


# -- owners ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_keys(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, str, str]]:
    data_dir: Path = tmp_path_factory.mktemp("gateway-keys") / "data"
    store = open_store(f"sqlite:///{data_dir / 'reelgate.sqlite3'}")
    try:
        keys = KeyStore(store.engine)
        alice, bob = keys.create("alice")[1], keys.create("bob")[1]
    finally:
        store.close()
    with ServerProcess(data_dir, workers=1) as process:
        yield process, alice, bob


def test_another_keys_video_is_not_found(
    two_keys: tuple[ServerProcess, str, str], schemas: SpecSchemas
):
    server, alice, bob = two_keys
    as_alice = httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {alice}"})
    as_bob = httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {bob}"})
    with as_alice, as_bob:
        made = create(as_alice, schemas, prompt="Alice's")
        for path in (f"/videos/{made['id']}", f"/videos/{made['id']}/content"):
            refused(as_bob.get(BASE + path), schemas, 404)
        refused(as_bob.delete(f"{BASE}/videos/{made['id']}"), schemas, 404)
        listing = as_bob.get(f"{BASE}/videos", params={"provider": "openai"}).json()
        assert listing["data"] == []
        assert as_alice.get(f"{BASE}/videos/{made['id']}").status_code == 200
        refused(httpx.get(f"{server.base_url}{BASE}/videos?provider=openai"), schemas, 401)


def test_a_refused_job_with_no_fallbacks_fails_with_the_reason(
    routed: Gateway, fake: FakeOpenAI, schemas: SpecSchemas
):
    fake.script("submit", Scripted(400, {"error": {"message": "no", "code": "invalid_value"}}))
    made = create(routed.http, schemas, prompt="Refused", seconds=4, size="1280x720")
    done = wait(routed.http, made["id"])
    schemas.validate("VideoGenerationResponse", done)
    assert done["status"] == "failed" and done["error"]["code"] == "upstream_refused"
    assert "videos" not in done
