"""Every 5xx is a bug: schemathesis sends generated requests to every operation of reelgate's
own OpenAPI document, over real HTTP, and checks that no answer is a server error and that every
answer matches the schema the document gives for it.

`REELGATE_FUZZ_EXAMPLES` sets the examples per operation (CI default below: a few thousand
requests in all, a few minutes on 2 cores); raise it for a deeper run (docs/security.md).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.server import ServerProcess

EXAMPLES = int(os.environ.get("REELGATE_FUZZ_EXAMPLES", "20"))
# The all-jobs stream never ends by design (its own tests cover it); everything else is fuzzed.
ENDLESS = ("appAllJobEvents",)


@pytest.fixture(scope="module")
def fuzzed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    # No workers: fuzzed creates stay queued instead of rendering hundreds of clips.
    with ServerProcess(
        tmp_path_factory.mktemp("fuzz") / "data", workers=0, check_orphans=True
    ) as process:
        yield process


def problems(output: str) -> str:
    """The errors and failures sections of schemathesis's report (they come before its long
    warnings, which the report's tail alone would show)."""
    found = [output.find(f" {section} ") for section in ("ERRORS", "FAILURES")]
    starts = [at for at in found if at >= 0]
    if not starts:
        return ""
    end = output.find(" WARNINGS ", min(starts))
    return output[min(starts) : end if end > 0 else None][:8000]


def test_no_operation_answers_5xx_or_breaks_its_schema(fuzzed_server: ServerProcess) -> None:
    command = [
        sys.executable, "-m", "schemathesis.cli", "run",
        f"{fuzzed_server.base_url}/openapi.json",
        "--checks", "not_a_server_error,response_schema_conformance",
        "--max-examples", str(EXAMPLES),
        "--workers", "2",
        "--seed", "20261121",
        "--request-timeout", "30",
        *[arg for operation in ENDLESS for arg in ("--exclude-operation-id", operation)],
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    summary = done.stdout[-6000:]
    assert done.returncode == 0, (
        f"schemathesis found problems:\n{problems(done.stdout)}\n{summary}\n{done.stderr[-2000:]}"
    )
    print(f"\n{summary[-700:]}")
    selected = re.search(r"Selected: (\d+)/(\d+)", summary)
    tested = re.search(r"Tested: (\d+)", summary)
    generated = re.search(r"(\d+) generated, (\d+) passed", summary)
    assert selected and tested and generated, summary
    assert int(tested.group(1)) == int(selected.group(1)) == int(selected.group(2)) - len(ENDLESS)
    assert int(generated.group(1)) >= 2000  # a few thousand requests
    assert generated.group(1) == generated.group(2)
