"""Visual lines of a PDF page rebuilt from its characters' boxes (pure).

The text layer's own order and line breaks are not trusted (a centred heading often comes out glued to the
last line of the paragraph above it: `实。 一、综 合`): characters are grouped by their vertical centre,
sorted left to right, and cut into *segments* where the gap is wide (table cells, a side bar beside the
text). A gap of a fifth of the font size (half of it between two Chinese characters) becomes a space, which :func:`index.normalize.normalize_line`
then keeps or drops as Chinese typography wants.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass

from index.normalize import normalize_line
from index.pdf_reader import Glyph, PageText

SAME_LINE = 0.45  # glyph centres closer than this many font sizes are on one line
SPACE_GAP = 0.2  # a horizontal gap of this many font sizes is a space (between Latin letters or digits)
CJK_SPACE_GAP = 0.5  # … between two Chinese characters (narrower gaps are the font's own spacing)
SEGMENT_GAP = 1.8  # … and of this many, a new segment (a table cell, a side bar)


@dataclass(frozen=True)
class Segment:
    """A run of a line's characters with no wide gap inside."""

    text: str
    x0: float
    x1: float


@dataclass(frozen=True)
class Line:
    """One visual line of a page: its normalised text, box, font size and segments."""

    page: int
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float
    segments: tuple[Segment, ...]

    @property
    def centre(self) -> float:
        """Vertical centre."""
        return (self.top + self.bottom) / 2


def page_lines(page: PageText) -> list[Line]:
    """The page's lines, top to bottom."""
    glyphs = [g for g in page.glyphs if not g.ch.isspace() and g.x1 > g.x0 and g.bottom > g.top]
    rows: list[list[Glyph]] = []
    for g in sorted(glyphs, key=lambda g: (g.top + g.bottom) / 2):
        c = (g.top + g.bottom) / 2
        if rows:
            last = rows[-1]
            lc = statistics.fmean((x.top + x.bottom) / 2 for x in last[-8:])
            size = max(g.height, statistics.median(x.height for x in last[-8:]))
            if abs(c - lc) <= SAME_LINE * size:
                last.append(g)
                continue
        rows.append([g])
    return [line for row in rows if (line := _line(page.number, sorted(row, key=lambda g: g.x0))) is not None]


def _line(page: int, glyphs: list[Glyph]) -> Line | None:
    size = statistics.median(g.height for g in glyphs)
    segments, run, text = [], [glyphs[0]], glyphs[0].ch
    for prev, g in zip(glyphs, glyphs[1:]):
        gap = g.x0 - prev.x1
        if gap > SEGMENT_GAP * size:
            segments.append(_segment(text, run))
            run, text = [g], g.ch
            continue
        if gap > (CJK_SPACE_GAP if wide(prev.ch) and wide(g.ch) else SPACE_GAP) * size:
            text += " "
        run.append(g)
        text += g.ch
    segments.append(_segment(text, run))
    segments = [s for s in segments if s.text]
    if not segments:
        return None
    return Line(page, normalize_line(" ".join(s.text for s in segments)), glyphs[0].x0, min(g.top for g in glyphs),
                max(g.x1 for g in glyphs), max(g.bottom for g in glyphs), size, tuple(segments))


def wide(ch: str) -> bool:
    """A full-width character: Chinese, Japanese, Korean, their punctuation and the full-width forms."""
    return ord(ch) >= 0x2E80


def _segment(text: str, run: list[Glyph]) -> Segment:
    return Segment(normalize_line(text), run[0].x0, max(g.x1 for g in run))
