"""Tables as rows: every row one paragraph that carries its column headers, whatever the table came from (pure).

A row reads `label：header value，header value`, so a figure is found and cited with what it measures:
`粮食：产量（万吨）902.61，比上年增长（%）-3.2`. A unit column (`单位`) is folded into the figures of the
columns whose header names no unit (`钢材：产量1577693吨，比上年增长（%）48.8`), and so is a unit the title gives the
whole table (`表2 主要农产品产量（单位：吨）` → `粮食：产量2024年248700吨`). The table's title goes into
the row's heading path, not its text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from index.documents import Block, Box
from index.headings import INFO_FIELDS, heading_level
from index.layout import Line, Segment
from textutil import display_width, squash
from zh.dates import BARE_YEAR_RE

# a header's unit: '产量（万吨）' → 万吨, '比重（%）' → %, '增长%' → % (not '指数（以上年为100）': a base, not a unit)
HEADER_UNIT_RE = re.compile(r"^(?P<name>.+?)\s*(?:[（(](?P<unit>[^）)\d以为比同]{1,6})[）)]|(?P<pct>[%‰]))$")
CHILD_MARK_RE = re.compile(r"^(?:其中[：:]|[#＃])\s*")
NUMBER_RE = re.compile(r"^[-−+]?\d[\d,，]*(?:\.\d+)?\s*[%‰]?$|^[-—–…×/]+$")
FORM_SHARE = 0.6  # share of field labels ending with a colon that makes a table of two or four columns a form
INDENT_STEP = 0.5  # a row label set this many font sizes further in than the one above is a part of it
AFTER_TABLE_LEVELS = frozenset({"annex", "part", "chapter", "jie", "section"})  # headings a table's last line can be
UNIT_HEADERS = frozenset({"单位", "计量单位"})
SERIAL_HEADERS = frozenset({"序号", "编号", "序"})
SERIAL_NAME_MAX_CHARS = 30  # a 名称 beside a 序号 this short labels its row
MARK_RE = re.compile(r"^[×✕✗✘√✓✔●○◎★☆▲△■□]$")  # a matrix cell that only marks its row and column
UNIT_LINE_RE = re.compile(r"^\s*单位(?:[：:]|为)\s*\S{1,8}\s*$")  # 单位：亿元, 单位为米: a line of its own under a table's title
TITLE_UNIT_RE = re.compile(r"单位\s*(?:[：:]|为)\s*([^）)\s，,；;]{1,6})")  # （单位：万元）, （单位为米） in a table's title
# a measure with its unit or bound (5.5%左右, 6.5万人以上): a data cell, though no bare figure (a header: 2024年, SF1)
MEASURE_RE = re.compile(r"\d(?:\.\d+)?\s*(?:[%‰万亿]|左右|以上|以内|以下)")
BOUNDED_RE = re.compile(r"^([-−+]?\d[\d,，]*(?:\.\d+)?)\s*(以上|以下|以内|左右|上下)$")  # a figure with its bound: 2.3以上
DIGIT_GROUP_RE = re.compile(r"(?<=\d)[ \u2009\u202f](?=\d{3}(?!\d))")  # 8 215.3: digits grouped by a (thin) space
LABEL_LIKE_RE = re.compile(r"^[\u4e00-\u9fff（）()、]{2,8}$")  # a form's label without a colon: 事项名称, 实施主体
HAS_UNIT_RE = re.compile(r"[（(][^）)]*[）)]|%|‰|百分比|比重|增长|增速|指数")


@dataclass(frozen=True)
class Row:
    """One table row: its label (first cell), its other cells under their headers, and where it stands."""

    label: str
    cells: tuple[tuple[str, str], ...]  # (header, value)
    boxes: tuple[Box, ...] = ()
    parent: str = ""  # the row it is a part of (货物运输周转量 for its 水运 row)
    prose: bool = False  # a row of a table of text (原条文 | 修改后条文 | 修改理由): every cell named, no label

    @property
    def name(self) -> str:
        """How the row is cited: its label as the table writes it, under its parent's when it has one
        ('货物运输周转量 › 水运', '粮食 › 其中：夏粮')."""
        return f"{self.parent} › {self.label}" if self.parent and self.label else self.parent or self.label


def is_number(text: str) -> bool:
    """A numeric cell: '902.61', '-3.2', '45.31%', '1,223', or a placeholder ('—', '…')."""
    return bool(NUMBER_RE.match(text.strip()))


def table_unit(title: str) -> str:
    """The unit a table's title gives all its figures ('表1 2024年全县地区生产总值（单位：亿元）' → 亿元), or ''."""
    m = TITLE_UNIT_RE.search(title)
    return m.group(1) if m else ""


