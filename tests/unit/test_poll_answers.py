"""A poll's answer is rendered once per job object and settings, and sent exactly as rendered."""

from __future__ import annotations

from pathlib import Path

from starlette.responses import JSONResponse, Response

from reelgate.api.short_way.poll_answers import PollAnswers
from reelgate.config import Settings
from reelgate.core.models import Job, VideoSpec


def a_job(progress: int = 0) -> Job:
    spec = VideoSpec(prompt="polled", width=64, height=64, seconds=1)
    return Job(id="video_1", model="m", provider="x", spec=spec, created_at=1, progress=progress)


class CountingRenderer:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, job: Job, settings: Settings) -> Response:
        self.calls += 1
        headers = {"openai-poll-after-ms": str(settings.poll_after_ms)}
        return JSONResponse({"id": job.id, "progress": job.progress}, headers=headers)


def test_the_same_job_object_is_rendered_once(tmp_path: Path):
    render = CountingRenderer()
    answers = PollAnswers(render)
    settings = Settings(data_dir=tmp_path)
    job = a_job()
    first = answers.response(job, settings)
    second = answers.response(job, settings)
    assert render.calls == 1
    expected = render(job, settings)
    for answer in (first, second):
        assert (answer.status_code, answer.body) == (200, expected.body)
        assert answer.raw_headers == expected.raw_headers


def test_a_new_job_object_or_other_settings_are_rendered_again(tmp_path: Path):
    render = CountingRenderer()
    answers = PollAnswers(render)
    settings = Settings(data_dir=tmp_path)
    answers.response(a_job(), settings)
    moved = answers.response(a_job(progress=40), settings)
    assert b'"progress":40' in moved.body
    slower = Settings(data_dir=tmp_path, poll_after_ms=2000)
    assert answers.response(a_job(progress=40), slower).headers["openai-poll-after-ms"] == "2000"
    assert render.calls == 3


def test_headers_added_to_one_answer_stay_out_of_the_next(tmp_path: Path):
    answers = PollAnswers(CountingRenderer())
    settings = Settings(data_dir=tmp_path)
    job = a_job()
    answers.response(job, settings).raw_headers.append((b"x-added", b"1"))
    assert b"x-added" not in dict(answers.response(job, settings).raw_headers)
