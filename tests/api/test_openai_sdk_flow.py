"""The official `openai` SDK, unchanged, against a live server: every video method."""

from __future__ import annotations

import io
import time

import httpx
import numpy as np
import openai
import pytest
from openai import OpenAI
from PIL import Image

from tests.conftest import SpecSchemas, by_id, wait_for
from tests.media_checks import decode_mp4, png_bytes


def test_create_and_poll_then_download_every_variant(client: OpenAI, spec: SpecSchemas):
    video = client.videos.create(prompt="A calico cat playing a piano on stage")
    spec.validate("VideoResource", video.model_dump(mode="json"))
    assert video.status in ("queued", "in_progress")
    assert (video.model, video.size, video.seconds) == ("sora-2", "720x1280", "4")

    done = client.videos.poll(video.id)
    assert done.status == "completed" and done.progress == 100
    assert done.completed_at is not None and done.completed_at >= done.created_at
    spec.validate("VideoResource", done.model_dump(mode="json"))

    mp4 = client.videos.download_content(video.id)
    assert mp4.response.headers["content-type"] == "video/mp4"
    assert int(mp4.response.headers["content-length"]) == len(mp4.content)
    decoded = decode_mp4(mp4.content)
    assert (decoded.width, decoded.height) == (720, 1280)
    assert decoded.frames == 4 * 24
    assert decoded.duration == pytest.approx(4.0, abs=0.05)
    assert (decoded.codec, decoded.pix_fmt) == ("h264", "yuv420p")
    assert mp4.content.index(b"moov") < mp4.content.index(b"mdat"), "not faststart"

    thumbnail = client.videos.download_content(video.id, variant="thumbnail")
    assert thumbnail.response.headers["content-type"] == "image/webp"
    assert Image.open(io.BytesIO(thumbnail.content)).format == "WEBP"

    sheet = client.videos.download_content(video.id, variant="spritesheet")
    assert sheet.response.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(sheet.content)).format == "JPEG"


def test_create_and_poll_with_options(client: OpenAI):
    video = client.videos.create_and_poll(
        prompt="Waves at dusk", model="sora-2-pro", seconds="8", size="1280x720"
    )
    assert video.status == "completed"
    assert (video.model, video.size, video.seconds) == ("sora-2-pro", "1280x720", "8")
    decoded = decode_mp4(client.videos.download_content(video.id).content)
    assert (decoded.width, decoded.height, decoded.frames) == (1280, 720, 8 * 24)


def test_any_model_name_is_echoed(client: OpenAI):
    video = client.videos.create(prompt="A lighthouse", model="my-own-model")
    assert video.model == "my-own-model"
    assert client.videos.retrieve(video.id).model == "my-own-model"


def test_input_reference_upload_is_used(client: OpenAI):
    red = png_bytes((230, 20, 20))
    video = client.videos.create_and_poll(
        prompt="A red room", input_reference=("ref.png", red, "image/png"), size="1280x720"
    )
    assert video.status == "completed", video.error
    first = decode_mp4(client.videos.download_content(video.id).content).first_frame
    mean = first.reshape(-1, 3).mean(axis=0)
    assert mean[0] > 120 and mean[0] > mean[1] + 60 and mean[0] > mean[2] + 60, mean


def test_retrieve_tells_the_poller_when_to_come_back(client: OpenAI):
    video = client.videos.create(prompt="A slow sunrise", seconds="12", size="1792x1024")
    raw = client.videos.with_raw_response.retrieve(video.id)
    if raw.parse().status in ("queued", "in_progress"):
        assert int(raw.headers["openai-poll-after-ms"]) > 0
    client.videos.delete(video.id)


