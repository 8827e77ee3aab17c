"""Each dialect's error envelope renders domain errors in that dialect's own shape."""

from __future__ import annotations

import json

import pytest

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
