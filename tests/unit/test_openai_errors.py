"""OpenAI's error wording and the multipart folding the dialect relies on."""

from __future__ import annotations

from reelgate.api.openai.errors import quote_list, translate_validation
from reelgate.api.parsing.bodies import fold_form


def test_supported_values_are_listed_the_openai_way():
    assert quote_list(["4", "8", "12"]) == "'4', '8', and '12'"
    assert quote_list(["asc", "desc"]) == "'asc' and 'desc'"


def test_literal_errors_name_every_supported_value():
    error = {
        "type": "literal_error",
        "loc": ("body", "seconds"),
        "input": "10",
        "ctx": {"expected": "'4', '8' or '12'"},
    }
    assert translate_validation(error) == (
        "Invalid value: '10'. Supported values are: '4', '8', and '12'.",
        "seconds",
        "invalid_value",
    )


def test_nested_locations_become_dotted_params():
    error = {"type": "missing", "loc": ("video", "id"), "input": {}}
    assert translate_validation(error)[1] == "video.id"


def test_bracketed_form_names_become_nested_objects():
    assert fold_form(
        [("prompt", "p"), ("video[id]", "v1"), ("a[b][c]", "x"), ("t", "1"), ("t", "2")]
    ) == {
        "prompt": "p",
        "video": {"id": "v1"},
        "a": {"b": {"c": "x"}},
        "t": ["1", "2"],
    }
