"""A PDF's cleaned lines turned into blocks: paragraphs rebuilt by geometry, headings, tables as rows (pure).

A line continues the paragraph above it unless the geometry says otherwise: the line above stopped short of
the text column's right edge, this line is indented (a first-line indent), the font size changes, the gap
above is wider than the line spacing, or this line opens a heading, an article (第X条 …), a list item
(（一）…) or a table. A paragraph runs across a page break when the last line of a page is full and the first
line of the next is not indented; it then has boxes on both pages.

Headings are lines of their own that a numbering convention marks (index.headings) — a numbered line running
to the right edge is the first line of a paragraph with a run-in head (（一）指导思想。坚持…) — or short centred
lines set larger than the body text. The table of contents (目录 and the heading lines after it, up to the first
heading that comes again) is not content. A table drawn with borders is read by its rules (index.ruled), cell
by cell, and goes on over the next pages as long as a table as wide opens them (the header it repeats read once).
Any other table starts at its title line (表3 …) and runs while lines have several cells or a smaller font; a
table cut by a page break goes on with the same header.
"""
from __future__ import annotations

import re
import statistics
from collections import Counter

from index.documents import Block, Box
from index.furniture import body_size, naming_run
from index.headings import (ARTICLE_RE, DATE_LINE_RE, DOCUMENT_TITLE_RE, FIGURE_TITLE_RE, LIST_ITEM_RE, RUN_IN_LEVELS,
                            TABLE_TITLE_RE, TOC_RE, ends_sentence, heading_level, is_mark_line, is_statute)
from index.layout import Line
from index.tables import UNIT_LINE_RE, Row, grid_rows, is_number, line_rows, row_blocks, words_in_columns
from textutil import join_lines, squash

INDENT = 0.8  # a line starting this many font sizes right of the text column's left edge is indented
SHORT = 1.5  # a line ending this many font sizes before the right edge ends its paragraph
CENTRED = 3.0  # a line this many font sizes away from both edges is centred
FIGURE_TABLE_MIN_ROWS = 3  # lines of figures in columns that make a table without a 表N title
LARGER = 1.1  # a heading's font is at least this many times the body's
SMALLER = 0.92  # a table's font is at most this many times the body's
CONTINUED_RE = re.compile(r"^\s*续表\s*\d")  # a table's continuation on the next page, under its number


class Geometry:
    """The text column (left and right edges, per column of a page set in two: see index.layout) and body font
    size of a document's lines."""

    def __init__(self, lines: list[Line]):
        self.size = body_size(lines) or 10.0
        body = [l for l in lines if abs(l.size - self.size) <= 0.15 * self.size] or lines
        self.edges = {c: self._edges([l for l in body if l.column == c] or body) for c in {l.column for l in lines}}
        self.left, self.right = self._edges(body)
        gaps = [b.top - a.bottom for a, b in zip(body, body[1:]) if a.page == b.page and 0 < b.top - a.bottom]
        self.gap = statistics.median(gaps) if gaps else self.size

    def edges_of(self, line: Line) -> tuple[float, float]:
        """The left and right edges of the column the line stands in."""
        return self.edges.get(line.column, (self.left, self.right))

    @staticmethod
    def _edges(body: list[Line]) -> tuple[float, float]:
        lefts = Counter(round(l.x0) for l in body)  # the leftmost start shared by many lines (continuation lines)
        common = [x for x, n in lefts.items() if n >= max(3, 0.05 * len(body))] or list(lefts)
        rights = sorted(l.x1 for l in body)
        return (float(min(common)) if common else 0.0), (rights[int(0.8 * (len(rights) - 1))] if rights else 0.0)

    def indented(self, line: Line, prev: Line | None = None) -> bool:
        """Starts right of the column's left edge (a first-line indent, a list item) — and, after ``prev``, is
        not the next line of a paragraph indented as a whole (``prev`` as far right and not ending a sentence)."""
        if line.x0 <= self.edges_of(line)[0] + INDENT * line.size:
            return False
        return prev is None or ends_sentence(prev.text) or line.x0 > prev.x0 + INDENT * line.size

    def short(self, line: Line, *neighbours: Line | None) -> bool:
        """Stops well before the column's right edge — unless a neighbour line (the next one, or the one before)
        is set as far left and right: the lines of a paragraph indented on both sides."""
        for other in neighbours:
            if other is not None and abs(line.x1 - other.x1) < 0.5 * line.size and abs(line.x0 - other.x0) < 0.5 * line.size:
                return False
        return line.x1 < self.edges_of(line)[1] - SHORT * line.size

    def centred(self, line: Line) -> bool:
        """Stands apart from both edges."""
        return line.x0 > self.edges_of(line)[0] + CENTRED * line.size and self.short(line)


