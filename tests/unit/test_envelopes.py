"""Each dialect's error envelope renders domain errors in that dialect's own shape."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import yaml

from reelgate.api.azure.errors import AzureEnvelope
from reelgate.api.openai.errors import OpenAIEnvelope
from reelgate.core.errors import Conflict, ModerationRejected, NotFound
from tests.conftest import SPECS, SpecSchemas


@pytest.fixture(scope="module")
def schemas() -> tuple[SpecSchemas, SpecSchemas]:
    return SpecSchemas(SPECS / "openai-videos.json"), SpecSchemas(SPECS / "azure-videos.json")


def body(response) -> dict:
    return json.loads(response.body)


def test_moderation_refusal_in_azure_carries_the_inner_error(schemas):
    refused = ModerationRejected(
        "Your request was rejected by the safety system.",
        revised_prompt="a calm lake",
        details={"sexual": {"filtered": True, "severity": "high"}},
    )
    response = AzureEnvelope().domain(refused)
    error = body(response)["error"]
    schemas[1].validate("AzureOpenAIVideoGenerationErrorResponse", error)
    assert response.status_code == 400
    assert error["inner_error"] == {
        "code": "ResponsibleAIPolicyViolation",
        "revised_prompt": "a calm lake",
        "error_details": {"sexual": {"filtered": True, "severity": "high"}},
    }


def test_moderation_refusal_in_openai(schemas):
    response = OpenAIEnvelope().domain(ModerationRejected("Rejected by the safety system."))
    schemas[0].validate("ErrorResponse", body(response))
    assert (response.status_code, body(response)["error"]["code"]) == (400, "moderation_blocked")


@pytest.mark.parametrize(("error", "status"), [(NotFound("gone"), 404), (Conflict("busy"), 400)])
def test_status_codes_per_kind(schemas, error, status: int):
    for envelope, schema, name in (
        (OpenAIEnvelope(), schemas[0], "ErrorResponse"),
        (AzureEnvelope(), schemas[1], None),
    ):
        response = envelope.domain(error)
        assert response.status_code == status
        if name:
            schema.validate(name, body(response))
        else:
            schema.validate("AzureOpenAIVideoGenerationErrorResponse", body(response)["error"])


def test_vendored_schemas_match_the_official_documents():
    """When the official documents are beside the repository, the vendored copies match them."""
    specs = Path(__file__).parents[3] / "shared" / "specs"
    if not specs.is_dir():
        pytest.skip("../shared/specs is not beside this checkout")
    spec = importlib.util.spec_from_file_location("extract", SPECS / "extract.py")
    assert spec and spec.loader
    extract = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(extract)
    with (specs / "openai-openapi.yaml").open() as handle:
        document = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    vendored = json.loads((SPECS / "openai-videos.json").read_text())["components"]["schemas"]
    assert extract.extract(document, extract.OPENAI_ROOTS) == vendored