def row_text(row: Row, table_unit: str = "") -> str:
    """'粮食：产量902.61万吨，比上年增长-3.2%': each figure after its column's name and before its unit (a header's
    unit in brackets, else a unit column's value, else the unit of the whole table: ``table_unit``). A figure that
    has its unit (104.7%) or a placeholder (—) gets none."""
    unit = next((v for h, v in row.cells if squash(h) in UNIT_HEADERS), "") or table_unit
    parts = []
    for header, value in row.cells:
        if squash(header) in UNIT_HEADERS or not value:
            continue
        m = HEADER_UNIT_RE.match(header)
        bound = BOUNDED_RE.match(value.strip())  # 2.3以上: the unit goes between the figure and its bound
        figure, after = (bound.group(1), bound.group(2)) if bound else (value, "")
        bare = is_number(figure) and not re.search(r"[%‰]$", figure.strip()) and re.search(r"\d", figure)
        if m and bare:
            header, value = m.group("name"), figure + (m.group("unit") or m.group("pct")) + after
        elif unit and bare and not HAS_UNIT_RE.search(header):
            value = figure + unit + after
        parts.append(f"{header}{'：' if row.prose else ''}{value}" if header else value)
    body = ""
    for part in parts:  # a comma between cells, none after a cell that ends a sentence
        body += ("，" if body and not re.search(r"[。；！？]$", body) else "") + part
    return f"{row.name}：{body}" if row.name and body else row.name or body


def row_blocks(title: str, rows: list[Row]) -> list[Block]:
    """Blocks of the rows of one table, in order: not the header the table repeats on a page it runs on to
    (every cell its column's name), and a last row that is only a heading (三、工业和建筑业, read with the table
    it follows) as that heading."""
    rows = [r for r in rows if (r.label or r.cells) and not _repeats_header(r)]
    columns = " ".join(dict.fromkeys(h for r in rows for h, _ in r.cells if h))
    unit = table_unit(title)
    trailing = []
    while rows and not rows[-1].cells and not rows[-1].parent \
            and (level := heading_level(rows[-1].label)) in AFTER_TABLE_LEVELS:
        trailing.insert(0, Block(rows[-1].label, level, boxes=rows[-1].boxes))
        rows = rows[:-1]
    return [Block(row_text(r, unit), kind="table_row", table=title, row=r.name, boxes=r.boxes, columns=columns)
            for r in rows] + trailing


def _repeats_header(row: Row) -> bool:
    return bool(row.cells) and all(squash(h) == squash(v) for h, v in row.cells)