def pdf_blocks(lines: list[Line], title: str, title_lines: tuple[Line, ...] = ()) -> tuple[list[Block], Counter]:
    """Blocks of a document's cleaned lines and counts of what was skipped; the title's own lines (``title_lines``,
    or a line that is the whole title) are the title block, not content."""
    skipped: Counter = Counter()
    geo = Geometry([l for l in lines if not l.grid] or lines)
    statute = is_statute([l.text for l in lines])
    lines = _without_toc(lines, statute, skipped)
    blocks: list[Block] = [Block(title, "title")] if title else []
    title_key = squash(title)
    body_started = False
    captions: dict[str, str] = {}  # a table's number → its caption
    i = 0
    while i < len(lines):
        line = lines[i]
        if line in title_lines or (title_key and squash(line.text) == title_key):
            i += 1
            continue
        run = _annex_title(lines, i, geo) if blocks and blocks[-1].level == "annex" else []
        if run:  # 附件 / 安徽省加快推进社区居家养老服务 / 高质量发展实施方案: the annexed document's title
            blocks.append(Block(join_lines([l.text for l in run]), "h1", boxes=tuple(_box(l) for l in run)))
            i += len(run)
            continue
        if line.grid:  # a table drawn with borders, without a 表N title: its caption is the short line above it
            rows, i = _ruled_rows(lines, i)
            blocks += row_blocks(_pop_caption_above(blocks), rows)
            continue
        level = _heading(line, geo, statute, body_started)
        if level:
            prev = blocks[-1] if blocks else None
            if level == "h1" and prev is not None and prev.level in ("h1", "case") and i \
                    and abs(lines[i - 1].size - line.size) <= 0.15 * line.size \
                    and prev.boxes and prev.boxes[-1] == _box(lines[i - 1]):
                blocks[-1] = Block(prev.text + line.text, "h1", boxes=prev.boxes + (_box(line),))  # wrapped
            else:
                blocks.append(Block(line.text, level, boxes=(_box(line),)))
            if blocks[-1].level == "h1" and DOCUMENT_TITLE_RE.search(blocks[-1].text):
                head = blocks.pop()
                above = lines[i - 1] if i else None
                if blocks and above is not None and blocks[-1].level is None and blocks[-1].boxes \
                        and blocks[-1].boxes[-1] == _box(above) and blocks[-1].text == above.text \
                        and not ends_sentence(above.text) \
                        and abs(above.size - line.size) <= 0.15 * line.size:
                    first = blocks.pop()  # 江西省推进数字经济高质量发展 / 实施方案（2024—2026年）: the title's first line
                    head = Block(first.text + head.text, "h1", boxes=first.boxes + head.boxes)
                blocks.append(Block(head.text, "case", boxes=head.boxes))  # a document of its own
            i += 1
            continue
        if TABLE_TITLE_RE.match(line.text) and not ends_sentence(line.text):
            first = i + 1
            caption = captions.get(_table_number(line.text), line.text) if CONTINUED_RE.match(line.text) else line.text
            captions.setdefault(_table_number(line.text), caption)  # 续表2 on the next page: the rows of 表2
            if first < len(lines) and UNIT_LINE_RE.match(lines[first].text):  # 表1 … / 单位：亿元: the title's unit
                caption, first = f"{caption}（{lines[first].text.strip()}）", first + 1
            if first < len(lines) and lines[first].grid:
                rows, i = _ruled_rows(lines, first)
                blocks += row_blocks(caption, rows)
                continue
            end = _table_end(lines, first, geo)
            blocks += row_blocks(caption, line_rows(lines[first:end], _box))
            i = end
            continue
        end = _figure_table_end(lines, i)
        if end > i:  # a table with no 表N title (a budget's 部门支出总表): its caption is the short line above it
            caption = _pop_caption_above(blocks)
            if UNIT_LINE_RE.search(lines[i].text) and len(lines[i].segments) <= 2:
                caption, i = f"{caption}（{lines[i].segments[-1].text.strip()}）", i + 1  # 部门：… 单位：万元
            blocks += row_blocks(caption, line_rows(lines[i:end], _box))
            i = end
            continue
        end = i + 1
        while end < len(lines) and not _breaks(lines[end - 1], lines[end], geo, statute,
                                               lines[end - 2] if end - 2 >= i else None):
            end += 1
        group = lines[i:end]
        kind = "list_item" if LIST_ITEM_RE.match(line.text) and statute else "paragraph"
        blocks.append(Block(join_lines([l.text for l in group]), kind=kind, boxes=tuple(_box(l) for l in group)))
        body_started = body_started or len(group) >= 2
        i = end
    return blocks, skipped


