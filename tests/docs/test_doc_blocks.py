"""The fenced examples of README.md and docs/*.md, run as written against a live server.

Marking convention (the line right before a fenced `python`, `sh` or `bash` block, blank
lines allowed between):

- `<!-- runnable -->`: a complete example. This module runs it in an empty temporary
  directory against a fresh reelgate server (python blocks with this interpreter, sh/bash
  blocks with `bash -euo pipefail`), with `http://127.0.0.1:8000` and `http://localhost:8000`
  replaced by that server's address, `OPENAI_BASE_URL` / `OPENAI_API_KEY` set, this
  interpreter's bin directory (`reelgate`, `python3`) first on PATH and a timeout per block.
  It must exit 0.
- `<!-- runnable: REASON -->`: a complete example that needs something the tests do not have
  (a paid upstream key, PostgreSQL, minutes of time): collected and skipped with REASON.
- `<!-- not runnable: REASON -->`: not a command to run as written (an excerpt of the source,
  a synopsis with [options], a fragment of someone's test suite, a long-running server).

Blocks of other languages (json, yaml, js, output samples) are not commands and stay
unmarked. Every python, sh and bash block must carry one of the three marks
(`test_every_command_block_is_marked`), so a new example cannot go untested by accident.
Each block is its own test, `tests/docs/test_doc_blocks.py::test_doc_block[README.md:34]`
(the line of its opening fence).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.server import ServerProcess

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
COMMAND_LANGUAGES = {"python", "sh", "bash"}
DOC_ADDRESSES = ("http://127.0.0.1:8000", "http://localhost:8000")
BLOCK_TIMEOUT_S = 120

FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>```+|~~~+)\s*(?P<lang>[\w+-]*)")
MARK = re.compile(r"^<!--\s*(?P<kind>runnable|not runnable)\s*(?::\s*(?P<reason>.*?))?\s*-->$")


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # of the opening fence, 1-based
    language: str
    code: str
    mark: str | None  # "runnable", "not runnable" or None
    reason: str | None

    @property
    def name(self) -> str:
        return f"{self.path.relative_to(ROOT).as_posix()}:{self.line}"


def blocks_of(path: Path) -> Iterator[Block]:
    lines = path.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        start = index
        index += 1
        body: list[str] = []
        while index < len(lines) and not lines[index].strip().startswith(fence):
            line = lines[index]
            body.append(line[len(indent) :] if line.startswith(indent) else line.lstrip())
            index += 1
        index += 1  # the closing fence
        before = start - 1
        while before >= 0 and not lines[before].strip():
            before -= 1
        mark = MARK.match(lines[before].strip()) if before >= 0 else None
        yield Block(
            path=path,
            line=start + 1,
            language=opening["lang"].lower(),
            code="\n".join(body) + "\n",
            mark=mark["kind"] if mark else None,
            reason=mark["reason"] if mark else None,
        )


ALL_BLOCKS = [block for path in DOCUMENTS for block in blocks_of(path)]
RUNNABLE = [block for block in ALL_BLOCKS if block.mark == "runnable"]


def test_every_command_block_is_marked():
    unmarked = [
        block.name
        for block in ALL_BLOCKS
        if block.language in COMMAND_LANGUAGES and block.mark is None
    ]
    assert not unmarked, (
        "python/sh/bash blocks without <!-- runnable -->, <!-- runnable: REASON --> or "
        f"<!-- not runnable: REASON --> before them (see {__name__}): {unmarked}"
    )
    wrong = [block.name for block in RUNNABLE if block.language not in COMMAND_LANGUAGES]
    assert not wrong, f"only python, sh and bash blocks can be run: {wrong}"


@pytest.fixture(scope="module")
def docs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with ServerProcess(tmp_path_factory.mktemp("docs") / "data", workers=2) as server:
        yield server


def block_environment(server: ServerProcess) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        # A block's `reelgate keys ...` must not reach a database or server of the caller's.
        if not name.startswith(("REELGATE_", "OPENAI_"))
    }
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
    env["OPENAI_BASE_URL"] = f"{server.base_url}/v1"
    env["OPENAI_API_KEY"] = "anything"
    env["PYTHONWARNINGS"] = "ignore::DeprecationWarning"  # the SDK's Sora shutdown notice
    return env


@pytest.mark.parametrize("block", RUNNABLE, ids=lambda block: block.name)
def test_doc_block(block: Block, docs_server: ServerProcess, tmp_path: Path):
    if block.reason:
        pytest.skip(f"{block.name}: {block.reason}")
    code = block.code
    for address in DOC_ADDRESSES:
        code = code.replace(address, docs_server.base_url)
    if block.language == "python":
        script = tmp_path / "block.py"
        command = [sys.executable, str(script)]
    else:
        script = tmp_path / "block.sh"
        command = ["bash", "-euo", "pipefail", str(script)]
    script.write_text(code, encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    try:
        done = subprocess.run(
            command,
            cwd=work,
            env=block_environment(docs_server),
            capture_output=True,
            text=True,
            timeout=BLOCK_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as expired:
        pytest.fail(
            f"{block.name} ran past {BLOCK_TIMEOUT_S} s\n"
            f"--- stdout\n{expired.stdout}\n--- stderr\n{expired.stderr}"
        )
    assert done.returncode == 0, (
        f"{block.name} exited {done.returncode}\n--- code\n{code}\n"
        f"--- stdout\n{done.stdout[-4000:]}\n--- stderr\n{done.stderr[-4000:]}\n"
        f"--- server log\n{docs_server.log()[-4000:]}"
    )
