"""The start-up banner and how settings come from flags, the environment and defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from reelgate.cli.serve import banner
from reelgate.cli.startup import stderr_console
from reelgate.config import Settings


def test_banner_says_where_things_are_and_what_serves_models(tmp_path: Path):
    console = Console(record=True, width=200)
    console.print(banner(Settings(host="127.0.0.1", port=9123, data_dir=tmp_path)))
    text = console.export_text()
    assert "http://127.0.0.1:9123/v1/videos" in text and "http://127.0.0.1:9123/ " in text
    assert "/openai/v1/video/generations/jobs" in text and "SQLite" in text
    assert "http://127.0.0.1:9123/api/docs" in text
    assert "http://127.0.0.1:9123/openapi.json" in text
    assert str(tmp_path.resolve()) in text
    assert "preview engine" in text and "not a generative model" in text
    assert "No upstream provider is configured" in text


def test_banner_lines_are_whole_when_written_to_a_file(tmp_path: Path):
    """No terminal, no wrapping: every URL stays on one line of the log file."""
    with (tmp_path / "serve.log").open("w+") as log:
        stderr_console(log).print(banner(Settings(host="127.0.0.1", port=9123, data_dir=tmp_path)))
        log.seek(0)
        lines = log.read().splitlines()
    azure = [line for line in lines if "Azure OpenAI API" in line]
    assert len(azure) == 1 and ".../images/..." in azure[0], lines
    assert any("/api/docs (the OpenAPI document: http://127.0.0.1:9123/openapi.json)" in line
               for line in lines), lines  # fmt: skip
    assert all(line.startswith(("╭", "│", "╰")) for line in lines), lines


def test_environment_overrides_defaults_and_flags_override_environment(
    monkeypatch: pytest.MonkeyPatch,
):
    assert Settings().data_dir == Path("reelgate-data")
    monkeypatch.setenv("REELGATE_DATA_DIR", "/srv/reelgate")
    monkeypatch.setenv("REELGATE_WORKERS", "5")
    assert (Settings().data_dir, Settings().workers) == (Path("/srv/reelgate"), 5)
    assert Settings(workers=1).workers == 1
