"""Media helpers: MP4 writing, probing, image validation, thumbnails and spritesheets."""

from __future__ import annotations

import base64
import hashlib
import io
import struct
import zlib
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from reelgate.media.encode import Mp4Writer
from reelgate.media.errors import InvalidMediaError
from reelgate.media.images import decode_data_url, fit_cover, load_image
from reelgate.media.probe import iter_frames, probe_video
from reelgate.media.thumbs import SpritesheetBuilder, SpritesheetLayout, write_thumbnail

WIDTH, HEIGHT, FPS = 128, 96, 24


def moving_bar_frames(count: int, width: int = WIDTH, height: int = HEIGHT) -> list[np.ndarray]:
    frames = []
    for index in range(count):
        frame = np.full((height, width, 3), (30, 60, 90), dtype=np.uint8)
        left = (index * 4) % (width - 16)
        frame[:, left : left + 16] = (240, 200, 40)
        frames.append(frame)
    return frames


def write_clip(path: Path, frames: list[np.ndarray], fps: int = FPS) -> Path:
    height, width = frames[0].shape[:2]
    with Mp4Writer(path, width, height, fps) as writer:
        for frame in frames:
            writer.write(frame)
    return path


def top_level_boxes(data: bytes) -> list[bytes]:
    boxes, position = [], 0
    while position + 8 <= len(data):
        size = int.from_bytes(data[position : position + 4], "big")
        kind = data[position + 4 : position + 8]
        if size == 1:
            size = int.from_bytes(data[position + 8 : position + 16], "big")
        boxes.append(kind)
        if size < 8:
            break
        position += size
    return boxes


# --- encode -----------------------------------------------------------------------------------


def test_writer_produces_h264_yuv420p_with_exact_duration(tmp_path: Path) -> None:
    path = write_clip(tmp_path / "clip.mp4", moving_bar_frames(48))
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert (stream.codec_context.width, stream.codec_context.height) == (WIDTH, HEIGHT)
        assert float(stream.duration * stream.time_base) == pytest.approx(2.0, abs=1e-9)
        decoded = [frame.pts * frame.time_base for frame in container.decode(stream)]
    assert len(decoded) == 48
    assert decoded == sorted(decoded) and decoded[1] - decoded[0] == pytest.approx(1 / FPS)


def test_writer_puts_the_index_before_the_media_data(tmp_path: Path) -> None:
    boxes = top_level_boxes(write_clip(tmp_path / "clip.mp4", moving_bar_frames(24)).read_bytes())
    assert b"moov" in boxes and b"mdat" in boxes
    assert boxes.index(b"moov") < boxes.index(b"mdat")


def test_writer_round_trips_colours(tmp_path: Path) -> None:
    frame = np.full((HEIGHT, WIDTH, 3), (200, 50, 30), dtype=np.uint8)
    path = write_clip(tmp_path / "clip.mp4", [frame] * 3)
    decoded = next(iter_frames(path))
    assert np.abs(decoded.astype(int) - frame).max() <= 4


def test_writer_is_byte_for_byte_reproducible(tmp_path: Path) -> None:
    frames = moving_bar_frames(30)
    first = write_clip(tmp_path / "a.mp4", frames).read_bytes()
    second = write_clip(tmp_path / "b.mp4", frames).read_bytes()
    assert hashlib.sha256(first).digest() == hashlib.sha256(second).digest()


@pytest.mark.parametrize("size", [(127, 96), (128, 95), (0, 96)])
def test_writer_requires_even_dimensions(tmp_path: Path, size: tuple[int, int]) -> None:
    with pytest.raises(ValueError, match="even"):
        Mp4Writer(tmp_path / "clip.mp4", *size, FPS)


def test_writer_rejects_frames_of_the_wrong_size(tmp_path: Path) -> None:
    with (
        pytest.raises(ValueError, match="expected"),
        Mp4Writer(tmp_path / "clip.mp4", WIDTH, HEIGHT, FPS) as writer,
    ):
        writer.write(np.zeros((HEIGHT, WIDTH + 2, 3), dtype=np.uint8))
    assert list(tmp_path.iterdir()) == []


def test_writer_leaves_nothing_when_interrupted(tmp_path: Path) -> None:
    with (
        pytest.raises(KeyboardInterrupt),
        Mp4Writer(tmp_path / "clip.mp4", WIDTH, HEIGHT, FPS) as w,
    ):
        w.write(moving_bar_frames(1)[0])
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


# --- probe ------------------------------------------------------------------------------------


