"""Upload limits are enforced while the body streams in, and only images are taken as images.

A 2 GB body is generated on the fly (never held in memory by the test) and sent chunked, or
announced whole with a `Content-Length`: the server answers 413 in the dialect of the path long
before the client got through it, its memory stays where it was, and nothing is left on disk.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest
from PIL import Image

from tests.server import ServerProcess

MIB = 1024 * 1024
UPLOAD_LIMIT = 2 * MIB  # per file; the request limit is 4 files + 1 MiB = 9 MiB
TWO_GB = 2048 * MIB
RSS_GROWTH_LIMIT = 100 * MIB


class Counted:
    """A 2 GB body from one reused 1 MiB chunk, counting what the client actually sent."""

    def __init__(self, head: bytes = b"", total: int = TWO_GB) -> None:
        self.head = head
        self.total = total
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        chunk = b"0" * MIB
        if self.head:
            self.sent += len(self.head)
            yield self.head
        while self.sent < self.total:
            self.sent += len(chunk)
            yield chunk


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


@pytest.fixture(scope="module")
def spool_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The server's temporary directory, where the multipart parser spools uploaded files."""
    return tmp_path_factory.mktemp("server-tmp")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, spool_dir: Path) -> Iterator[ServerProcess]:
    env = {
        "REELGATE_MAX_UPLOAD_BYTES": str(UPLOAD_LIMIT),
        "TMPDIR": str(spool_dir),
        "REELGATE_RECORD_REQUESTS": "true",  # the records say how much of each body was read
    }
    data = tmp_path_factory.mktemp("uploads") / "data"
    with ServerProcess(data, workers=1, env=env, check_orphans=True) as process:
        yield process


def send(
    server: ServerProcess, path: str, body: Counted, headers: dict[str, str]
) -> httpx.Response:
    with httpx.Client(base_url=server.base_url, timeout=60) as http:
        return http.post(path, content=iter(body), headers=headers)


def test_a_streamed_json_body_is_cut_off_at_the_limit(server: ServerProcess, spool_dir: Path):
    before = rss_bytes(server.pid)
    body = Counted(head=b'{"prompt": "')
    answer = send(server, "/v1/videos", body, {"Content-Type": "application/json"})

    assert answer.status_code == 413
    error = answer.json()["error"]  # OpenAI's envelope
    assert error["type"] == "invalid_request_error"
    assert "limit" in error["message"]
    assert body.sent < TWO_GB, "the server answered before the whole body was sent"
    assert rss_bytes(server.pid) - before < RSS_GROWTH_LIMIT
    assert list(spool_dir.iterdir()) == []


