"""Visual lines of a PDF page rebuilt from its characters' boxes (pure).

The text layer's own order and line breaks are not trusted (a centred heading often comes out glued to the
last line of the paragraph above it: `实。 一、综 合`): characters are grouped by their vertical centre,
sorted left to right, and cut into *segments* where the gap is wide (table cells, a side bar beside the
text). A gap of a fifth of the font size (half of it between two Chinese characters) becomes a space, which :func:`index.normalize.normalize_line`
then keeps or drops as Chinese typography wants. A table drawn with borders (:mod:`index.ruled`) is one line of
its own, its cells read from the characters inside each (a cell's wrapped lines joined), in its place on the page.
"""
from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from dataclasses import replace as dc_replace

from index.normalize import normalize_line
from index.pdf_reader import Glyph, PageText
from index.ruled import Frame, frames, split_columns
from textutil import CJK_RE, join_lines

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
    size: float = 0.0  # the font size of its characters (their median height); 0 when not known


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
    grid: tuple[tuple[str, ...], ...] = ()  # a ruled table: its slots' texts row by row (a merged cell in each)
    row_edges: tuple[float, ...] = ()  # … the tops of its rows, then the bottom of the last
    insets: tuple[float, ...] = ()  # … and how far each row's first cell's text stands in from its edge (font sizes)

    @property
    def centre(self) -> float:
        """Vertical centre."""
        return (self.top + self.bottom) / 2


def page_lines(page: PageText) -> list[Line]:
    """The page's lines in reading order: top to bottom, and on a page set in two columns (see :func:`gutter`) the
    left column's lines before the right one's, between the lines that span both (a title, a wide table)."""
    glyphs = [g for g in page.glyphs if not g.ch.isspace() and g.x1 > g.x0 and g.bottom > g.top]
    tables = []
    for frame in frames(page.rules):
        inside = [g for g in glyphs if frame.contains(*_centre(g))]
        outside = [g for g in glyphs if not frame.contains(*_centre(g))]
        table = _table_line(page.number, frame, inside) if inside and not _beside(frame, outside) else None
        if table is not None:
            tables.append(table)
            glyphs = outside
    return _placed(_text_lines(page, glyphs), tables)


def _beside(frame: Frame, glyphs: list[Glyph]) -> bool:
    """Text stands level with the frame's rows, left or right of it: the rules box only some columns of a table
    (周口's 单位 and 产量 between two rules, the product names outside them), not a table of their own."""
    x0, top, x1, bottom = frame.box
    return any(top < _centre(g)[1] < bottom and (g.x1 <= x0 or g.x0 >= x1) for g in glyphs)


def _centre(g: Glyph) -> tuple[float, float]:
    return (g.x0 + g.x1) / 2, (g.top + g.bottom) / 2


def _table_line(page: int, frame: Frame, glyphs: list[Glyph]) -> Line | None:
    """A ruled table as one line: each cell's text is its characters' lines joined. None when a cell holds
    several lines of figures alone: the table's rows are not ruled apart (one slot row holds them all), so the
    frame does not tell its rows."""
    size = statistics.median(g.height for g in glyphs)
    if len(frame.xs) == 2:  # boxed and ruled between its rows only: its columns are where no character stands
        frame = split_columns(frame, [(g.x0, g.x1) for g in glyphs], size)
        if frame is None:
            return None
    by_cell: dict[int, list[Glyph]] = {}
    for g in glyphs:
        r, c = frame.slot_of(*_centre(g))
        by_cell.setdefault(frame.cells[r][c], []).append(g)
    lines = {cell: [l.text for l in _rows(page, gs)] for cell, gs in by_cell.items()}
    if any(len(ls) >= 2 and all(re.search(r"\d", t) and not CJK_RE.search(t) for t in ls) for ls in lines.values()):
        return None
    texts = {cell: join_lines(ls) for cell, ls in lines.items()}
    grid = tuple(tuple(texts.get(cell, "") for cell in row) for row in frame.cells)
    text = " ".join(texts[cell] for cell in dict.fromkeys(c for row in frame.cells for c in row) if cell in texts)
    x0, top, x1, bottom = frame.box
    insets = tuple(_inset(by_cell.get(row[0], []), frame.xs[0], frame.xs[1], size) for row in frame.cells)
    return Line(page, text, x0, top, x1, bottom, size, (Segment(text, x0, x1),), grid=grid, row_edges=frame.ys,
                insets=insets)


def _inset(glyphs: list[Glyph], left: float, right: float, size: float) -> float:
    """How far a first cell's text stands in from the cell's left edge, in font sizes; 0 for an empty cell and for
    text centred in its cell (its place says nothing of the row's rank)."""
    if not glyphs:
        return 0.0
    gap_left, gap_right = min(g.x0 for g in glyphs) - left, right - max(g.x1 for g in glyphs)
    return 0.0 if abs(gap_left - gap_right) < size else gap_left / size


def _placed(lines: list[Line], tables: list[Line]) -> list[Line]:
    """The table lines put in reading order: before the first line below their top in their column."""
    out = list(lines)
    for t in tables:
        column = _column_at(out, (t.x0 + t.x1) / 2)
        at = next((i for i, l in enumerate(out) if l.top >= t.top and not l.grid and l.column in (0, column)),
                  len(out))
        out.insert(at, dc_replace(t, column=column))
    return out


def _column_at(lines: list[Line], x: float) -> int:
    """The column (1, 2) whose lines span ``x`` on a page set in two columns; 0 otherwise."""
    for column in (1, 2):
        same = [l for l in lines if l.column == column]
        if same and min(l.x0 for l in same) <= x <= max(l.x1 for l in same):
            return column
    return 0


def _text_lines(page: PageText, glyphs: list[Glyph]) -> list[Line]:
    """The lines of the page's text outside its ruled tables, in reading order (two columns: see page_lines)."""
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
    return Segment(normalize_line(text), run[0].x0, max(g.x1 for g in run), statistics.median(g.height for g in run))