def test_remix_keeps_size_and_records_its_source(client: OpenAI, spec: SpecSchemas):
    source = client.videos.create_and_poll(prompt="A red kite", size="1280x720")
    remix = client.videos.remix(source.id, prompt="A blue kite")
    spec.validate("VideoResource", remix.model_dump(mode="json"))
    assert remix.remixed_from_video_id == source.id
    assert (remix.size, remix.seconds, remix.prompt) == ("1280x720", "4", "A blue kite")
    done = client.videos.poll(remix.id)
    assert done.status == "completed"
    before = decode_mp4(client.videos.download_content(source.id).content)
    after = decode_mp4(client.videos.download_content(remix.id).content)
    assert before.frames_sha256 != after.frames_sha256


def test_remix_of_unfinished_video_is_refused(client: OpenAI):
    source = client.videos.create(prompt="Busy", seconds="12", size="1792x1024")
    with pytest.raises(openai.BadRequestError) as caught:
        client.videos.remix(source.id, prompt="Too early")
    assert "only completed videos can be remixed" in caught.value.message
    client.videos.delete(source.id)


@pytest.mark.slow
def test_edit_and_extend_a_stored_video(client: OpenAI):
    source = client.videos.create_and_poll(prompt="A paper boat", size="1280x720")
    edit = by_id(client, "/videos/edits", video={"id": source.id}, prompt="At night")
    edited = client.videos.poll(edit.id)
    assert (edited.status, edited.size, edited.seconds) == ("completed", "1280x720", "4")
    assert edited.remixed_from_video_id is None

    extended = by_id(
        client, "/videos/extensions", video={"id": source.id}, prompt="It sails on", seconds="4"
    )
    assert extended.seconds == "8", "an extension's seconds is the stitched total"
    extended = client.videos.poll(extended.id)
    assert extended.status == "completed", extended.error
    decoded = decode_mp4(client.videos.download_content(extended.id).content)
    assert decoded.frames == 8 * 24 and (decoded.width, decoded.height) == (1280, 720)


@pytest.mark.slow
def test_edit_and_extend_an_uploaded_video(client: OpenAI):
    source = client.videos.create_and_poll(prompt="Clouds", size="720x1280")
    mp4 = client.videos.download_content(source.id).content
    edited = client.videos.edit(video=("clip.mp4", mp4, "video/mp4"), prompt="Storm clouds")
    assert (edited.size, edited.seconds) == ("720x1280", "4")
    assert client.videos.poll(edited.id).status == "completed"
    extended = client.videos.extend(
        video=("clip.mp4", mp4, "video/mp4"), prompt="Rain", seconds="8"
    )
    assert (extended.size, extended.seconds) == ("720x1280", "12")
    extended = client.videos.poll(extended.id)
    assert extended.status == "completed", extended.error
    assert decode_mp4(client.videos.download_content(extended.id).content).frames == 12 * 24


def test_uploaded_source_must_be_a_video(client: OpenAI):
    with pytest.raises(openai.BadRequestError) as caught:
        client.videos.edit(video=("clip.mp4", b"not a video at all", "video/mp4"), prompt="x")
    assert caught.value.body["param"] == "video"


def test_delete_removes_the_video_and_its_files(client: OpenAI, server, spec: SpecSchemas):
    video = client.videos.create_and_poll(prompt="Short lived")
    files = list((server.data_dir / "blobs" / "jobs" / video.id).rglob("*"))
    assert any(path.name == "video.mp4" for path in files)
    deleted = client.videos.delete(video.id)
    spec.validate("DeletedVideoResource", deleted.model_dump(mode="json"))
    assert (deleted.id, deleted.object, deleted.deleted) == (video.id, "video.deleted", True)
    assert not (server.data_dir / "blobs" / "jobs" / video.id).exists()
    with pytest.raises(openai.NotFoundError):
        client.videos.retrieve(video.id)
    with pytest.raises(openai.NotFoundError):
        client.videos.download_content(video.id)
    with pytest.raises(openai.NotFoundError):
        client.videos.delete(video.id)