def grid_rows(grid: list[list[str]], boxes: list[tuple[Box, ...]] | None = None,
              indents: list[float] | None = None) -> list[Row]:
    """Rows of a table given as cell texts (a Word table, a ruled PDF table; ``boxes``: where each row stands,
    ``indents``: how far each row's label stands in from its cell's edge, in font sizes): the leading rows without
    figures are its header (merged header cells repeat their text and are read once; a table without figures has
    its first row as header), the first column holds the row labels; a label set further in than the one above
    is a part of it (发电量 › 水力发电量). A form of labelled fields (项目名称： | …, two or four columns) gives a
    row per field."""
    kept = [i for i, row in enumerate(grid) if any(c.strip() for c in row)]
    where = [boxes[i] if boxes else () for i in kept]
    grid = [[DIGIT_GROUP_RE.sub("", re.sub(r"\s+", " ", c)).strip() for c in grid[i]] for i in kept]
    # where a label's own words start: after 其中： (of about one font size per character)
    inset = [indents[i] + (len(m.group(0)) if (m := CHILD_MARK_RE.match(row[0])) else 0) if indents else 0.0
             for i, row in zip(kept, grid)]
    if not grid:
        return []
    if _is_form(grid):  # 项目名称： | 临川港区三期集装箱码头工程: a form of labelled fields, no header
        return [Row(label.rstrip("：:"), (("", value),), box) for r, box in zip(grid, where)
                for label, value in _fields(r)]
    n_header = 0
    while n_header < len(grid) - 1 and (not any(is_number(c) for c in grid[n_header][1:] if c)
                                        or _years_row(grid[n_header])) \
            and not (n_header and _data_row(grid[n_header])):
        n_header += 1
    if n_header == len(grid) - 1 and len(grid) > 2:  # no figures anywhere (a table of text): its first row heads it
        n_header = 1
    width = max(len(r) for r in grid)
    # a header row across the whole table is the title of the first group of rows (第二十条第（一）项 over 信息内容 |
    # 本年制发件数 | …), not a part of every column's name
    heading_rows = [r for r in grid[:n_header] if not (n_header > 1 and _spans_all(r))]
    opening = next((r[0] for r in grid[:n_header] if n_header > 1 and _spans_all(r)), "")
    parts = [list(dict.fromkeys(r[col] for r in heading_rows if col < len(r) and r[col])) for col in range(width)]
    headers = [_header_name(names) for names in parts]
    parts_of = dict(zip(headers, parts))  # a column's header → the header rows' names over it
    rows, parent = ([Row(opening, (), where[0])] if opening else []), ""
    data, where, inset = grid[n_header:], where[n_header:], inset[n_header:]
    if n_header and _prose_columns(data) >= 2:
        return _prose_rows(data, where, headers)
    # a first column merged down over several rows (接受输入的安全要素 beside SF1, SF2, …; 类别 主干道 beside two
    # roads) names the rows with the second
    spans = len(data) > 1 and all(len(r) > 2 for r in data) and len({r[0] for r in data}) < len(data) \
        and len({r[1] for r in data}) == len(data)
    # a 序号 column names no row: the 名称 column beside it does (序号 | 材料名称 → 1 食品经营许可申请书, not 1)
    spans = spans or (len(data) > 1 and squash(headers[0]) in SERIAL_HEADERS and squash(headers[1]).endswith("名称")
                      and all(len(r) > 2 and re.fullmatch(r"\d{1,3}", r[0]) and 0 < len(r[1]) <= SERIAL_NAME_MAX_CHARS
                              for r in data))
    first = 2 if spans else 1  # the first column of cells
    # a row's label: its first cell, or when that is empty its first cell of text (| | 合计 | 202,922.93 |)
    lead = [1 if not spans and not r[0] and len(r) > 2 and r[1] and not is_number(r[1]) else 0 for r in data]
    labels = [(f"{r[0]} {r[1]}" if spans else r[k]).rstrip("：:") for r, k in zip(data, lead)]
    above = indent_parents(labels, inset, [INDENT_STEP] * len(labels))
    section = opening
    for j, (r, box, label, up, k) in enumerate(zip(data, where, labels, above, lead)):
        if _spans_all(r):  # a row across the whole table opens a group of the rows under it
            section = r[0]
            rows.append(Row(section, (), box))
            parent = ""
            continue
        if _group_header(data, j):  # the group's own column names (信息内容 | 本年处理决定数量)
            headers = list(r)
            parts_of = {h: [h] for h in headers}
            continue
        merged = lambda c: c > first and (r[c], headers[c]) == (r[c - 1], headers[c - 1])  # noqa: E731
        child = bool(CHILD_MARK_RE.match(r[first - 1]))  # 其中：… is a part of the last row without the mark
        if child and spans:
            label = r[1]  # 其中：稻谷 under 种植业 粮食, not 种植业 其中：稻谷
        cells = [(headers[c], r[c]) for c in range(first + k, len(r)) if r[c] and not merged(c)]
        rows.append(Row(label, tuple(_marked_as_list(cells, parts_of)), box,
                        parent=parent if child else up or section))
        parent = parent if child else label
    return rows


PROSE_CELL_CHARS = 30  # a cell of Chinese clauses this long holds text, not a label or a figure


