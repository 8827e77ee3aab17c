"""The content filter's verdict in Azure's shapes: `AzureContentFilterImagePromptResults` for
the prompt and `AzureContentFilterImageResponseResults` for each image.

The preview engine writes the prompt on the picture, so an image's severities are the prompt's;
an image is never filtered, because a prompt that would be is refused before drawing.
"""

from __future__ import annotations

from typing import Any

from reelgate.core.content_filter import FilterVerdict


def prompt_filter_results(verdict: FilterVerdict) -> dict[str, Any]:
    results: dict[str, Any] = {
        name: {"filtered": result.filtered, "severity": result.severity}
        for name, result in verdict.severities.items()
    }
    for name, detection in verdict.detections.items():
        results[name] = {"filtered": detection.filtered, "detected": detection.detected}
    if verdict.blocklists:
        results["custom_blocklists"] = {
            "filtered": any(item.filtered for item in verdict.blocklists),
            "details": [{"filtered": item.filtered, "id": item.id} for item in verdict.blocklists],
        }
    return results


def content_filter_results(verdict: FilterVerdict) -> dict[str, Any]:
    return {
        name: {"filtered": False, "severity": result.severity}
        for name, result in verdict.severities.items()
    }
