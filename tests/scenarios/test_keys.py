"""With API keys: rules match on the caller's key, and each key reads only its own recordings."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from openai import OpenAI

from tests.server import ServerProcess


def make_key(data_dir: Path, name: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "reelgate", "keys", "create", "--name", name,
         "--data-dir", str(data_dir)],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return result.stdout.strip()


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, str, str]]:
    root = tmp_path_factory.mktemp("keyed")
    rules = root / "scenarios.yaml"
    rules.write_text("rules:\n  - match: {key: ci-bot}\n    scenario: fail=input_moderation\n")
    data = root / "data"
    bot, person = make_key(data, "ci-bot"), make_key(data, "person")
    extra = ["--scenarios", str(rules), "--record-requests"]
    with ServerProcess(data, workers=0, extra_args=extra) as server:
        yield server, bot, person


def test_rules_match_the_key_and_recordings_stay_per_key(keyed):
    server, bot, person = keyed
    as_bot = OpenAI(base_url=f"{server.base_url}/v1", api_key=bot, max_retries=0)
    as_person = OpenAI(base_url=f"{server.base_url}/v1", api_key=person, max_retries=0)
    refused = as_bot.videos.create(prompt="A kite")
    assert refused.error is not None and refused.error.code == "input_moderation"
    normal = as_person.videos.create(prompt="A kite")
    assert normal.status == "queued"

    def records(key: str) -> list[dict]:
        response = httpx.get(
            f"{server.base_url}/api/recordings", headers={"Authorization": f"Bearer {key}"}
        )
        assert response.status_code == 200, response.text
        return response.json()["data"]

    mine = records(bot)
    assert [(record["key"], record["method"]) for record in mine] == [("ci-bot", "POST")]
    assert "authorization" not in mine[0]["headers"] and bot not in str(mine)
    assert {record["key"] for record in records(person)} == {"person"}