def _prose_columns(data: list[list[str]]) -> int:
    """How many columns hold text: most of their filled cells are Chinese clauses (，。；) of PROSE_CELL_CHARS or
    more (rows across the table aside; a file name or a long label is no text)."""
    body = [r for r in data if not _spans_all(r)]
    width = max((len(r) for r in body), default=0)
    filled = [[r[c] for r in body if c < len(r) and r[c]] for c in range(width)]
    return sum(1 for col in filled
               if col and sum(len(x) >= PROSE_CELL_CHARS and bool(re.search("[，。；]", x)) for x in col) * 2 > len(col))


def _prose_rows(data: list[list[str]], where: list, headers: list[str]) -> list[Row]:
    """The rows of a table of text (a 修改对照表: 原条文 | 修改后条文 | 修改理由, whole articles in its cells): every
    cell under its column's name, none taken for the row's label (an empty cell, 新增 or 删除, says nothing); a
    row across the table opens a group of the rows under it (第二章 业主及业主大会)."""
    rows, section = [], ""
    for r, box in zip(data, where):
        if _spans_all(r):
            section = r[0]
            rows.append(Row(section, (), box))
            continue
        cells = tuple((headers[c], r[c]) for c in range(len(r)) if r[c] and (c == 0 or r[c] != r[c - 1]))
        rows.append(Row("", cells, box, parent=section, prose=True))
    return rows


def indent_parents(labels: list[str], indents: list[float], steps: list[float]) -> list[str]:
    """Each row's parent: the nearest row above it whose label stands further left, by more than that row's
    ``steps`` (half a character: 其中：夏粮 under 粮食; 水运 under 货物运输周转量); '' for none."""
    out: list[str] = []
    open_rows: list[tuple[float, str]] = []
    for label, indent, step in zip(labels, indents, steps):
        while open_rows and open_rows[-1][0] >= indent - step:
            open_rows.pop()
        out.append(open_rows[-1][1] if open_rows else "")
        open_rows.append((indent, label))
    return out


def _fields(row: list[str]) -> list[tuple[str, str]]:
    """A form row's (label, value) pairs: 索引号： | 000014349/2024-00089 | 主题分类： | 商贸 (a value merged over
    several columns read once)."""
    cells = [c for i, c in enumerate(row) if c and (i == 0 or c != row[i - 1])]
    return [(cells[i], cells[i + 1] if i + 1 < len(cells) else "") for i in range(0, len(cells), 2)]


YEAR_CELL_RE = re.compile(rf"^{BARE_YEAR_RE.pattern}\s*年?$")
YEARS_LABEL_RE = re.compile(r"^(?:年份|年度|年)$")


def _header_name(names: list[str]) -> str:
    """A column's name from the header rows' names over it; a year under 年份 is the year (年份 / 2019 → 2019年:
    its figures read 2019年4206.87亿元, not 年份20194206.87亿元)."""
    if names and BARE_YEAR_RE.fullmatch(names[-1]):
        return "".join(n for n in names[:-1] if not YEARS_LABEL_RE.match(n)) + f"{names[-1]}年"
    return "".join(names)


def _years_row(row: list[str]) -> bool:
    """A header row of years over the columns of figures (年份 / 2019 | 2020 | … | 2023): no data though numeric."""
    figures = [c for c in row[1:] if c and (is_number(c) or YEAR_CELL_RE.match(c))]
    return len(figures) >= 2 and all(YEAR_CELL_RE.match(c) for c in figures) and not is_number(row[0] or "x")


def _group_header(data: list[list[str]], j: int) -> bool:
    """A row without figures right under a row across the table and over a row with figures: the column names of
    that group of rows (a 政府信息公开年度报告's 第二十条第（五）项 / 信息内容 | 本年处理决定数量 / 行政许可 | 2846)."""
    def figures(row: list[str]) -> bool:
        return any(is_number(c) for c in row[1:] if c)

    return 0 < j < len(data) - 1 and _spans_all(data[j - 1]) and not _spans_all(data[j]) \
        and not figures(data[j]) and figures(data[j + 1])


def _data_row(row: list[str]) -> bool:
    """A row under a header that is data though it holds no bare figure: across the table (一、一般公共预算收入), numbered
    (1 | 完成42个小区方案设计), or giving measures (地区生产总值增长 | 5.5%左右)."""
    return _spans_all(row) or is_number(row[0]) or any(MEASURE_RE.search(c) for c in row[1:])