def _heading(line: Line, geo: Geometry, statute: bool, body_started: bool = True) -> str | None:
    """A numbered heading; or, once the body has started, a short centred line set larger than the body (the
    centred lines under the title — issuer, date, 文号 — are not headings, nor are figure captions)."""
    level = heading_level(line.text, statute)
    if level in RUN_IN_LEVELS and not geo.short(line):
        return None  # （一）指导思想。坚持… running to the right edge: a paragraph's first line, not a heading
    if level:
        return level
    t = line.text
    if (body_started and geo.centred(line) and line.size >= LARGER * geo.size and not ends_sentence(t)
            and len(t) <= 40 and not FIGURE_TITLE_RE.match(t) and not DATE_LINE_RE.match(t)):
        return "h1"
    return None


def _opens_block(line: Line, statute: bool) -> bool:
    t = line.text
    return bool((statute and ARTICLE_RE.match(t)) or LIST_ITEM_RE.match(t) or TABLE_TITLE_RE.match(t))


def _breaks(prev: Line, line: Line, geo: Geometry, statute: bool, before: Line | None = None) -> bool:
    """Does ``line`` start a new block after ``prev`` (and ``before``, the line above it in the same block)?"""
    if line.grid or prev.grid or _heading(line, geo, statute) or _heading(prev, geo, statute):
        return True
    if abs(prev.size - line.size) > 0.2 * geo.size:
        return True
    if is_mark_line(prev.text) or is_mark_line(line.text):
        return True  # a 文号 or a signature's date stands alone (never runs on into the next page's title)
    if _wrapped_before_figure(prev, line, geo):
        return False  # …各项贷款余额 / 3087.92亿元，…: a long figure that did not fit moved to the next line
    if _open_bracket(prev.text) and "）" in line.text.replace(")", "）"):
        return False  # （2024年11月28日…常务委员会 / 第十一次会议通过）: one note, set as two centred lines
    if geo.short(prev, line, before) or geo.indented(line, prev) or geo.centred(prev):
        return True
    if _opens_block(line, statute) and (ends_sentence(prev.text) or prev.text.endswith(("：", ":"))
                                        or geo.indented(line)):
        return True
    return prev.page == line.page and line.top - prev.bottom > max(geo.gap * 1.8, 0.6 * geo.size)


def _wrapped_before_figure(prev: Line, line: Line, geo: Geometry) -> bool:
    """``line`` opens with a figure and ``prev`` — most of the column wide, ending mid-sentence — stopped short
    only because that figure would not fit after it."""
    left, right = geo.edges_of(prev)
    return (bool(re.match(r"\d", line.text)) and not ends_sentence(prev.text) and not prev.text.endswith(("：", ":"))
            and prev.x1 - left >= 0.75 * (right - left) and not geo.indented(line, prev))


def _annex_title(lines: list[Line], start: int, geo: Geometry) -> list[Line]:
    """The centred lines right under an annex's heading that name a document (…实施方案, …办法): its title, even
    when set no larger than the text (see index.furniture.naming_run)."""
    return naming_run(lines[start:start + 3], lambda l: geo.centred(l) and not l.grid)


def _pop_caption_above(blocks: list[Block]) -> str:
    """The short paragraph right above a table without a 表N title, taken off the blocks as its caption (部门支出
    总表, 交通管制路段一览); '' when the block above is no such line."""
    prev = blocks[-1] if blocks else None
    if prev is None or prev.level or prev.kind != "paragraph" or len(prev.text) > 40 or ends_sentence(prev.text):
        return ""
    blocks.pop()
    return prev.text


