"""Copy the schemas the conformance tests need out of the official OpenAPI documents.

The official documents are large (3.5 MB); the repository vendors two layers of them, so a clone
on its own runs every test:
- `official/*.json`: the media parts of each document as published (the paths for videos,
  images, files and responses, with every component those and the roots below reference), their
  source and date in `official/SOURCES.md`;
- the schemas tests validate against (with every schema those reference): `openai-videos.json`,
  `azure-videos.json`, `openai-images.json`, `openai-files.json`, `openai-responses.json`,
  `azure-responses.json` and `azure-images.json`. Azure's document is OpenAPI 3.0, so its
  `nullable: true` becomes a JSON Schema `null` type here.

Regenerate both after updating the documents, or check that they are still what the documents
give (exit status 1 and the stale files named when not):

    python tests/specs/extract.py ../shared/specs
    python tests/specs/extract.py --check ../shared/specs
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

OPENAI_ROOTS = [
    "VideoResource",
    "VideoListResource",
    "DeletedVideoResource",
    "ErrorResponse",
    "VideoCharacterResource",
]
AZURE_ROOTS = [
    "VideoGenerationJob",
    "VideoGenerationJobList",
    "VideoGeneration",
    "AzureOpenAIVideoGenerationErrorResponse",
]
OPENAI_FILE_ROOTS = ["OpenAIFile", "ListFilesResponse", "DeleteFileResponse", "ErrorResponse"]
OPENAI_IMAGE_ROOTS = [
    "ImagesResponse",
    "ImageGenStreamEvent",
    "ImageEditStreamEvent",
    "ErrorResponse",
]
AZURE_IMAGE_ROOTS = ["AzureImagesResponse", "AzureErrorResponse"]
OPENAI_RESPONSE_ROOTS = [
    "Response",
    "ImageGenToolCall",
    "ResponseCreatedEvent",
    "ResponseInProgressEvent",
    "ResponseOutputItemAddedEvent",
    "ResponseImageGenCallInProgressEvent",
    "ResponseImageGenCallGeneratingEvent",
    "ResponseImageGenCallPartialImageEvent",
    "ResponseImageGenCallCompletedEvent",
    "ResponseOutputItemDoneEvent",
    "ResponseCompletedEvent",
    "ResponseFailedEvent",
    "ErrorResponse",
]
AZURE_RESPONSE_ROOTS = ["AzureResponse", "AzureErrorResponse"]
HERE = Path(__file__).parent


def references(node: Any) -> set[tuple[str, str]]:
    """Every `#/components/<kind>/<name>` that `node` refers to, as (kind, name)."""
    found: set[tuple[str, str]] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/"):
            kind, _, name = ref.removeprefix("#/components/").partition("/")
            found.add((kind, name))
        for value in node.values():
            found |= references(value)
    elif isinstance(node, list):
        for value in node:
            found |= references(value)
    return found


def referenced(node: Any) -> set[str]:
    return {name for kind, name in references(node) if kind == "schemas"}


# The paths of the media APIs reelgate serves, by the start of their template.
MEDIA_PATHS = ("/videos", "/video/", "/images/", "/files", "/responses")


def media_part(document: dict[str, Any], roots: list[str]) -> dict[str, Any]:
    """The document cut to the media paths and every component they and `roots` reference,
    each kept exactly as published (so extracting from it equals extracting from the whole)."""
    paths = {
        template: operations
        for template, operations in document["paths"].items()
        if template.startswith(MEDIA_PATHS)
    }
    components = document.get("components", {})
    wanted: set[tuple[str, str]] = {("schemas", name) for name in roots}
    pending = list(references(paths) | wanted)
    while pending:
        kind, name = pending.pop()
        wanted.add((kind, name))
        pending.extend(references(components[kind][name]) - wanted)
    kept: dict[str, dict[str, Any]] = {}
    for kind, name in sorted(wanted):
        kept.setdefault(kind, {})[name] = components[kind][name]
    part = {key: value for key, value in document.items() if key not in ("paths", "components")}
    return {**part, "paths": dict(sorted(paths.items())), "components": kept}


def extract(document: dict[str, Any], roots: list[str]) -> dict[str, Any]:
    schemas = document["components"]["schemas"]
    wanted: dict[str, Any] = {}
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name in wanted:
            continue
        wanted[name] = schemas[name]
        pending.extend(referenced(schemas[name]) - wanted.keys())
    return dict(sorted(wanted.items()))


def nullable_to_null_type(node: Any) -> Any:
    """OpenAPI 3.0 `nullable: true` as JSON Schema 2020-12 (`anyOf` with `{"type": "null"}`)."""
    if isinstance(node, list):
        return [nullable_to_null_type(value) for value in node]
    if not isinstance(node, dict):
        return node
    converted = {k: nullable_to_null_type(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") is True:
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


OPENAI_DOCUMENT = "openai-openapi.yaml"
AZURE_DOCUMENT = "azure-openai-v1-preview.yaml"
OPENAI_ALL_ROOTS = [
    *OPENAI_ROOTS,
    *OPENAI_IMAGE_ROOTS,
    *OPENAI_FILE_ROOTS,
    *OPENAI_RESPONSE_ROOTS,
]
AZURE_ALL_ROOTS = [*AZURE_ROOTS, *AZURE_IMAGE_ROOTS, *AZURE_RESPONSE_ROOTS]
OFFICIAL = HERE / "official"


def load_document(path: Path) -> dict[str, Any]:
    """An official document: the published YAML, or its vendored media part (JSON)."""
    with path.open(encoding="utf-8") as handle:
        if path.suffix == ".json":
            return json.load(handle)
        return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def vendored_part(document_name: str) -> Path:
    return OFFICIAL / f"{Path(document_name).stem}.media.json"


STALE: list[str] = []  # files `--check` found different from what the documents give
CHECK_ONLY = "--check" in sys.argv


def _put(path: Path, content: dict[str, Any]) -> None:
    text = json.dumps(content, indent=1) + "\n"
    if CHECK_ONLY:
        if not path.is_file() or path.read_text() != text:
            STALE.append(str(path.relative_to(HERE)))
        return
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)


def write_part(folder: Path, document_name: str, roots: list[str]) -> None:
    _put(vendored_part(document_name), media_part(load_document(folder / document_name), roots))


def write(document_path: Path, roots: list[str], output: str, convert: bool) -> None:
    document = load_document(document_path)
    schemas = extract(document, roots)
    if convert:
        schemas = nullable_to_null_type(schemas)
    content = {
        "source": f"{document_path.name} (see official/SOURCES.md)",
        "components": {"schemas": schemas},
    }
    _put(HERE / output, content)


def main(specs: str) -> None:
    folder = Path(specs)
    write_part(folder, OPENAI_DOCUMENT, OPENAI_ALL_ROOTS)
    write_part(folder, AZURE_DOCUMENT, AZURE_ALL_ROOTS)
    write(folder / "openai-openapi.yaml", OPENAI_ROOTS, "openai-videos.json", convert=False)
    write(folder / "azure-openai-v1-preview.yaml", AZURE_ROOTS, "azure-videos.json", convert=True)
    write(folder / "openai-openapi.yaml", OPENAI_IMAGE_ROOTS, "openai-images.json", convert=False)
    write(folder / "openai-openapi.yaml", OPENAI_FILE_ROOTS, "openai-files.json", convert=False)
    write(
        folder / "openai-openapi.yaml", OPENAI_RESPONSE_ROOTS, "openai-responses.json",
        convert=False,
    )  # fmt: skip
    write(
        folder / "azure-openai-v1-preview.yaml", AZURE_RESPONSE_ROOTS, "azure-responses.json",
        convert=True,
    )  # fmt: skip
    write(
        folder / "azure-openai-v1-preview.yaml",
        AZURE_IMAGE_ROOTS,
        "azure-images.json",
        convert=True,
    )


if __name__ == "__main__":
    main(next(arg for arg in sys.argv[1:] if arg != "--check"))
    if STALE:
        sys.exit("stale, regenerate: " + ", ".join(STALE))