def _spans_all(row: list[str]) -> bool:
    """A row of one cell merged across a table of three or more columns (its text repeated in every cell)."""
    return len(row) >= 3 and bool(row[0]) and not is_number(row[0]) and all(c == row[0] for c in row)


def _is_form(grid: list[list[str]]) -> bool:
    """A table of labelled fields (项目名称： | …, 建设单位： | …; 索引号 | … | 主题分类 | … in two pairs), not data
    under a header row: the first cell of most fields ends with a colon or is a document-information field, or
    every row of two cells is a short label and a value in words."""
    fields = [f for r in grid for f in _fields(r)]
    even = all(len(r) in (2, 4) for r in grid)
    labelled = sum(label.endswith(("：", ":")) or squash(label) in INFO_FIELDS for label, _ in fields)
    # two columns of short labels and values mostly in words: 事项名称 | 住房公积金提取, 实施主体 | …中心, 咨询电话 | 12329
    worded = all(len(r) == 2 for r in grid) and len(grid) >= 3 \
        and all(LABEL_LIKE_RE.match(label) for label, _ in fields) \
        and sum(bool(value) and not is_number(value) for _, value in fields) >= FORM_SHARE * len(fields)
    return even and len(grid) >= 2 and bool(fields) and (labelled >= FORM_SHARE * len(fields) or worded)


def _marked_as_list(cells: list[tuple[str, str]], parts: dict[str, list[str]]) -> list[tuple[str, str]]:
    """A matrix row's marked cells as one list, where the first of them stands: under the merged header
    提供输入的安全要素 over SF1 … SF14, the cells SF2 ×, SF3 × read 提供输入的安全要素：SF2、SF3 (a row of
    marks is a list of the columns marked, not fourteen header-and-mark pairs)."""
    marked = [(h, v) for h, v in cells if MARK_RE.match(v)]
    if len(marked) < 2:
        return cells
    names = parts.get(marked[0][0], [])
    group = names[0] if len(names) > 1 else marked[0][1]  # the merged header over the marked columns, or the mark
    listed = "、".join((parts.get(h) or [h])[-1] for h, _ in marked)
    at = cells.index(marked[0])
    rest = [c for c in cells if c not in marked]
    return rest[:at] + [(f"{group}：", listed)] + rest[at:]


def line_rows(lines: list[Line], box) -> list[Row]:
    """Rows of a table laid out in a PDF's text layer: header lines (no figures) name the columns by their
    position; each later line's leading text segments are its label, its other segments are cells under the
    header they stand below (the nearest one). ``box(line)`` gives a line's Box."""
    n_header = 0
    while n_header < len(lines) and not any(is_number(s.text) for s in lines[n_header].segments[1:]):
        n_header += 1
        third = n_header == 2 and n_header < len(lines) and words_in_columns(lines[n_header])
        if n_header >= 2 and not third:
            break  # a third header line only when it is words in columns (基本支出 / … / 小计 人员经费 公用经费)
    header_lines, data = lines[:n_header], lines[n_header:]
    if not data:  # no figures at all: every line is a row of text
        header_lines, data = [], lines
    columns = _split_merged(_columns([l.segments for l in header_lines]), [s for l in data for s in l.segments[1:]])
    read = []  # (label, cells, line, indent, character width) per line
    for line in data:
        segs = _label_apart(_figures_apart(line.segments), columns)
        k = 0  # the label: the leading segments left of the second column (or, without a header, not figures)
        while k < len(segs) and not is_number(segs[k].text) and (
                len(columns) < 2 or (segs[k].x0 + segs[k].x1) / 2 < columns[1].x0 - 2):
            k += 1
        k = max(k, 1)
        label = squash("".join(s.text for s in segs[:k])) if k > 1 else segs[0].text
        cells = tuple((_header_for(s, columns[1:] if len(columns) > 1 else columns), s.text) for s in segs[k:])
        read.append((label, cells, line, *_indent(segs[0])))
    parents = indent_parents([r[0] for r in read], [r[3] for r in read], [INDENT_STEP * r[4] for r in read])
    return [Row(label, cells, (box(line),), parent) for (label, cells, line, _, _), parent in zip(read, parents)]


def words_in_columns(line: Line) -> bool:
    """A line of two or more segments and no figure: a table's header line (科目编码 科目名称 合计 …)."""
    return len(line.segments) >= 2 and not any(is_number(w) for w in line.text.split())


