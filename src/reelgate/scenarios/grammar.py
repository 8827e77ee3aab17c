"""The scenario grammar, shared by the `x-reelgate-scenario` header and the rules file.

A scenario is terms separated by `;`, each `name` or `name=value` (spaces around either are
ignored):

    fail=output_moderation; slow=2s; poll_errors=2x503

- `fail=REASON`: the job fails. `input_moderation`: refused when created; `output_moderation`
  and `internal_error`: after running (or at `error_at`).
- `error_at=PERCENT`: fail when progress reaches PERCENT; alone, the reason is `internal_error`.
- `cancel_at=PERCENT`: the job is cancelled when progress reaches PERCENT.
- `queued=DURATION`: the job stays queued this long before any worker may start it.
- `slow=DURATION`: progress is spread over this long (the run takes at least this long).
- `rate_limit=COUNTx[@DURATION]`: COUNT creates answer 429 with `Retry-After` (default 1s), the
  next one is let through, and the cycle starts again.
- `poll_errors=COUNTx[STATUS]`: the job's first COUNT retrievals answer STATUS (500, 502, 503 or
  504; default 503).
- `expires=DURATION`: the content expires this long after the job completes; `expired` is
  `expires=0s`.

DURATION is a number with `ms`, `s` (the default) or `m`: `500ms`, `2s`, `1.5m`. PERCENT is an
integer, optionally followed by `%`.
"""

from __future__ import annotations

import math
import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

