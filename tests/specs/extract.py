"""Copy the schemas the conformance tests need out of the official OpenAPI documents.

The official documents are large; tests vendor only the schemas they validate against (with every
schema those reference), in `openai-videos.json`. Regenerate after updating the documents:

    python tests/specs/extract.py ../shared/specs/openai-openapi.yaml
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

ROOTS = ["VideoResource", "VideoListResource", "DeletedVideoResource", "ErrorResponse"]
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


def main(source: str) -> None:
    with open(source, encoding="utf-8") as handle:
        document = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    output = {
        "source": "github.com/openai/openai-openapi openapi.yaml (see ../shared/specs/README.md)",
        "components": {"schemas": extract(document, ROOTS)},
    }
    (HERE / "openai-videos.json").write_text(json.dumps(output, indent=1) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
