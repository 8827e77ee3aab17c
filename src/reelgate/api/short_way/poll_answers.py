"""Status-poll answers rendered once per change of the job, then sent again as bytes.

Pollers ask for the same job thousands of times between two changes, and rendering it (the dict,
the JSON, the response headers) costs as much as the rest of the request. The store hands out the
very same frozen `Job` object until that job changes (store/recent_jobs.py), so an answer
rendered from that object is still right while the object is: identity decides, not equality,
and costs nothing to check. The renderer must depend on the job and the settings alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from starlette.responses import Response

from reelgate.config import Settings
from reelgate.core.models import Job

_CAPACITY = 10_000


@dataclass(frozen=True)
class _Rendered:
    job: Job
    settings: Settings
    status_code: int
    body: bytes
    raw_headers: tuple[tuple[bytes, bytes], ...]


class PollAnswers:
    def __init__(self, render: Callable[[Job, Settings], Response]) -> None:
        self._render = render
        self._answers: dict[str, _Rendered] = {}

    def response(self, job: Job, settings: Settings) -> Response:
        kept = self._answers.get(job.id)
        if kept is None or kept.job is not job or kept.settings is not settings:
            kept = self._keep(job, settings)
        answer = Response(kept.body, kept.status_code)
        # The rendered headers exactly, in a list of this answer's own: middlewares may add to it.
        answer.raw_headers = list(kept.raw_headers)
        return answer

    def _keep(self, job: Job, settings: Settings) -> _Rendered:
        response = self._render(job, settings)
        rendered = _Rendered(
            job, settings, response.status_code, bytes(response.body), tuple(response.raw_headers)
        )
        if len(self._answers) >= _CAPACITY:
            self._answers.clear()
        self._answers[job.id] = rendered
        return rendered
