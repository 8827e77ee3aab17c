"""Finding and checking a `diffusers` provider's weights at start-up, before any request.

Missing weights, weights of another family and a missing `reelgate[local]` install stop
start-up with a message naming the path and what was expected (`LocalModelConfigError`), so a
GPU worker never claims a job it cannot run. A Hub repo id is fetched here, at start-up, never
while a request waits; `HF_HUB_OFFLINE=1` lets it use only what is already cached.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

from reelgate.providers.base import ProviderStartError
from reelgate.providers.local.config import PipelineConfig
from reelgate.providers.local.families import FAMILIES

INSTALL_HINT = "pip install 'reelgate[local]'"
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
# ftfy: diffusers calls it unguarded in Wan image-to-video.
_NEEDED = ("torch", "diffusers", "transformers", "accelerate", "ftfy")


class LocalModelConfigError(ProviderStartError):
    """A `diffusers` provider that cannot start; the message says what to do."""


def require_local_extra(provider: str) -> None:
    missing = [name for name in _NEEDED if importlib.util.find_spec(name) is None]
    if missing:
        raise LocalModelConfigError(
            f"provider {provider!r} (type diffusers) needs {', '.join(missing)}: "
            f"install them with {INSTALL_HINT}"
        )


def resolve_weights(provider: str, config: PipelineConfig) -> Path:
    """The local directory of the weights, checked to be a saved pipeline of the family."""
    path = Path(config.weights).expanduser()
    if not path.exists() and _REPO_ID.match(config.weights):
        path = _fetch(provider, config.weights)
    if not path.is_dir():
        raise LocalModelConfigError(
            f"provider {provider!r}: weights {str(path)!r} is not a directory (expected a "
            f"{config.family} pipeline saved in diffusers format, with model_index.json)"
        )
    index = path / "model_index.json"
    try:
        class_name = json.loads(index.read_text(encoding="utf-8")).get("_class_name")
    except (OSError, ValueError, AttributeError) as exc:
        raise LocalModelConfigError(
            f"provider {provider!r}: {str(index)!r} cannot be read ({exc}); expected a "
            f"{config.family} pipeline saved in diffusers format"
        ) from None
    family = FAMILIES[config.family].load()
    if class_name not in family.pipelines:
        expected = ", ".join(sorted(family.pipelines))
        raise LocalModelConfigError(
            f"provider {provider!r}: {str(path)!r} holds a {class_name!r}, not a "
            f"{config.family} pipeline (expected one of: {expected})"
        )
    return path


def _fetch(provider: str, repo_id: str) -> Path:
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(repo_id))
    except Exception as exc:  # offline and not cached, unknown repo, no access
        raise LocalModelConfigError(
            f"provider {provider!r}: weights {repo_id!r} are neither a local directory nor "
            f"fetchable from the Hub ({type(exc).__name__}: {exc}); download them first, "
            f"e.g. `huggingface-cli download {repo_id} --local-dir DIR`, and name DIR"
        ) from None
