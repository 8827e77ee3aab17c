"""The model routing file: the example validates, and every mistake stops start-up with the
file, the line and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from reelgate.cli.main import cli
from reelgate.providers.registry import UnknownModel, registry_from_routing
from reelgate.providers.routing import RoutingError, load_routing

EXAMPLE = Path(__file__).parents[2] / "examples" / "models.yaml"

GOOD = """\
providers:
  up:
    type: openai
    base_url: http://127.0.0.1:9/v1
    api_key_env: UP_KEY
    concurrency: 2
models:
  sora-2:
    provider: up
    limits: {max_seconds: 8, sizes: [1280x720]}
    fallbacks:
      - provider: preview
"""


def test_the_commented_example_is_a_valid_routing_file():
    routing = load_routing(EXAMPLE)
    assert [t.provider for t in routing.chain("sora-2")] == ["openai", "azure", "preview"]
    registry = registry_from_routing(routing)
    assert registry.concurrency() == {"openai": 4, "azure": 2}
    assert registry.image_provider_for_model("gpt-image-1") == "openai"
    assert registry.upstream_request("veo-3", "google")[1]["negativePrompt"]


def test_routing_answers_provider_fallback_and_limits(tmp_path: Path):
    path = tmp_path / "models.yaml"
    path.write_text(GOOD)
    registry = registry_from_routing(load_routing(path))
    assert registry.provider_for_model("sora-2") == "up"
    assert registry.next_provider("sora-2", "up") == "preview"
    assert registry.next_provider("sora-2", "preview") is None
    assert registry.limit_problem("sora-2", 1280, 720, 8) is None
    assert "at most 8 seconds" in registry.limit_problem("sora-2", 1280, 720, 12)
    assert "1280x720" in registry.limit_problem("sora-2", 720, 1280, 4)
    with pytest.raises(UnknownModel):
        registry.provider_for_model("dall-e-9")


@pytest.mark.parametrize(
    ("replace", "by", "line", "problem"),
    [
        ("    type: openai", "    type: opneai", 3, "providers.up.type"),
        ("    provider: up", "    provider: nobody", 9, "unknown provider 'nobody'"),
        ("    api_key_env: UP_KEY", "    api_key_env: sk-live-123", 5, "NAME of an environment"),
        ("    concurrency: 2", "    concurrency: 0", 6, "greater than or equal to 1"),
        ("      - provider: preview", "      - provider: up", 12, "appears twice"),
        ("    limits: {max_seconds: 8", "    limits: {max_secs: 8", 10, "max_secs"),
        ("    fallbacks:", "    fallbacks: [", 12, "not valid YAML"),
    ],
)
def test_a_bad_file_names_the_line_and_the_problem(tmp_path, replace, by, line, problem):
    path = tmp_path / "models.yaml"
    path.write_text(GOOD.replace(replace, by))
    with pytest.raises(RoutingError) as caught:
        load_routing(path)
    message = str(caught.value)
    assert message.startswith(f"{path}, line {line}: "), message
    assert problem in message


def test_serve_refuses_to_start_on_a_bad_file(tmp_path: Path):
    path = tmp_path / "models.yaml"
    path.write_text(GOOD.replace("    provider: up", "    provider: nobody"))
    result = CliRunner().invoke(
        cli, ["serve", "--data-dir", str(tmp_path / "data"), "--models", str(path)]
    )
    assert result.exit_code == 2
    assert f"{path}, line 9" in " ".join(result.output.split()) + " ".join(
        (result.stderr if result.stderr_bytes is not None else "").split()
    )


@pytest.mark.parametrize(
    ("price", "problem"),
    [
        ("{per_second: -1}", "greater than or equal to 0"),
        ("{per_second_by_resolution: {hd: 0.3}}", "'hd' is not a resolution such as 720p"),
        ("{per_image_by_size: {big: 0.1}}", "'big' is not WIDTHxHEIGHT"),
        ("{per_minute: 1}", "per_minute"),
    ],
)
def test_a_bad_price_names_the_line(tmp_path: Path, price: str, problem: str):
    path = tmp_path / "models.yaml"
    path.write_text(f"models:\n  sora-2:\n    provider: preview\n    price: {price}\n")
    with pytest.raises(RoutingError) as caught:
        load_routing(path)
    assert "line 4:" in str(caught.value) and problem in str(caught.value), caught.value
