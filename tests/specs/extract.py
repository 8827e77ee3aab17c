"""Copy the schemas the conformance tests need out of the official OpenAPI documents.

The official documents are large; tests vendor only the schemas they validate against (with every
schema those reference): `openai-videos.json`, `azure-videos.json`, `openai-images.json`,
`openai-files.json` and `azure-images.json`. Azure's document is
OpenAPI 3.0, so its `nullable: true` becomes a JSON Schema `null` type here. Regenerate after
updating the documents:

    python tests/specs/extract.py ../shared/specs
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


def referenced(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[1])
        for value in node.values():
            found |= referenced(value)
    elif isinstance(node, list):
        for value in node:
            found |= referenced(value)
    return found


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


def write(document_path: Path, roots: list[str], output: str, convert: bool) -> None:
    with document_path.open(encoding="utf-8") as handle:
        document = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    schemas = extract(document, roots)
    if convert:
        schemas = nullable_to_null_type(schemas)
    content = {
        "source": f"{document_path.name} (see ../shared/specs/README.md)",
        "components": {"schemas": schemas},
    }
    (HERE / output).write_text(json.dumps(content, indent=1) + "\n")


def main(specs: str) -> None:
    folder = Path(specs)
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
    main(sys.argv[1])