def test_probe_describes_a_video(tmp_path: Path) -> None:
    info = probe_video(write_clip(tmp_path / "clip.mp4", moving_bar_frames(36)))
    assert (info.width, info.height, info.frames) == (WIDTH, HEIGHT, 36)
    assert info.fps == pytest.approx(24)
    assert info.duration == pytest.approx(1.5)
    assert (info.codec, info.pix_fmt) == ("h264", "yuv420p")


def test_probe_counts_frames_by_decoding_when_the_container_does_not_say(tmp_path: Path) -> None:
    path = tmp_path / "clip.mkv"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        for index, frame in enumerate(moving_bar_frames(17)):
            video_frame = av.VideoFrame.from_ndarray(frame, format="rgb24")
            video_frame.pts = index
            container.mux(stream.encode(video_frame))
        container.mux(stream.encode(None))
    assert probe_video(path).frames == 17


def png_bytes(
    size: tuple[int, int] = (8, 8), mode: str = "RGB", color: object = (255, 0, 0)
) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "content",
    [b"", b"hello world " * 200, png_bytes(), b"\x00\x00\x00\x18ftypisom" + b"\x00" * 500],
    ids=["empty", "text", "png", "broken-mp4"],
)
def test_probe_refuses_files_that_are_not_videos(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "upload.mp4"
    path.write_bytes(content)
    with pytest.raises(InvalidMediaError):
        probe_video(path)


def test_probe_refuses_a_truncated_video(tmp_path: Path) -> None:
    data = write_clip(tmp_path / "clip.mp4", moving_bar_frames(24)).read_bytes()
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(data[: len(data) // 3])
    with pytest.raises(InvalidMediaError):
        probe_video(truncated)


def test_iter_frames_cover_fits_to_the_requested_size(tmp_path: Path) -> None:
    frame = np.zeros((HEIGHT, WIDTH, 3), dtype=np.uint8)
    # Fitting 128x96 into 48x48 scales to 64x48 and keeps the middle 48: the outer 16 source
    # columns on each side are cropped away.
    frame[:, :16] = (255, 0, 0)
    frame[:, 16:112] = (0, 255, 0)
    frame[:, 112:] = (0, 0, 255)
    path = write_clip(tmp_path / "clip.mp4", [frame] * 2)
    fitted = list(iter_frames(path, fit=(48, 48)))
    assert len(fitted) == 2
    assert fitted[0].shape == (48, 48, 3)
    assert fitted[0][:, 2:-2, 1].min() > 200
    assert fitted[0][:, 2:-2, 0].max() < 40 and fitted[0][:, 2:-2, 2].max() < 40


# --- images -----------------------------------------------------------------------------------

LIMITS = {"max_bytes": 1_000_000, "max_pixels": 40_000_000}


@pytest.mark.parametrize("image_format", ["PNG", "JPEG", "WEBP"])
def test_load_image_accepts_png_jpeg_and_webp(image_format: str) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 200, 30)).save(buffer, format=image_format)
    image = load_image(buffer.getvalue(), **LIMITS)
    assert image.size == (40, 30) and image.mode == "RGB"
    assert image.getpixel((20, 15))[1] > 150


def test_load_image_flattens_transparency_to_rgb() -> None:
    image = load_image(png_bytes(mode="RGBA", color=(255, 255, 255, 0)), **LIMITS)
    assert image.mode == "RGB" and image.getpixel((0, 0)) == (0, 0, 0)


@pytest.mark.parametrize(
    "content", [b"not an image at all", b"GIF89a" + b"\x00" * 100], ids=["text", "gif-header"]
)
def test_load_image_refuses_other_content(content: bytes) -> None:
    with pytest.raises(InvalidMediaError, match="is not a PNG, JPEG or WebP image"):
        load_image(content, **LIMITS)


def test_load_image_refuses_gif_even_when_valid() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, format="GIF")
    with pytest.raises(InvalidMediaError, match="not a PNG, JPEG or WebP"):
        load_image(buffer.getvalue(), **LIMITS)