HEADER = "x-reelgate-scenario"
POLL_STATUSES = (500, 502, 503, 504)
_MAX_SECONDS = 3600.0
_MAX_COUNT = 1000
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(ms|s|m)?$")
_PERCENT = re.compile(r"^(\d{1,3})\s*%?$")
_RATE_LIMIT = re.compile(r"^(\d+)\s*x?\s*(?:@\s*(.+))?$")
_POLL_ERRORS = re.compile(r"^(\d+)\s*x\s*(\d{3})?$|^(\d+)$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, None: 1.0}


class FailReason(StrEnum):
    """Azure's `failure_reason` values (OpenAI shows the same word as `error.code`)."""

    INPUT_MODERATION = "input_moderation"
    OUTPUT_MODERATION = "output_moderation"
    INTERNAL_ERROR = "internal_error"


class ScenarioError(ValueError):
    """A scenario that does not parse; `term` is the offending term as written."""

    def __init__(self, term: str, problem: str) -> None:
        super().__init__(f"'{term}': {problem}")
        self.term = term
        self.problem = problem


class Scenario(BaseModel):
    """A parsed scenario. Stored inside a job's spec, so any worker process can carry it out."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    fail: FailReason | None = None
    fail_at: int | None = None  # progress percent; None: after running (100)
    cancel_at: int | None = None
    queued_seconds: float | None = None
    slow_seconds: float | None = None
    rate_limit: int | None = None
    retry_after_seconds: int = 1
    poll_errors: int | None = None
    poll_status: int = 503
    expires_seconds: float | None = None

    @property
    def text(self) -> str:
        """The canonical spelling, e.g. `fail=internal_error; error_at=40; slow=2s`."""
        terms: list[str] = []
        if self.fail is not None:
            terms.append(f"fail={self.fail.value}")
        if self.fail_at is not None:
            terms.append(f"error_at={self.fail_at}")
        if self.cancel_at is not None:
            terms.append(f"cancel_at={self.cancel_at}")
        if self.queued_seconds is not None:
            terms.append(f"queued={_seconds(self.queued_seconds)}")
        if self.slow_seconds is not None:
            terms.append(f"slow={_seconds(self.slow_seconds)}")
        if self.rate_limit is not None:
            terms.append(f"rate_limit={self.rate_limit}x@{self.retry_after_seconds}s")
        if self.poll_errors is not None:
            terms.append(f"poll_errors={self.poll_errors}x{self.poll_status}")
        if self.expires_seconds is not None:
            terms.append(f"expires={_seconds(self.expires_seconds)}")
        return "; ".join(terms)

    @property
    def refused_at_creation(self) -> bool:
        return self.fail is FailReason.INPUT_MODERATION

    @property
    def outcome_at(self) -> int | None:
        """The progress at which the run ends early (failure or cancellation); 100: after."""
        if self.cancel_at is not None:
            return self.cancel_at
        if self.fail is not None and not self.refused_at_creation:
            return 100 if self.fail_at is None else self.fail_at
        return None


def _seconds(value: float) -> str:
    return f"{value:g}s"


def parse_scenario(text: str) -> Scenario | None:
    """Parse a scenario; None when it has no terms. Raises `ScenarioError` naming the bad term."""
    values: dict[str, object] = {}
    seen: dict[str, str] = {}
    for raw in text.split(";"):
        term = raw.strip()
        if not term:
            continue
        name, has_value, value = (part.strip() for part in term.partition("="))
        name = name.lower()
        if name in seen or (name == "expired" and "expires" in seen):
            raise ScenarioError(term, f"'{name}' appears twice")
        parse = _TERMS.get(name)
        if parse is None:
            raise ScenarioError(term, f"unknown term; known terms: {', '.join(_TERMS)}")
        if name == "expired":
            if has_value:
                raise ScenarioError(term, "'expired' takes no value (or write expires=DURATION)")
        elif not value:
            raise ScenarioError(term, f"'{name}' needs a value, e.g. {_EXAMPLES[name]}")
        values.update(parse(term, value))
        seen[name if name != "expired" else "expires"] = term
    if not seen:
        return None
    if "error_at" in seen and "fail" not in seen:
        values["fail"] = FailReason.INTERNAL_ERROR  # error_at alone: an internal error
    scenario = Scenario.model_validate(values)
    _check_combination(scenario, seen)
    return scenario


def _check_combination(scenario: Scenario, seen: dict[str, str]) -> None:
    """Terms that contradict each other are refused rather than silently ignored."""
    if scenario.refused_at_creation:
        for name in ("error_at", "cancel_at", "slow", "queued", "expires"):
            if name in seen:
                raise ScenarioError(
                    seen[name], "fail=input_moderation refuses the job when it is created"
                )
    if scenario.cancel_at is not None and ("fail" in seen or "error_at" in seen):
        raise ScenarioError(seen["cancel_at"], "a job cannot both fail and be cancelled")
    if scenario.expires_seconds is not None and scenario.outcome_at is not None:
        raise ScenarioError(seen["expires"], "only completed jobs have content to expire")


def _duration(term: str, value: str) -> float:
    match = _DURATION.match(value.strip().lower())
    if match is None:
        raise ScenarioError(term, "expected a duration such as 500ms, 2s or 1.5m")
    seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if seconds > _MAX_SECONDS:
        raise ScenarioError(term, f"at most {_MAX_SECONDS:g} seconds")
    return seconds


def _percent(term: str, value: str) -> int:
    match = _PERCENT.match(value.strip())
    if match is None or int(match.group(1)) > 100:
        raise ScenarioError(term, "expected a progress percentage from 0 to 100")
    return int(match.group(1))


def _count(term: str, digits: str) -> int:
    count = int(digits)
    if not 1 <= count <= _MAX_COUNT:
        raise ScenarioError(term, f"the count must be from 1 to {_MAX_COUNT}")
    return count


def _fail(term: str, value: str) -> dict[str, object]:
    try:
        return {"fail": FailReason(value.lower())}
    except ValueError:
        known = ", ".join(reason.value for reason in FailReason)
        raise ScenarioError(term, f"unknown reason; known reasons: {known}") from None


def _rate_limit(term: str, value: str) -> dict[str, object]:
    match = _RATE_LIMIT.match(value.lower())
    if match is None:
        raise ScenarioError(term, "expected COUNTx[@DURATION], e.g. 3x@2s")
    result: dict[str, object] = {"rate_limit": _count(term, match.group(1))}
    if match.group(2):
        result["retry_after_seconds"] = max(1, math.ceil(_duration(term, match.group(2))))
    return result


def _poll_errors(term: str, value: str) -> dict[str, object]:
    match = _POLL_ERRORS.match(value.lower())
    if match is None:
        raise ScenarioError(term, "expected COUNTx[STATUS], e.g. 2x503")
    result: dict[str, object] = {"poll_errors": _count(term, match.group(1) or match.group(3))}
    if match.group(2):
        status = int(match.group(2))
        if status not in POLL_STATUSES:
            allowed = ", ".join(str(code) for code in POLL_STATUSES)
            raise ScenarioError(term, f"the status must be one of {allowed}")
        result["poll_status"] = status
    return result


_TERMS = {
    "fail": _fail,
    "error_at": lambda term, value: {"fail_at": _percent(term, value)},
    "cancel_at": lambda term, value: {"cancel_at": _percent(term, value)},
    "queued": lambda term, value: {"queued_seconds": _duration(term, value)},
    "slow": lambda term, value: {"slow_seconds": _duration(term, value)},
    "rate_limit": _rate_limit,
    "poll_errors": _poll_errors,
    "expires": lambda term, value: {"expires_seconds": _duration(term, value)},
    "expired": lambda _term, _value: {"expires_seconds": 0.0},
}
_EXAMPLES = {
    "fail": "fail=output_moderation",
    "error_at": "error_at=40",
    "cancel_at": "cancel_at=50",
    "queued": "queued=5s",
    "slow": "slow=30s",
    "rate_limit": "rate_limit=3x@2s",
    "poll_errors": "poll_errors=2x503",
    "expires": "expires=10s",
}
