"""`type: diffusers` providers in the routing file, checked without torch: every mistake stops
start-up with the file, the line (or the provider) and the problem, and requests beyond what a
local model takes are refused before a job is made."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from reelgate.providers.base import ProviderStartError
from reelgate.providers.registry import registry_from_routing
from reelgate.providers.routing import RoutingError, load_routing

EXAMPLE = Path(__file__).parents[2] / "examples" / "local-models.yaml"
LOCAL = "    type: diffusers"
WAN = "    pipeline: {family: wan, weights: w"  # the caller closes the brace


def _weights(directory: Path, class_name: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "model_index.json").write_text(json.dumps({"_class_name": class_name}))
    return directory


def _routing(tmp_path: Path, provider: str, model: str = "kind: video") -> Path:
    path = tmp_path / "models.yaml"
    path.write_text(
        f"providers:\n  gpu:\n{provider}\nmodels:\n  wan-t2v:\n    provider: gpu\n    {model}\n"
    )
    return path


def test_the_example_file_validates():
    routing = load_routing(EXAMPLE)
    families = {name: config.pipeline.family for name, config in routing.providers.items()}
    assert set(families.values()) == {"wan", "ltx", "flux", "sdxl"}
    for name, route in routing.models.items():
        config = routing.providers[route.provider]
        assert route.kind == config.pipeline.kind, name


@pytest.mark.parametrize(
    ("provider", "line", "problem"),
    [
        (LOCAL, 2, "needs a `pipeline:` block"),
        (f"{LOCAL}\n    base_url: http://127.0.0.1:9\n{WAN}}}", 2, "takes no base_url"),
        (f"{LOCAL}\n    pipeline: {{family: cogvideo, weights: w}}", 4, "unknown pipeline"),
        (f"{LOCAL}\n{WAN}, offload: gpu}}", 4, "offload"),
        (f"{LOCAL}\n{WAN}, device: tpu}}", 4, "device"),
        (f"{LOCAL}\n{WAN}, steps: 0}}", 4, "steps"),
        (f"    type: openai\n{WAN}}}", 2, "needs a base_url"),
    ],
)
def test_a_bad_pipeline_block_names_the_line(tmp_path, provider, line, problem):
    with pytest.raises(RoutingError) as caught:
        load_routing(_routing(tmp_path, provider))
    assert f"line {line}:" in str(caught.value) and problem in str(caught.value), caught.value


def test_an_image_family_cannot_serve_a_video_model(tmp_path):
    path = _routing(tmp_path, "    type: diffusers\n    pipeline: {family: flux, weights: w}")
    with pytest.raises(RoutingError, match=r"video models need a video family.*'flux'"):
        load_routing(path)


def _start(tmp_path: Path, weights: Path, family: str = "wan") -> None:
    """What `reelgate serve` and `reelgate worker` do before serving: build, then prepare."""
    provider = f"    type: diffusers\n    pipeline: {{family: {family}, weights: '{weights}'}}"
    registry = registry_from_routing(load_routing(_routing(tmp_path, provider)))
    registry.prepare(registry.names())


def test_start_up_names_missing_weights(tmp_path, monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: object())
    with pytest.raises(ProviderStartError) as caught:
        _start(tmp_path, tmp_path / "nowhere")
    message = str(caught.value)
    assert f"{tmp_path / 'models.yaml'}: providers.gpu: provider 'gpu'" in message
    assert str(tmp_path / "nowhere") in message
    assert "not a directory" in message and "wan pipeline" in message


def test_start_up_refuses_weights_of_another_family(tmp_path, monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: object())
    weights = _weights(tmp_path / "flux", "FluxPipeline")
    with pytest.raises(ProviderStartError) as caught:
        _start(tmp_path, weights)
    message = str(caught.value)
    assert f"{weights}' holds a 'FluxPipeline', not a wan pipeline" in message
    assert "WanImageToVideoPipeline, WanPipeline" in message


def test_start_up_refuses_a_folder_that_is_no_pipeline(tmp_path, monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: object())
    (tmp_path / "empty").mkdir()
    with pytest.raises(ProviderStartError, match=r"model_index\.json' cannot be read"):
        _start(tmp_path, tmp_path / "empty")


def test_without_the_extra_start_up_says_what_to_install(tmp_path, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name in ("torch", "diffusers") else real(name, *args),
    )
    with pytest.raises(ProviderStartError) as caught:
        _start(tmp_path, _weights(tmp_path / "wan", "WanPipeline"))
    message = str(caught.value)
    assert "needs torch, diffusers" in message and "pip install 'reelgate[local]'" in message


def test_requests_beyond_the_provider_are_refused_before_a_job(tmp_path, monkeypatch):
    """The registry's limits, which every video dialect checks before making a job."""
    import reelgate.providers.types as types

    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: object())
    monkeypatch.setitem(
        types.PROVIDER_TYPES,
        "diffusers",
        types.ProviderType("tests.unit.test_local_config:_NoModel", images=True, concurrency=1),
    )
    provider = (
        "    type: diffusers\n"
        "    pipeline: {family: wan, weights: w, max_width: 832, max_height: 480, max_frames: 81}"
    )
    registry = registry_from_routing(load_routing(_routing(tmp_path, provider)))
    assert registry.limit_problem("wan-t2v", 832, 480, 5) is None  # 80 frames at 16 fps
    assert "at most 5 seconds (81 frames)" in (registry.limit_problem("wan-t2v", 832, 480, 6) or "")
    assert "at most 832x480" in (registry.limit_problem("wan-t2v", 1280, 720, 2) or "")
    assert registry.concurrency() == {"gpu": 1}  # one job per device unless the file says more


class _NoModel:
    """Stands in for the diffusers provider where only routing is under test."""

    def __init__(self, name: str, _config: object) -> None:
        self.name = name


def test_an_api_process_without_workers_needs_no_weights(tmp_path, monkeypatch):
    """`reelgate serve --workers 0` beside GPU workers: the routing file names weights that
    only the workers' machines have, and this process has no torch."""
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    provider = "    type: diffusers\n    pipeline: {family: wan, weights: /only/on/the/gpu/box}"
    registry = registry_from_routing(load_routing(_routing(tmp_path, provider)))
    registry.prepare(registry.image_provider_names())  # what serve checks with no workers
    assert registry.provider_for_model("wan-t2v") == "gpu"


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_serve_and_worker_stop_on_wrong_weights(tmp_path, monkeypatch, command):
    from typer.testing import CliRunner

    from reelgate.cli.main import cli

    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: object())
    weights = _weights(tmp_path / "sdxl", "StableDiffusionXLPipeline")
    provider = f"    type: diffusers\n    pipeline: {{family: wan, weights: '{weights}'}}"
    path = _routing(tmp_path, provider)
    result = CliRunner().invoke(
        cli, [command, "--data-dir", str(tmp_path / "data"), "--models", str(path)]
    )
    assert result.exit_code == 2, result.output
    said = " ".join((result.output + (result.stderr or "")).split())
    assert f"'{weights}' holds a 'StableDiffusionXLPipeline', not a wan pipeline" in said
