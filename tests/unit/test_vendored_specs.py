"""The schemas tests validate against are what the official documents say, in a clone on its own
too: each schema file is extracted again from the vendored media parts of the documents. That the
parts are what the whole documents give is `python tests/specs/extract.py --check DIR` (the whole
documents are not in the repository)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

SPECS = Path(__file__).parents[1] / "specs"


def _extract_module() -> ModuleType:
    module_spec = importlib.util.spec_from_file_location("extract", SPECS / "extract.py")
    assert module_spec and module_spec.loader
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


extract = _extract_module()

SCHEMA_FILES = [
    ("openai-videos.json", extract.OPENAI_DOCUMENT, extract.OPENAI_ROOTS, False),
    ("openai-images.json", extract.OPENAI_DOCUMENT, extract.OPENAI_IMAGE_ROOTS, False),
    ("openai-files.json", extract.OPENAI_DOCUMENT, extract.OPENAI_FILE_ROOTS, False),
    ("openai-responses.json", extract.OPENAI_DOCUMENT, extract.OPENAI_RESPONSE_ROOTS, False),
    ("azure-videos.json", extract.AZURE_DOCUMENT, extract.AZURE_ROOTS, True),
    ("azure-images.json", extract.AZURE_DOCUMENT, extract.AZURE_IMAGE_ROOTS, True),
    ("azure-responses.json", extract.AZURE_DOCUMENT, extract.AZURE_RESPONSE_ROOTS, True),
]


@pytest.mark.parametrize(("output", "document", "roots", "convert"), SCHEMA_FILES)
def test_each_schema_file_is_what_the_vendored_document_gives(
    output: str, document: str, roots: list[str], convert: bool
) -> None:
    schemas = extract.extract(extract.load_document(extract.vendored_part(document)), roots)
    if convert:
        schemas = extract.nullable_to_null_type(schemas)
    vendored = json.loads((SPECS / output).read_text())["components"]["schemas"]
    assert schemas == vendored, f"regenerate {output}: python tests/specs/extract.py ..."


def test_the_vendored_parts_keep_the_media_paths() -> None:
    """The parts hold every operation reelgate serves from the documents."""
    openai = extract.load_document(extract.vendored_part(extract.OPENAI_DOCUMENT))["paths"]
    azure = extract.load_document(extract.vendored_part(extract.AZURE_DOCUMENT))["paths"]
    assert {"/videos", "/videos/{video_id}/remix", "/images/edits", "/files", "/responses"} <= set(
        openai
    )
    assert {"/video/generations/jobs", "/images/generations", "/responses"} <= set(azure)
    assert not any(template.startswith("/vector_stores") for template in [*openai, *azure])