def lying_png(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width`x`height`: a decompression bomb's calling card."""
    data = bytearray(png_bytes())
    ihdr = 8  # after the signature: length(4) "IHDR"(4) data(13) crc(4)
    body = struct.pack(">II", width, height) + bytes(data[ihdr + 16 : ihdr + 21])
    data[ihdr + 8 : ihdr + 21] = body
    data[ihdr + 21 : ihdr + 25] = struct.pack(">I", zlib.crc32(b"IHDR" + body))
    return bytes(data)


def test_load_image_refuses_too_many_pixels_before_decoding() -> None:
    with pytest.raises(InvalidMediaError, match=r"20000x20000, larger than the 40000000 pixel"):
        load_image(lying_png(20000, 20000), **LIMITS)


def test_load_image_refuses_oversized_bytes() -> None:
    content = png_bytes()
    with pytest.raises(InvalidMediaError, match="byte limit"):
        load_image(content, max_bytes=len(content) - 1, max_pixels=1000)


def test_load_image_refuses_truncated_images() -> None:
    buffer = io.BytesIO()
    Image.effect_noise((64, 64), 64).convert("RGB").save(buffer, format="PNG")
    with pytest.raises(InvalidMediaError, match="could not be decoded"):
        load_image(buffer.getvalue()[:-200], **LIMITS)


def test_load_image_names_the_field_in_messages() -> None:
    with pytest.raises(InvalidMediaError, match=r"^image is not"):
        load_image(b"nope", label="image", **LIMITS)


def test_decode_data_url_returns_the_bytes() -> None:
    content = png_bytes()
    url = "data:image/png;base64," + base64.b64encode(content).decode()
    assert decode_data_url(url, max_bytes=10_000) == content


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://example.com/cat.png", "not a valid data URL"),
        ("data:image/png,rawtext", "base64"),
        ("data:image/png;base64,@@@notbase64@@@", "not valid base64"),
        ("data:text/plain;base64,aGVsbG8=", "expected an image"),
        ("data:image/png;base64,", "empty"),
        ("data:image/png;base64," + "A" * 4000, "byte limit"),
    ],
)
def test_decode_data_url_refuses_malformed_urls(url: str, message: str) -> None:
    with pytest.raises(InvalidMediaError, match=message):
        decode_data_url(url, max_bytes=1000)


def test_fit_cover_fills_and_crops_the_center() -> None:
    image = Image.new("RGB", (300, 100), (255, 0, 0))
    image.paste((0, 255, 0), (100, 0, 200, 100))
    fitted = fit_cover(image, 50, 50)
    assert fitted.size == (50, 50)
    assert fitted.getpixel((25, 25)) == (0, 255, 0)
    assert fitted.getpixel((2, 25))[1] > 200  # the red sides were cropped off


# --- thumbnails and spritesheets --------------------------------------------------------------


def test_thumbnail_is_webp_scaled_to_640_on_the_long_side(tmp_path: Path) -> None:
    frame = np.full((720, 1280, 3), (0, 128, 255), dtype=np.uint8)
    path = write_thumbnail(frame, tmp_path / "thumb.webp")
    with Image.open(path) as image:
        assert image.format == "WEBP" and image.size == (640, 360)


def test_thumbnail_keeps_small_frames_at_their_size(tmp_path: Path) -> None:
    path = write_thumbnail(np.zeros((96, 128, 3), dtype=np.uint8), tmp_path / "thumb.webp")
    with Image.open(path) as image:
        assert image.size == (128, 96)


def test_spritesheet_layout_for_a_short_portrait_clip() -> None:
    layout = SpritesheetLayout.plan(96, 24, 720, 1280)
    assert (layout.columns, layout.rows, layout.tiles) == (10, 10, 96)
    assert (layout.tile_width, layout.tile_height) == (90, 160)
    assert layout.interval == pytest.approx(1 / 24)


def test_spritesheet_layout_samples_long_clips_evenly() -> None:
    layout = SpritesheetLayout.plan(240, 24, 1920, 1080)
    assert layout.tiles == 100 and (layout.tile_width, layout.tile_height) == (160, 90)
    assert layout.frame_indices[:3] == (0, 2, 4) and layout.frame_indices[-1] == 237
    assert layout.interval == pytest.approx(0.1)


def test_spritesheet_is_a_jpeg_grid_of_the_sampled_frames(tmp_path: Path) -> None:
    layout = SpritesheetLayout.plan(12, 24, 320, 160, max_tiles=6)
    builder = SpritesheetBuilder(layout)
    for index in range(12):
        builder.offer(index, np.full((160, 320, 3), index * 20, dtype=np.uint8))
    builder.save(tmp_path / "sheet.jpg")
    with Image.open(tmp_path / "sheet.jpg") as sheet:
        assert sheet.format == "JPEG"
        assert sheet.size == (6 * 160, 1 * 80) == layout.sheet_size
        for slot, frame_index in enumerate(layout.frame_indices):
            center = (slot * 160 + 80, 40)
            assert abs(sheet.convert("L").getpixel(center) - frame_index * 20) <= 3