def _ruled_rows(lines: list[Line], start: int) -> tuple[list[Row], int]:
    """The rows of the ruled table at ``start`` (see index.tables.grid_rows), with its continuations on the next
    pages (a table as wide, first on its page; the header it repeats there read once); and the index after it."""
    grid: list[list[str]] = []
    boxes: list[tuple[Box, ...]] = []
    insets: list[float] = []
    end = start
    while end < len(lines) and lines[end].grid and (end == start or _continues(lines[end - 1], lines[end])):
        line = lines[end]
        rows = [list(r) for r in line.grid]
        row_boxes = [(Box(line.page, line.x0, top, line.x1, bottom),)
                     for top, bottom in zip(line.row_edges, line.row_edges[1:])]
        skip = 0  # the header rows it repeats
        while grid and skip < min(len(rows), len(grid)) and rows[skip] == grid[skip]:
            skip += 1
        grid += rows[skip:]
        boxes += row_boxes[skip:]
        insets += line.insets[skip:]
        end += 1
    return grid_rows(grid, boxes, insets), end


def _continues(prev: Line, line: Line) -> bool:
    """A ruled table goes on from the one before: on a later page, with as many columns."""
    return line.page > prev.page and len(line.grid[0]) == len(prev.grid[0])


def _table_number(caption: str) -> str:
    """表2 of '表2 2024年…' and of '续表2'."""
    m = re.match(r"^(?:续)?表\s*(\d+(?:[-－.]\d+)?)", caption.strip())
    return m.group(1) if m else caption


def _open_bracket(text: str) -> bool:
    """The text opens a bracket it does not close."""
    t = text.replace("(", "（").replace(")", "）")
    return t.count("（") > t.count("）")


def _table_end(lines: list[Line], start: int, geo: Geometry) -> int:
    """Index after the last line of a table whose first line (after its title) is ``start``."""
    end = start
    while end < len(lines):
        line = lines[end]
        several, small = len(line.segments) >= 2, line.size <= SMALLER * geo.size
        if not (several or small) or TABLE_TITLE_RE.match(line.text):
            break
        if heading_level(line.text) and not small and not several:
            break
        if len(line.segments) == 1 and not is_number(line.text) and len(line.text) > 30:
            break
        end += 1
    return end


def _figure_table_end(lines: list[Line], start: int) -> int:
    """Index after a table that opens at ``start`` without a 表N title: up to three header lines (columns of
    words, no figures), then three or more lines of figures set in columns (two under a header); ``start`` when
    there is none."""
    j = start
    while j < len(lines) and j - start < 3 and _header_like(lines[j]):
        j += 1
    k = j
    while k < len(lines) and _figure_line(lines[k]):
        k += 1
    rows = [l for l in lines[j:k] if sum(is_number(t) for t in l.text.split()) >= 2]
    return k if len(rows) >= FIGURE_TABLE_MIN_ROWS or (j > start and len(rows) >= 2) else start


def _figure_line(line: Line) -> bool:
    """A table row of figures: cells in columns, figures among them, few words (205 教育支出 172,813.72 …)."""
    tokens = line.text.split()
    figures = sum(is_number(t) for t in tokens)
    return len(line.segments) >= 2 and figures >= 1 and len(tokens) - figures <= 3 and not ends_sentence(line.text)


def _header_like(line: Line) -> bool:
    """A table's header line: words in columns (科目编码 科目名称 合计 …), or one short centred word (基本支出)."""
    short_word = len(line.segments) == 1 and len(line.text) <= 8 and not any(is_number(t) for t in line.text.split())
    return ((words_in_columns(line) or short_word) and not ends_sentence(line.text) and len(line.text) <= 80
            and not heading_level(line.text))


def _without_toc(lines: list[Line], statute: bool, skipped: Counter) -> list[Line]:
    """Lines without the table of contents: 目录 and the heading lines after it, up to the first that recurs."""
    start = next((i for i, l in enumerate(lines) if TOC_RE.match(l.text)), None)
    if start is None:
        return lines
    end = start + 1
    seen: set[str] = set()
    while end < len(lines):
        key = squash(re.sub(r"[.…·\s]*\d+$", "", lines[end].text))
        if key in seen or not (heading_level(lines[end].text, statute) or re.search(r"[.…·]{2,}\s*\d+$", lines[end].text)):
            break
        seen.add(key)
        end += 1
    skipped["toc"] += end - start
    return lines[:start] + lines[end:]


def _box(line: Line) -> Box:
    return Box(line.page, line.x0, line.top, line.x1, line.bottom)
