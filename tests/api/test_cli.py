"""The CLI end to end, as a person at a terminal runs it: in a pseudo-terminal, so Rich draws
the live progress bar, against a running server and with no server at all."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.media_checks import decode_mp4, png_bytes
from tests.server import ServerProcess

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def run_in_terminal(args: list[str], cwd: Path, timeout: float = 120) -> tuple[int, str]:
    """Run `reelgate ARGS` on a pty (a real terminal to Rich); its exit code and screen text."""
    main, child = pty.openpty()
    env = {**os.environ, "COLUMNS": "120", "LINES": "40", "TERM": "xterm-256color"}
    env.pop("REELGATE_SERVER", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "reelgate", *args],
        stdin=child, stdout=child, stderr=child, cwd=cwd, env=env, close_fds=True,
    )  # fmt: skip
    os.close(child)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    while True:
        assert time.monotonic() < deadline, b"".join(chunks).decode(errors="replace")
        ready, _, _ = select.select([main], [], [], 0.2)
        if ready:
            try:
                data = os.read(main, 65536)
            except OSError:  # the child closed the terminal
                data = b""
            if not data:
                break
            chunks.append(data)
        elif process.poll() is not None:
            break
    os.close(main)
    code = process.wait(timeout=30)
    return code, b"".join(chunks).decode(errors="replace")


def screen(raw: str) -> str:
    return ANSI.sub("", raw).replace("\r", "\n")


def run_plain(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reelgate", *args], cwd=cwd, capture_output=True, text=True,
        timeout=120, env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip


def test_generate_shows_live_progress_and_saves_every_variant(
    server: ServerProcess, tmp_path: Path
):
    code, raw = run_in_terminal(
        ["generate", "A paper boat on a pond", "--seconds", "2", "--size", "320x256",
         "--variants", "2", "-o", "boat.mp4", "--server", server.base_url],
        tmp_path,
    )  # fmt: skip
    text = screen(raw)
    assert code == 0, text
    assert "\x1b[" in raw  # drawn for a terminal: colours and cursor moves
    percents = [int(p) for p in re.findall(r"(\d{1,3})%", text)]
    assert 100 in percents and any(p < 100 for p in percents), text  # it moved, live
    assert "━" in text and "completed" in text
    for name in ("boat.mp4", "boat-2.mp4"):
        info = decode_mp4((tmp_path / name).read_bytes())
        assert (info.width, info.height) == (320, 256) and abs(info.duration - 2) < 0.1
        assert f"saved {name}" in text


@pytest.mark.slow
def test_generate_with_no_server_runs_in_process_with_the_same_bar(tmp_path: Path):
    reference = tmp_path / "ref.png"
    reference.write_bytes(png_bytes((200, 30, 30), (64, 48)))
    code, raw = run_in_terminal(
        ["generate", "A red room", "--seconds", "1", "--size", "256x256", "--image",
         str(reference), "-o", "room.mp4", "--data-dir", str(tmp_path / "data")],
        tmp_path,
    )  # fmt: skip
    text = screen(raw)
    assert code == 0, text
    assert "100%" in text and "━" in text and "http://127.0.0.1:" in text
    assert decode_mp4((tmp_path / "room.mp4").read_bytes()).width == 256
    assert (tmp_path / "data" / "reelgate.sqlite3").exists()  # the embedded defaults' store
    listed = run_plain(["jobs", "list", "--data-dir", str(tmp_path / "data")], tmp_path)
    assert listed.returncode == 0 and "completed" in listed.stdout


@pytest.mark.slow
def test_jobs_commands_and_images(server: ServerProcess, tmp_path: Path):
    at = ["--server", server.base_url]
    made = run_plain(["generate", "A tin robot", "--seconds", "1", "--size", "256x256",
                      "-o", "robot.mp4", *at], tmp_path)  # fmt: skip
    assert made.returncode == 0, made.stderr
    job_id = re.search(r"job (video_\w+)", made.stderr).group(1)

    listed = run_plain(["jobs", "list", "--limit", "50", *at], tmp_path)
    assert listed.returncode == 0 and job_id in listed.stdout
    shown = run_plain(["jobs", "show", job_id, *at], tmp_path)
    assert shown.returncode == 0 and "A tin robot" in shown.stdout and "completed" in shown.stdout
    thumb = run_plain(["jobs", "download", job_id, "--variant", "thumbnail", "-o", "t.webp", *at],
                      tmp_path)  # fmt: skip
    assert thumb.returncode == 0 and (tmp_path / "t.webp").read_bytes()[8:12] == b"WEBP"
    remixed = run_plain(["jobs", "remix", job_id, "The robot dances", "-o", "dance.mp4", *at],
                        tmp_path)  # fmt: skip
    assert remixed.returncode == 0, remixed.stderr
    assert decode_mp4((tmp_path / "dance.mp4").read_bytes()).width == 256
    picture = run_plain(["image", "A brass lamp", "-o", "lamp.png", "--size", "1024x1024", *at],
                        tmp_path)  # fmt: skip
    assert picture.returncode == 0 and (tmp_path / "lamp.png").read_bytes()[:4] == b"\x89PNG"
    usage = run_plain(["usage", *at], tmp_path)
    assert usage.returncode == 0 and "gpt-image-1" in usage.stdout and "total" in usage.stdout
    deleted = run_plain(["jobs", "delete", job_id, *at], tmp_path)
    assert deleted.returncode == 0
    gone = run_plain(["jobs", "show", job_id, *at], tmp_path)
    assert gone.returncode == 2 and "not found" in gone.stderr.lower()


def test_failures_say_why_with_distinct_exit_codes(server: ServerProcess, tmp_path: Path):
    at = ["--server", server.base_url]
    blocked = run_plain(["generate", "A massacre at dawn", "--seconds", "1", "--size", "256x256",
                         *at], tmp_path)  # fmt: skip
    assert blocked.returncode == 1 and "failed" in blocked.stderr
    assert "content filter" in blocked.stderr
    bad_size = run_plain(["generate", "x", "--size", "big", *at], tmp_path)
    assert bad_size.returncode == 2 and "--size" in bad_size.stderr
    refused = run_plain(["generate", "x", "--size", "10x10", *at], tmp_path)
    assert refused.returncode == 2 and "width" in refused.stderr
    nobody = run_plain(["jobs", "list", "--server", "http://127.0.0.1:9"], tmp_path)
    assert nobody.returncode == 3 and "cannot reach" in nobody.stderr
    assert not (tmp_path / "out.mp4").exists()