def test_deleting_a_running_video_stops_it(client: OpenAI, http: httpx.Client, server):
    video = client.videos.create(prompt="Interrupted", seconds="12", size="1792x1024")
    client.videos.delete(video.id)
    with pytest.raises(openai.NotFoundError):
        client.videos.retrieve(video.id)
    # Whatever the worker was doing, nothing of this job stays on disk once it notices.
    for _ in range(100):
        if not (server.data_dir / "blobs" / "jobs" / video.id).exists():
            break
        time.sleep(0.1)
    assert not (server.data_dir / "blobs" / "jobs" / video.id).exists()


@pytest.mark.slow
def test_same_request_renders_the_same_frames(client: OpenAI):
    first = client.videos.create_and_poll(prompt="Determinism", size="1280x720")
    second = client.videos.create_and_poll(prompt="Determinism", size="1280x720")
    other = client.videos.create_and_poll(prompt="Something else", size="1280x720")
    hashes = [
        decode_mp4(client.videos.download_content(v.id).content).frames_sha256
        for v in (first, second, other)
    ]
    assert hashes[0] == hashes[1] != hashes[2]


def test_unfinished_and_unknown_content_is_404(client: OpenAI, http: httpx.Client):
    video = client.videos.create(prompt="Not yet", seconds="12", size="1792x1024")
    response = http.get(f"/v1/videos/{video.id}/content")
    if http.get(f"/v1/videos/{video.id}").json()["status"] != "completed":
        assert response.status_code == 404
        assert response.json()["error"]["message"].startswith("Video is not ready yet")
    client.videos.delete(video.id)
    for path in ("/v1/videos/video_missing", "/v1/videos/video_missing/content"):
        missing = http.get(path)
        assert missing.status_code == 404
        assert "video_missing" in missing.json()["error"]["message"]
    assert http.post("/v1/videos/video_missing/remix", json={"prompt": "x"}).status_code == 404


@pytest.mark.slow
def test_failed_job_reports_error_object(client: OpenAI, http: httpx.Client, server):
    """A source deleted before its remix runs fails the remix with an error object."""
    source = client.videos.create_and_poll(prompt="Gone soon")
    blocker = [client.videos.create(prompt=f"busy {i}", seconds="12") for i in range(2)]
    remix = client.videos.remix(source.id, prompt="Orphan")
    client.videos.delete(source.id)
    final = wait_for(http, remix.id, timeout=120)
    assert final["status"] == "failed"
    assert final["error"]["code"] == "invalid_source"
    assert source.id in final["error"]["message"]
    for video in blocker:
        client.videos.delete(video.id)


def test_first_frame_uses_reference_mean_not_black(client: OpenAI):
    """Sanity: the preview engine draws something (not a black or flat frame)."""
    video = client.videos.create_and_poll(prompt="Colourful shapes", size="1280x720")
    first = decode_mp4(client.videos.download_content(video.id).content).first_frame
    assert first.std() > 10 and np.unique(first.reshape(-1, 3), axis=0).shape[0] > 50


@pytest.mark.slow
def test_status_and_progress_move_forward(client: OpenAI):
    video = client.videos.create(prompt="Progress", seconds="12", size="1280x720")
    seen: list[tuple[str, int]] = [(video.status, video.progress)]
    deadline = time.monotonic() + 120
    while seen[-1][0] not in ("completed", "failed") and time.monotonic() < deadline:
        current = client.videos.retrieve(video.id)
        seen.append((current.status, current.progress))
        time.sleep(0.05)
    order = {"queued": 0, "in_progress": 1, "completed": 2}
    assert seen[-1] == ("completed", 100), seen[-1]
    assert [order[s] for s, _ in seen] == sorted(order[s] for s, _ in seen)
    running = [p for s, p in seen if s == "in_progress"]
    assert running == sorted(running), "progress never goes back"
    assert len(set(running)) >= 3, f"progress should rise in steps, saw {sorted(set(running))}"