def test_a_streamed_multipart_upload_is_cut_off_in_azure_s_envelope(
    server: ServerProcess, spool_dir: Path
):
    boundary = "reelgate-boundary"
    fields = {"prompt": "Too big", "model": "sora", "width": "480", "height": "480"}
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.mp4"\r\n'
        "Content-Type: video/mp4\r\n\r\n"
    ).encode()
    before = rss_bytes(server.pid)
    body = Counted(head=head)
    answer = send(
        server,
        "/openai/v1/video/generations/jobs?api-version=preview",
        body,
        {"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )

    assert answer.status_code == 413
    error = answer.json()["error"]  # Azure's envelope: a code and a message, no `type` needed
    assert error["code"] and "limit" in error["message"]
    assert body.sent < TWO_GB
    assert rss_bytes(server.pid) - before < RSS_GROWTH_LIMIT
    assert list(spool_dir.iterdir()) == [], "no spooled upload is left behind"


def test_a_body_announced_too_large_is_refused_before_it_is_read(server: ServerProcess):
    before = rss_bytes(server.pid)
    body = Counted()
    answer = send(
        server,
        "/api/generate",
        body,
        {"Content-Type": "application/json", "Content-Length": str(TWO_GB)},
    )

    assert answer.status_code == 413
    assert "limit" in answer.json()["detail"]  # the app API's envelope
    assert answer.headers["connection"] == "close"
    assert body.sent < TWO_GB
    assert rss_bytes(server.pid) - before < RSS_GROWTH_LIMIT


def test_an_upload_at_the_file_limit_is_taken_and_one_byte_more_is_a_413(server: ServerProcess):
    """An upload of exactly the per-file limit passes the parser and is judged by what it is
    (here: no image, 400); one byte more is cut off by the multipart parser (413)."""
    client = openai.OpenAI(base_url=f"{server.base_url}/v1", api_key="x", max_retries=0)
    with pytest.raises(openai.BadRequestError) as judged:
        client.videos.create(
            prompt="Exactly the file limit",
            input_reference=("big.png", b"0" * UPLOAD_LIMIT, "image/png"),
        )
    assert judged.value.code == "invalid_image"
    with pytest.raises(openai.APIStatusError) as refused:
        client.videos.create(
            prompt="One byte over the file limit",
            input_reference=("big.png", b"0" * (UPLOAD_LIMIT + 1), "image/png"),
        )
    assert refused.value.status_code == 413
    assert "'input_reference' is larger than the" in refused.value.message
    assert "upload limit" in refused.value.message


def _file_upload_head(boundary: str, fields: dict[str, str], file_field: str) -> bytes:
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    )
    return (
        head
        + (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
            'filename="big.png"\r\nContent-Type: image/png\r\n\r\n'
        ).encode()
    )


def _bytes_read(server: ServerProcess, path: str) -> int:
    """How much of the last body sent to `path` the server read (its recording says)."""
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        records = http.get("/api/recordings", params={"path": path}).json()["data"]
    return records[-1]["body_bytes"]


@pytest.mark.parametrize(
    ("path", "fields", "file_field"),
    [
        ("/v1/videos", {"prompt": "A reference too big"}, "input_reference"),
        ("/v1/images/edits", {"prompt": "An image too big"}, "image"),
    ],
)
def test_a_streamed_upload_is_cut_off_at_the_file_limit(
    server: ServerProcess, spool_dir: Path, path: str, fields: dict[str, str], file_field: str
):
    """The per-file limit is enforced while the part streams in, not at the (four times larger)
    request limit: the server stops reading right past it and answers 413 in OpenAI's shape."""
    boundary = "reelgate-boundary"
    body = Counted(head=_file_upload_head(boundary, fields, file_field))
    answer = send(server, path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})

    assert answer.status_code == 413, answer.text
    read = _bytes_read(server, path)
    assert UPLOAD_LIMIT < read < UPLOAD_LIMIT + MIB, f"read {read} bytes of a 2 GB body"
    assert body.sent < TWO_GB
    error = answer.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert f"'{file_field}' is larger than the {UPLOAD_LIMIT} byte upload limit" in error["message"]
    assert answer.headers["connection"] == "close"
    assert list(spool_dir.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "data", "media_type"),
    [
        ("notes.txt", b"just some text, not a picture\n", "text/plain"),
        ("disguised.png", b"text that claims to be a PNG\n", "image/png"),
    ],
)
def test_only_images_are_taken_as_a_reference_image(
    server: ServerProcess, name: str, data: bytes, media_type: str
):
    client = openai.OpenAI(base_url=f"{server.base_url}/v1", api_key="x", max_retries=0)
    with pytest.raises(openai.BadRequestError) as refused:
        client.videos.create(prompt="A text file", input_reference=(name, data, media_type))
    assert refused.value.status_code == 400
    assert refused.value.code == "invalid_image"
    assert "PNG, JPEG or WebP" in refused.value.message


def test_ids_and_file_names_from_requests_never_name_files(server: ServerProcess):
    """Ids are looked up, never joined to paths; upload names are kept as data, never used as
    file names. What looks like a path is an unknown id, or a name stored under our own key."""
    escape = "..%2F..%2F..%2Fetc%2Fpasswd"
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        for method, path in [
            ("GET", f"/v1/videos/{escape}/content"),
            ("DELETE", f"/v1/videos/{escape}"),
            ("GET", f"/openai/v1/video/generations/{escape}/content/video?api-version=preview"),
            ("GET", f"/api/download/{escape}"),
        ]:
            assert http.request(method, path).status_code == 404, path

    client = openai.OpenAI(base_url=f"{server.base_url}/v1", api_key="x", max_retries=0)
    picture = io.BytesIO()
    Image.new("RGB", (64, 64), (0, 90, 200)).save(picture, format="PNG")
    video = client.videos.create(
        prompt="A name that tries to escape",
        input_reference=("../../../escaped.png", picture.getvalue(), "image/png"),
    )
    stored = sorted(p.relative_to(server.data_dir).as_posix() for p in server.data_dir.rglob("*"))
    assert f"blobs/inputs/{video.id}/reference.png" in stored
    assert not [name for name in stored if "escaped" in name]
    assert not (server.data_dir.parent.parent / "escaped.png").exists()
