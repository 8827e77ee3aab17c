"""The `diffusers` provider in-process, where each step can be watched: progress rises once per
denoising step, a cancelled job stops at its next step and leaves no file, and running out of
memory fails that job with a clear error while the provider goes on serving the next."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import torch

from reelgate.core.models import AssetVariant, Phase
from reelgate.providers.base import JobCancelled, VideoTask
from reelgate.providers.local.config import PipelineConfig
from reelgate.providers.local.errors import OutOfMemory
from reelgate.providers.local.provider import DiffusersProvider
from reelgate.providers.routing import ProviderConfig
from tests.local.tiny_pipelines import save_tiny_wan
from tests.media_checks import decode_mp4

STEPS = 5


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> DiffusersProvider:
    weights = save_tiny_wan(tmp_path_factory.mktemp("wan") / "weights")
    pipeline = PipelineConfig(family="wan", weights=str(weights), steps=STEPS)
    return DiffusersProvider("wan-local", ProviderConfig(type="diffusers", pipeline=pipeline))


def _task(**fields: Any) -> VideoTask:
    return VideoTask(
        **{"job_id": "video_1", "prompt": "A kite", "width": 64, "height": 64, "seconds": 1,
           **fields}
    )  # fmt: skip


def test_progress_rises_once_per_step(provider: DiffusersProvider, tmp_path: Path):
    reports: list[tuple[float, Phase]] = []

    def sink(value: float, phase: Phase = Phase.RUNNING) -> None:
        reports.append((value, phase))

    provider.generate_video(_task(), tmp_path, sink)
    running = [value for value, phase in reports if phase is Phase.RUNNING and value > 0]
    steps = sorted(set(running))[:STEPS]
    assert steps == pytest.approx([90 * done / STEPS for done in range(1, STEPS + 1)])
    assert reports[0] == (0, Phase.PREPROCESSING) and reports[-1][0] == pytest.approx(100)


def test_heartbeats_during_a_long_step_keep_the_progress_reached(
    provider: DiffusersProvider, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from reelgate.providers.local import runtime

    monkeypatch.setattr(runtime, "HEARTBEAT_SECONDS", 0.02)
    transformer = type(provider._pipeline().transformer)
    original = transformer.forward

    def slow(self: Any, *args: Any, **kwargs: Any) -> Any:
        time.sleep(0.1)  # a step several heartbeats long
        return original(self, *args, **kwargs)

    monkeypatch.setattr(transformer, "forward", slow)
    reports: list[float] = []
    provider.generate_video(
        _task(), tmp_path, lambda value, phase=Phase.RUNNING: reports.append(value)
    )
    assert len(reports) > STEPS + 5, "heartbeats were sent between steps"
    assert reports == sorted(reports), "a heartbeat never sets the progress back"


def test_a_cancelled_job_stops_at_its_next_step(provider: DiffusersProvider, tmp_path: Path):
    steps_seen: list[float] = []

    def sink(value: float, phase: Phase = Phase.RUNNING) -> None:
        if phase is Phase.RUNNING and value > 0:
            steps_seen.append(value)
            if len(steps_seen) == 2:
                raise JobCancelled("video_1")  # what the runner's sink does for a deleted job

    with pytest.raises(JobCancelled):
        provider.generate_video(_task(), tmp_path, sink)
    assert len(steps_seen) == 2, "no step ran after the cancellation"
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []


def test_out_of_memory_fails_the_job_and_the_next_one_runs(
    provider: DiffusersProvider, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    pipe = provider._pipeline()
    transformer = pipe.transformer
    calls = {"count": 0}
    original = type(transformer).forward

    def exhausted(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls["count"] += 1
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")

    monkeypatch.setattr(type(transformer), "forward", exhausted)
    with pytest.raises(OutOfMemory) as caught:
        provider.generate_video(_task(width=96), tmp_path / "a", lambda *_: None)
    assert caught.value.code == "out_of_memory" and calls["count"] == 1
    assert "out of GPU memory at 96x64, 17 frames" in str(caught.value)
    assert "offload: model" in str(caught.value)
    monkeypatch.setattr(type(transformer), "forward", original)
    results = provider.generate_video(_task(), tmp_path / "b", lambda *_: None)
    assert len(results) == 1 and results[0].files


def test_variants_are_seeded_one_by_one(provider: DiffusersProvider, tmp_path: Path):
    """Output i of a call is the same however many outputs are asked for with it."""
    one = provider.generate_video(_task(seed=4), tmp_path / "one", lambda *_: None)
    two = provider.generate_video(_task(seed=4, n_variants=2), tmp_path / "two", lambda *_: None)
    first, again, other = (
        decode_mp4(video.files[AssetVariant.VIDEO].read_bytes()).frames_sha256
        for video in (one[0], two[0], two[1])
    )
    assert first == again != other
