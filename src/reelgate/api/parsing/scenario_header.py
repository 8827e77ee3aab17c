"""The `x-reelgate-scenario` header, read the same way by every dialect's create routes.

A header, because the OpenAI and Azure bodies follow their official schemas and have no field
for it, and because any client can send one without code changes (the OpenAI SDK's
`default_headers` or `extra_headers`, curl's `-H`). A scenario that does not parse is a 400 in
the dialect's own envelope, naming the bad term, before any job exists.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header

from reelgate.core.errors import InvalidRequest
from reelgate.scenarios.grammar import HEADER, Scenario, ScenarioError, parse_scenario


async def scenario_header(
    value: Annotated[
        str | None,
        Header(
            alias=HEADER,
            description="Script this job's outcome (reelgate as a test double), e.g. "
            "`fail=output_moderation; slow=2s`. Grammar: docs/testing-your-app.md.",
        ),
    ] = None,
) -> Scenario | None:
    if value is None:
        return None
    try:
        return parse_scenario(value)
    except ScenarioError as exc:
        raise InvalidRequest(
            f"Invalid {HEADER} header: {exc}. See docs/testing-your-app.md for the grammar.",
            param=HEADER,
            code="invalid_scenario",
        ) from None


RequestedScenario = Annotated[Scenario | None, Depends(scenario_header)]
