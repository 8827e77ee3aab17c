"""Wrap a prompt into the caption's few lines with work bounded by the caption, not the prompt.

A prompt may be 32,000 characters with no space in it (one long word, CJK, a pasted URL). Greedy
wrapping that shortens a word one character at a time measures O(n²) prefixes of O(n) length
each; here each line is found by a binary search over prefix lengths, only the lines that are
shown are laid out, and only the first `CAPTION_CHARS_LAID_OUT` characters are ever measured.
So a caption costs at most about `MAX_CAPTION_LINES * 12` measurements of at most that many
characters, whatever the prompt.
"""

from __future__ import annotations

from collections.abc import Callable

MAX_CAPTION_LINES = 3
# More than three lines of the narrowest glyphs hold at the widest aspect ratio served (3:1):
# a caption line is 0.88 of the width in a font of 0.045 of the short side, so at most ~240
# one-quarter-em glyphs fit on a line.
CAPTION_CHARS_LAID_OUT = 1_000
ELLIPSIS = "…"

Measure = Callable[[str], float]


def wrap_caption(text: str, measure: Measure, width: float) -> list[str]:
    """Greedy word wrap of `text` into at most MAX_CAPTION_LINES lines no wider than `width`
    (as far as single characters allow), the last ending in "…" when the text was cut short."""
    words = " ".join(text.split()) or " "
    shown = words[:CAPTION_CHARS_LAID_OUT]
    rest = shown
    lines: list[str] = []
    while rest and len(lines) < MAX_CAPTION_LINES:
        cut = _longest_fitting_prefix(rest, measure, width)
        if cut < len(rest) and rest[cut] != " ":
            space = rest.rfind(" ", 0, cut)
            if space > 0:  # break between words; a word wider than the line is cut inside
                cut = space
        lines.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or len(shown) < len(words):
        lines[-1] = _with_ellipsis(lines[-1], measure, width)
    return lines


def _longest_fitting_prefix(text: str, measure: Measure, width: float) -> int:
    """The largest n >= 1 such that text[:n] fits (1 when not even one character does)."""
    if measure(text) <= width:
        return len(text)
    low, high = 1, len(text) - 1  # text[:low] is taken even if it does not fit
    while low < high:
        middle = (low + high + 1) // 2
        if measure(text[:middle]) <= width:
            low = middle
        else:
            high = middle - 1
    return low


def _with_ellipsis(line: str, measure: Measure, width: float) -> str:
    """`line` shortened until it and "…" fit together."""
    if measure(line + ELLIPSIS) <= width:
        return line + ELLIPSIS
    low, high = 0, len(line) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if measure(line[:middle].rstrip() + ELLIPSIS) <= width:
            low = middle
        else:
            high = middle - 1
    return line[:low].rstrip() + ELLIPSIS
