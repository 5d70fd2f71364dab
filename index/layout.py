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
from dataclasses import replace as dc_replace

from index.normalize import normalize_line
from index.pdf_reader import Glyph, PageText

SAME_LINE = 0.45  # glyph centres closer than this many font sizes are on one line
SPACE_GAP = 0.2  # a horizontal gap of this many font sizes is a space (between Latin letters or digits)
CJK_SPACE_GAP = 0.5  # … between two Chinese characters (narrower gaps are the font's own spacing)
SEGMENT_GAP = 1.8  # … and of this many, a new segment (a table cell, a side bar)
COLUMN_LINES = 0.3  # a column: text beside the gutter on at least this share of the page's lines
COLUMN_CROSSING = 0.15  # … which at most this share of them crosses (a title, a wide table)


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
    column: int = 0  # on a page set in two columns: 1 left, 2 right (0: the page's whole width)

    @property
    def centre(self) -> float:
        """Vertical centre."""
        return (self.top + self.bottom) / 2


def page_lines(page: PageText) -> list[Line]:
    """The page's lines in reading order: top to bottom, and on a page set in two columns (see :func:`gutter`) the
    left column's lines before the right one's, between the lines that span both (a title, a wide table)."""
    glyphs = [g for g in page.glyphs if not g.ch.isspace() and g.x1 > g.x0 and g.bottom > g.top]
    lines = _rows(page.number, glyphs)
    x = gutter(lines, page.width)
    if x is None:
        return lines
    spanning = [l for l in lines if any(s.x0 < x < s.x1 for s in l.segments)]
    cuts = [l.top for l in spanning]
    out: list[Line] = []
    for lo, hi in zip([float("-inf"), *cuts], [*cuts, float("inf")]):  # the bands between spanning lines
        band = [g for g in glyphs if lo <= (g.top + g.bottom) / 2 < hi
                and not any(l.top <= (g.top + g.bottom) / 2 <= l.bottom for l in spanning)]
        out += [dc_replace(l, column=1) for l in _rows(page.number, [g for g in band if (g.x0 + g.x1) / 2 < x])]
        out += [dc_replace(l, column=2) for l in _rows(page.number, [g for g in band if (g.x0 + g.x1) / 2 >= x])]
        out += [l for l in spanning if l.top == hi]
    return out


def gutter(lines: list[Line], width: float) -> float | None:
    """The x of the gap between two columns of text, or None for a page in one column: a vertical line in the
    middle third of the page that no segment crosses and with lines of text on both sides — at least
    COLUMN_LINES of the page's lines beside it on each side, most of them text (Chinese characters), not a
    table's cells of figures."""
    if width <= 0 or len(lines) < 8:
        return None
    best = None
    for x in [width * (0.33 + 0.01 * k) for k in range(35)]:
        if sum(any(s.x0 < x < s.x1 for s in l.segments) for l in lines) > COLUMN_CROSSING * len(lines):
            continue
        left = [s for l in lines for s in l.segments if s.x1 <= x]
        right = [s for l in lines for s in l.segments if s.x0 >= x]
        if all(_text_side(side, lines, width) for side in (left, right)):
            n = len(left) + len(right)
            best = (n, x) if best is None or n > best[0] else best
    return best[1] if best else None


def _text_side(segments: list[Segment], lines: list[Line], width: float) -> bool:
    """Segments enough for a column (COLUMN_LINES of the lines), half their characters or more in wide runs of Chinese
    text (a table's cells are short)."""
    wide_text = [s for s in segments if s.x1 - s.x0 >= 0.25 * width and sum(map(wide, s.text)) >= 0.5 * len(s.text)]
    chars = sum(len(s.text) for s in segments)
    return len(segments) >= COLUMN_LINES * len(lines) and sum(len(s.text) for s in wide_text) >= 0.5 * chars


def _rows(page: int, glyphs: list[Glyph]) -> list[Line]:
    """Glyphs grouped into lines by their vertical centre, top to bottom."""
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
    return [line for row in rows if (line := _line(page, sorted(row, key=lambda g: g.x0))) is not None]


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
