"""Ruled tables of a PDF page: the grids its drawn borders make, with merged cells (pure).

A table drawn with borders (a notice's 管制路段 table, a form) is read by its rules, not by the gaps between
words: a cell whose text wraps over three lines (人民路（解放路至建设路之间的全部路段）) is one cell, and a cell
merged down over several rows (类别 主干道 beside two roads) belongs to each of them. Horizontal and vertical
rules that touch make a frame; its rules' positions cut it into slots; a slot whose border with its neighbour
is not drawn is merged with it. A frame needs two columns and two rows, or, boxed and ruled between its rows
only, three rows (its columns are then told by where no character stands: see :func:`split_columns`): a box
round a paragraph (专栏) is not a table, and a table ruled only above and below (三线表) is left to the line reader
(:mod:`index.tables`).
"""
from __future__ import annotations

from dataclasses import dataclass

from index.pdf_reader import Rule

SNAP = 2.0  # rules this close (PDF points) are one line; a rule reaching this close to another touches it
MIN_COLUMNS = 2
MIN_ROWS = 2
BOXED_ROWS = 3  # a box ruled between its rows only (主要指标 | 目标 with no rule between the columns) needs this many
ROW_RULED_GAP = 60.0  # rules alone (no vertical ones) this close (PDF points, about three lines) rule a table's rows


@dataclass(frozen=True)
class Stroke:
    """A rule as a line: ``at`` its position across (y of a horizontal one, x of a vertical one), from ``lo``
    to ``hi`` along it."""

    at: float
    lo: float
    hi: float

    def covers(self, x: float) -> bool:
        """The stroke runs past position ``x`` along it."""
        return self.lo - SNAP <= x <= self.hi + SNAP


@dataclass(frozen=True)
class Frame:
    """A ruled table's geometry: its column edges ``xs`` and row edges ``ys`` (ascending) and, per slot
    (row, column), the id of the cell it belongs to (merged slots share one)."""

    xs: tuple[float, ...]
    ys: tuple[float, ...]
    cells: tuple[tuple[int, ...], ...]

    @property
    def box(self) -> tuple[float, float, float, float]:
        """x0, top, x1, bottom."""
        return self.xs[0], self.ys[0], self.xs[-1], self.ys[-1]

    def contains(self, x: float, y: float) -> bool:
        """The point lies inside the frame."""
        return self.xs[0] <= x <= self.xs[-1] and self.ys[0] <= y <= self.ys[-1]

    def slot_of(self, x: float, y: float) -> tuple[int, int]:
        """The (row, column) slot a point inside the frame falls in."""
        return _band(self.ys, y), _band(self.xs, x)


def frames(rules: tuple[Rule, ...] | list[Rule]) -> list[Frame]:
    """The ruled tables among a page's rules, top to bottom."""
    horizontal = _merged([Stroke((r.top + r.bottom) / 2, r.x0, r.x1) for r in rules if r.horizontal])
    vertical = _merged([Stroke((r.x0 + r.x1) / 2, r.top, r.bottom) for r in rules if not r.horizontal])
    groups = _touching(horizontal, vertical)
    out = [f for group in groups if (f := _frame(*group)) is not None]
    out += _row_ruled([g[0][0] for g in groups if not g[1] and len(g[0]) == 1])
    return sorted(out, key=lambda f: f.ys[0])


def _row_ruled(strokes: list[Stroke]) -> list[Frame]:
    """Tables ruled between their rows only, with no vertical rule (a 主要指标 | 目标 table): BOXED_ROWS + 1 or more
    horizontal rules alone, of one extent, each row at most ROW_RULED_GAP high; one column each (see
    split_columns)."""
    by_extent: dict[tuple[int, int], list[Stroke]] = {}
    for s in strokes:
        by_extent.setdefault((round(s.lo / SNAP), round(s.hi / SNAP)), []).append(s)
    out = []
    for same in by_extent.values():
        lo, hi = min(s.lo for s in same), max(s.hi for s in same)
        ys = sorted(s.at for s in same)
        run = [ys[0]]
        for y in ys[1:] + [float("inf")]:
            if y - run[-1] <= ROW_RULED_GAP:
                run.append(y)
                continue
            if len(run) >= BOXED_ROWS + 1:
                out.append(Frame((lo, hi), tuple(run), tuple((r,) for r in range(len(run) - 1))))
            run = [y]
    return out


