"""Caption layout costs a bounded amount of work for every prompt a dialect accepts.

Work is counted, not timed: every width measurement is a call to the font's `getlength`, whose
cost grows with the characters measured. The bound holds for the longest allowed prompt (32,000
characters) of one word, CJK, emoji, right-to-left, control and combining characters.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import ImageFont

from reelgate.core.models import ImageFamily, ImageOperation
from reelgate.providers.base import ImageTask
from reelgate.providers.preview import render
from reelgate.providers.preview.caption_layout import (
    CAPTION_CHARS_LAID_OUT,
    ELLIPSIS,
    MAX_CAPTION_LINES,
    wrap_caption,
)
from reelgate.providers.preview.image import PreviewImageProvider

MAX_PROMPT_CHARS = 32_000  # OpenAI videos and images, Azure video jobs
# A caption's measurements: a binary search per line and one for the ellipsis, each of at most
# CAPTION_CHARS_LAID_OUT characters, plus one measurement per drawn line.
MEASURE_CALLS_BUDGET = (MAX_CAPTION_LINES + 1) * 14 + 2 * MAX_CAPTION_LINES
MEASURED_CHARS_BUDGET = MEASURE_CALLS_BUDGET * (CAPTION_CHARS_LAID_OUT + 1)

_ALPHABETS = {
    "latin": "abcdefghijklmnopqrstuvwxyz",
    "cjk": "漢字仮名交じり文中文字符한국어",
    "emoji": "😀🎬🌊🚀👩‍👩‍👧🏳️‍🌈",
    "rtl": "שלוםעולםمرحبابالعالم",
    "control": "".join(chr(c) for c in (*range(32), 127, 0x85, 0x200B, 0x200E, 0x202E, 0xFEFF)),
    "combining": "e\u0301\u0302\u0303\u0308\u0323\u0338",
    "url": "https://example.com/a?b=c&d=%20#frag",
    "base64": "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=+/",
    "space": " ",
}

# A prompt is runs of one alphabet repeated, so it can reach the maximum length quickly.
_runs = st.lists(
    st.tuples(
        st.sampled_from(sorted(_ALPHABETS)),
        st.integers(min_value=1, max_value=MAX_PROMPT_CHARS),
    ),
    min_size=1,
    max_size=6,
)


def _prompt(runs: list[tuple[str, int]]) -> str:
    text = "".join(
        (_ALPHABETS[name] * (count // len(_ALPHABETS[name]) + 1))[:count] for name, count in runs
    )
    return text[:MAX_PROMPT_CHARS]


class _CountingFont:
    """Counts what `getlength` is asked to measure and stops a runaway layout early."""

    def __init__(self, font: Any) -> None:
        self.font = font
        self.calls = 0
        self.chars = 0

    def getlength(self, text: str, *args: Any, **kwargs: Any) -> float:
        self.calls += 1
        self.chars += len(text)
        if self.calls > MEASURE_CALLS_BUDGET or self.chars > MEASURED_CHARS_BUDGET:
            raise AssertionError(
                f"layout exceeded its budget: {self.calls} calls, {self.chars} chars"
            )
        return self.font.getlength(text, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.font, name)


@pytest.fixture
def counting_fonts(monkeypatch: pytest.MonkeyPatch) -> list[_CountingFont]:
    """Every font the caption code loads, wrapped so its measurements are counted."""
    made: list[_CountingFont] = []
    load_default = ImageFont.load_default

    def counted(size: float | None = None) -> Any:
        made.append(_CountingFont(load_default(size=size)))
        return made[-1]

    monkeypatch.setattr(render.ImageFont, "load_default", counted)
    return made


@given(runs=_runs, size=st.integers(min_value=9, max_value=97))
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_caption_stamps_measure_a_bounded_amount(
    counting_fonts: list[_CountingFont], runs: list[tuple[str, int]], size: int
) -> None:
    counting_fonts.clear()
    stamp = render._caption_stamp(_prompt(runs), size, round(size / 0.045 * 3 * 0.88))
    assert stamp.width > 0 and stamp.height > 0
    (font,) = counting_fonts
    assert font.calls <= MEASURE_CALLS_BUDGET and font.chars <= MEASURED_CHARS_BUDGET


@given(runs=_runs, width=st.integers(min_value=1, max_value=3000))
@settings(max_examples=150, deadline=None)
def test_wrapped_lines_fit_and_say_when_text_was_cut(
    runs: list[tuple[str, int]], width: int
) -> None:
    font = ImageFont.load_default(size=20)
    text = _prompt(runs)
    lines = wrap_caption(text, font.getlength, width)
    assert 1 <= len(lines) <= MAX_CAPTION_LINES
    for line in lines:  # a line wider than `width` is at most one character (plus the ellipsis)
        assert font.getlength(line) <= width or len(line.removesuffix(ELLIPSIS)) <= 1
    shown = "".join(line.removesuffix(ELLIPSIS) for line in lines).replace(" ", "")
    everything = "".join(text.split())
    assert everything.startswith(shown)
    assert lines[-1].endswith(ELLIPSIS) == (shown != everything)


def test_the_longest_one_word_prompt_is_cut_with_an_ellipsis() -> None:
    font = ImageFont.load_default(size=40)
    lines = wrap_caption("x" * MAX_PROMPT_CHARS, font.getlength, 1100)
    assert len(lines) == MAX_CAPTION_LINES and lines[-1].endswith(ELLIPSIS)
    assert all(font.getlength(line) <= 1100 for line in lines)


@given(runs=_runs)
@settings(max_examples=12, deadline=None)
def test_pictures_with_any_prompt_complete(
    tmp_path_factory: pytest.TempPathFactory, runs: list[tuple[str, int]]
) -> None:
    workdir: Path = tmp_path_factory.mktemp("picture")
    task = ImageTask(
        job_id="img_property",
        prompt=_prompt(runs),
        family=ImageFamily.GPT_IMAGE_1,
        operation=ImageOperation.GENERATE,
        width=256,
        height=256,
        n=1,
        quality="low",
        output_format="png",
        output_compression=100,
        background="opaque",
    )
    (picture,) = PreviewImageProvider().generate_images(task, workdir)
    assert picture.path.stat().st_size > 0
