"""Loading a saved pipeline onto its device, once, and running it with reelgate's step hooks:
progress per denoising step, a lease kept alive while a long step runs, cancellation at the next
step, and out-of-memory errors turned into a failed job with the memory given back."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch

from reelgate.providers.local.config import PipelineConfig

_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


def device_of(config: PipelineConfig) -> str:
    if config.device != "auto":
        return config.device
    return "cuda" if torch.cuda.is_available() else "cpu"


def dtype_of(config: PipelineConfig, device: str) -> torch.dtype:
    if config.dtype != "auto":
        return _DTYPES[config.dtype]
    return torch.float32 if device == "cpu" else torch.bfloat16


def load_pipeline(weights: Path, config: PipelineConfig) -> Any:
    """The pipeline saved at `weights`, on its device, with the configured memory options.
    Never reaches the network: the weights were resolved to a local directory at start-up."""
    import diffusers
    import transformers

    # Their progress bars would fill the server's log with carriage returns.
    diffusers.utils.logging.disable_progress_bar()
    transformers.utils.logging.disable_progress_bar()
    device = device_of(config)
    pipe = diffusers.DiffusionPipeline.from_pretrained(
        str(weights), torch_dtype=dtype_of(config, device), local_files_only=True
    )
    if config.offload == "model":
        pipe.enable_model_cpu_offload(device=device)
    elif config.offload == "sequential":
        pipe.enable_sequential_cpu_offload(device=device)
    else:
        pipe.to(device)
    vae = getattr(pipe, "vae", None)
    if config.vae_tiling and vae is not None and hasattr(vae, "enable_tiling"):
        vae.enable_tiling()
    if config.vae_slicing and vae is not None and hasattr(vae, "enable_slicing"):
        vae.enable_slicing()
    pipe.set_progress_bar_config(disable=True)
    return pipe


def generators(seed: int, count: int) -> list[torch.Generator]:
    """One generator per output, seeded `seed`, `seed + 1`, ...: output `i` is the same however
    many outputs are asked for in the same call. On the CPU, so the noise does not depend on
    the GPU model either."""
    return [torch.Generator("cpu").manual_seed(seed + index) for index in range(count)]


def is_out_of_memory(error: BaseException) -> bool:
    if isinstance(error, torch.OutOfMemoryError):
        return True
    return isinstance(error, RuntimeError) and "out of memory" in str(error).lower()


def free_memory() -> None:
    """Give back what a failed or cancelled call held (its activations, not the weights)."""
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


# How often a running call tells the job's sink it is alive (the sink writes at most every
# third of a lease, so this only has to be shorter than that).
HEARTBEAT_SECONDS = 5.0

StepReport = Callable[[int, int], None]  # (steps done, steps in all)


class StepHooks:
    """`callback_on_step_end` for a pipeline call, plus a heartbeat while a step (or the VAE
    decode after the last one) takes long: `report` may raise to stop the call, and an error
    the heartbeat got is raised at the next step instead of being lost in its thread."""

    def __init__(self, report: StepReport, keep_alive: Callable[[], None], steps: int) -> None:
        self._report = report
        self._keep_alive = keep_alive
        self._steps = steps
        self._lock = threading.Lock()
        self._failure: BaseException | None = None

    def on_step_end(
        self, pipe: Any, step: int, _timestep: Any, tensors: dict[str, Any]
    ) -> dict[str, Any]:
        total = getattr(pipe, "num_timesteps", None) or self._steps
        with self._lock:
            if self._failure is not None:
                raise self._failure
            self._report(step + 1, total)
        return tensors

    @contextmanager
    def beating(self, every: float | None = None) -> Iterator[None]:
        stop = threading.Event()
        interval = HEARTBEAT_SECONDS if every is None else every

        def beat() -> None:
            while not stop.wait(interval):
                with self._lock:
                    try:
                        self._keep_alive()
                    except BaseException as exc:  # JobCancelled: raised at the next step
                        self._failure = exc
                        return

        thread = threading.Thread(target=beat, name="pipeline-heartbeat", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
        if self._failure is not None:
            raise self._failure