def _merged(strokes: list[Stroke]) -> list[Stroke]:
    """Strokes on one line that meet or overlap joined into one (a border drawn cell by cell)."""
    out: list[Stroke] = []
    for s in sorted(strokes, key=lambda s: (round(s.at / SNAP), s.lo)):
        last = out[-1] if out else None
        if last is not None and abs(last.at - s.at) <= SNAP and s.lo <= last.hi + SNAP:
            out[-1] = Stroke(last.at, last.lo, max(last.hi, s.hi))
        else:
            out.append(s)
    return out


def _touching(horizontal: list[Stroke], vertical: list[Stroke]) -> list[tuple[list[Stroke], list[Stroke]]]:
    """Groups of horizontal and vertical strokes connected by crossings or touching ends."""
    parent = list(range(len(horizontal) + len(vertical)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, h in enumerate(horizontal):
        for j, v in enumerate(vertical):
            if h.covers(v.at) and v.covers(h.at):
                parent[root(i)] = root(len(horizontal) + j)
    groups: dict[int, tuple[list[Stroke], list[Stroke]]] = {}
    for i, h in enumerate(horizontal):
        groups.setdefault(root(i), ([], []))[0].append(h)
    for j, v in enumerate(vertical):
        groups.setdefault(root(len(horizontal) + j), ([], []))[1].append(v)
    return list(groups.values())


def _frame(horizontal: list[Stroke], vertical: list[Stroke]) -> Frame | None:
    """The frame of one group of strokes, or None when it is no table (fewer than two columns or rows)."""
    xs, ys = _edges([v.at for v in vertical]), _edges([h.at for h in horizontal])
    boxed_rows = len(xs) == 2 and len(ys) >= BOXED_ROWS + 1  # columns not ruled: told by the text (index.layout)
    if (len(xs) < MIN_COLUMNS + 1 and not boxed_rows) or len(ys) < MIN_ROWS + 1:
        return None
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    cell = [[r * n_cols + c for c in range(n_cols)] for r in range(n_rows)]

    def drawn(strokes: list[Stroke], at: float, middle: float) -> bool:
        return any(abs(s.at - at) <= SNAP and s.covers(middle) for s in strokes)

    def join(a: int, b: int) -> None:
        old, new = max(a, b), min(a, b)
        for row in cell:
            row[:] = [new if x == old else x for x in row]

    for r in range(n_rows):
        middle_y = (ys[r] + ys[r + 1]) / 2
        for c in range(n_cols - 1):  # no rule between two slots of a row: one cell across them
            if not drawn(vertical, xs[c + 1], middle_y):
                join(cell[r][c], cell[r][c + 1])
    for r in range(n_rows - 1):
        for c in range(n_cols):  # no rule between a slot and the one under it: one cell down them
            if not drawn(horizontal, ys[r + 1], (xs[c] + xs[c + 1]) / 2):
                join(cell[r][c], cell[r + 1][c])
    return Frame(tuple(xs), tuple(ys), tuple(tuple(row) for row in cell))


def _edges(positions: list[float]) -> list[float]:
    """Positions within SNAP of each other as one (their mean), ascending."""
    out: list[list[float]] = []
    for p in sorted(positions):
        if out and p - out[-1][-1] <= SNAP:
            out[-1].append(p)
        else:
            out.append([p])
    return [sum(g) / len(g) for g in out]


def _band(edges: tuple[float, ...], v: float) -> int:
    """The index of the band between two edges that ``v`` falls in."""
    for i in range(len(edges) - 1):
        if v < edges[i + 1]:
            return i
    return len(edges) - 2


def split_columns(frame: Frame, spans: list[tuple[float, float]], size: float) -> Frame | None:
    """A frame of one column (boxed, ruled between its rows only) cut into columns where no character stands in
    any row — a gap at least ``size`` wide in the union of the characters' spans (x0, x1) —, or None when there
    is none (a box of running text)."""
    cuts: list[float] = []
    right = None
    for x0, x1 in sorted(spans):
        if right is not None and x0 - right >= size:
            cuts.append((right + x0) / 2)
        right = x1 if right is None else max(right, x1)
    if not cuts:
        return None
    xs = (frame.xs[0], *cuts, frame.xs[-1])
    n = len(xs) - 1
    return Frame(xs, frame.ys, tuple(tuple(r * n + c for c in range(n)) for r in range(len(frame.ys) - 1)))