def _indent(label: Segment) -> tuple[float, float]:
    """Where a row label's own words start (after 其中： or #), and its character width: a row indented under
    another is a part of it (其中：夏粮 under 粮食; 水运 under 货物运输周转量)."""
    width = (label.x1 - label.x0) / max(1, len(label.text))
    marker = CHILD_MARK_RE.match(label.text)
    return label.x0 + (len(marker.group(0)) * width if marker else 0.0), width


def _columns(header_lines: list[list[Segment]]) -> list[Segment]:
    """Header cells (the segments of each header line, top to bottom) merged into columns by horizontal overlap;
    a column's name reads top to bottom, whichever of its lines starts further left (增速 over a wider （%） is
    增速（%）)."""
    groups: list[tuple[float, float, list[tuple[int, Segment]]]] = []
    for row, s in sorted(((i, s) for i, line in enumerate(header_lines) for s in line), key=lambda t: t[1].x0):
        if groups and s.x0 < groups[-1][1] - 2:
            x0, x1, members = groups[-1]
            groups[-1] = (min(x0, s.x0), max(x1, s.x1), [*members, (row, s)])
        else:
            groups.append((s.x0, s.x1, [(row, s)]))
    return [Segment("".join(s.text for _, s in sorted(members, key=lambda t: (t[0], t[1].x0))), x0, x1)
            for x0, x1, members in groups]


LABEL_FIGURE_RE = re.compile(r"^(.*[\u4e00-\u9fff）)])\s*([-−]?\d[\d,，]*(?:\.\d+)?[%‰]?)$")


def _label_apart(segs: list[Segment], columns: list[Segment]) -> list[Segment]:
    """A row label run together with its first figure (交通运输、仓储和邮政业1986.4, the label too long for its
    column) split in two when the figure stands under a column of the header."""
    m = LABEL_FIGURE_RE.match(segs[0].text) if segs and len(columns) > 1 else None
    if not m:
        return segs
    first = segs[0]
    x = first.x0 + (first.x1 - first.x0) * display_width(m.group(1)) / max(1, display_width(first.text))
    if (x + first.x1) / 2 < columns[1].x0 - 2:  # the figure's centre left of the first column of figures
        return segs
    return [Segment(m.group(1), first.x0, x), Segment(m.group(2), x, first.x1), *segs[1:]]


def _figures_apart(segments) -> list[Segment]:
    """A segment holding several figures set close together (150,204.73 105,998.59) split into one per figure,
    each where its characters stand."""
    out: list[Segment] = []
    for seg in segments:
        words = seg.text.split()
        if len(words) < 2 or not all(is_number(w) for w in words):
            out.append(seg)
            continue
        width = (seg.x1 - seg.x0) / max(1, len(seg.text))
        x = seg.x0
        for word in words:
            out.append(Segment(word, x, x + len(word) * width))
            x += (len(word) + 1) * width
    return out


def _split_merged(columns: list[Segment], cells: list[Segment]) -> list[Segment]:
    """Header cells set too close to be told apart (绝对数 比上年增长（%） read as one segment) split at their spaces
    when as many columns of figures stand under them as they have words, each word over its column."""
    out: list[Segment] = []
    for col in columns:
        words = col.text.split()
        under = sorted((c.x0 + c.x1) / 2 for c in cells if col.x0 - 2 <= (c.x0 + c.x1) / 2 <= col.x1 + 2)
        width = (col.x1 - col.x0) / max(1, len(col.text))
        clusters = [x for prev, x in zip([None, *under], under) if prev is None or x - prev > 2 * width]
        if len(words) < 2 or len(clusters) != len(words):
            out.append(col)
            continue
        bounds = [col.x0] + [(a + b) / 2 for a, b in zip(clusters, clusters[1:])] + [col.x1]
        out += [Segment(w, x0, x1) for w, x0, x1 in zip(words, bounds, bounds[1:])]
    return out


def _header_for(cell: Segment, columns: list[Segment]) -> str:
    if not columns:
        return ""
    centre = (cell.x0 + cell.x1) / 2
    return min(columns, key=lambda c: 0 if c.x0 - 2 <= centre <= c.x1 + 2 else abs((c.x0 + c.x1) / 2 - centre)).text
