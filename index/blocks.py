"""Turn raw document text into blocks: headings (with a level) and paragraphs.

Pure functions. Two layouts are handled:

* hard-wrapped text extracted from a PDF (every visual line on its own line,
  page numbers, page-start spaces, stray URLs, sentences broken mid-line):
  :func:`wrapped_blocks` rebuilds the real paragraphs;
* ordinary text where paragraphs are lines or blank-line separated blocks:
  :func:`plain_blocks`.
"""
from __future__ import annotations

import re
import statistics

from index.documents import Block
from index.furniture import FOOTER_RE, URL_RE, is_chrome, is_page_number, site_footer_start
from index.metadata import PUBLISHED_RE, SOURCE_RE, is_body
from index.headings import (HEADING_MAX_CHARS, LIST_ITEM_RE, RUN_IN_LEVELS, STATUTE_DIVISIONS, TABLE_TITLE_RE,
                            ends_sentence, is_mark_line)
from index.headings import heading_level as full_heading_level
from index.headings import report_heading_level as heading_level
from index.tables import grid_rows, is_number, row_blocks
from textutil import display_width, join_lines

TITLE_MAX_CHARS = 30
BREADCRUMB_RE = re.compile(r"^(?:首页|当前位置|您的位置|您现在的位置)\s*[：:]?\s*\S*(?:\s*[>＞›»]\s*\S+){1,}$")
INDENT_CONTINUATION_SHARE = 0.7  # share of flush-left lines that continue an open sentence, in indent-marked text
INDENT_START_SHARE = 0.6  # share of indented lines that follow a finished sentence, in indent-marked text
BLANK_BREAK_SHARE = 0.6  # blank lines after fewer than this share of the lines break paragraphs (hard-wrapped text)


# a letter, digit, ideograph or a mark of the text (a wrapped line may hold only the sentence's 。): a line
# without one is signs only
WORD_RE = re.compile(r"[^\W_]|[。，；：！？、“”‘’（）《》.,;:!?%]")
FOLLOW_RE = re.compile(r"^(?:点击|戳)[^，。]{0,6}关注[^，。]{0,6}$")  # an account's 点击蓝字关注我们 above an article


def is_artifact(line: str) -> bool:
    """True for lines that carry no content: page numbers (any form, see index.furniture), stray URLs, a web
    page's navigation and controls (is_page_control), the footer of a web page copied as text (【打印本页】,
    版权所有), and lines of signs only (━━━━, ▼▼▼, an emoji alone)."""
    t = line.strip()
    return (is_page_number(t) or bool(URL_RE.fullmatch(t)) or is_page_control(t)
            or bool(FOOTER_RE.match(t.lstrip("【"))) and len(t) <= 30 or not WORD_RE.search(t))


def is_page_control(line: str) -> bool:
    """A web page's navigation and controls saved with its text (a page copied as text or saved as Word): its
    breadcrumb (首页 > 数据发布 > 统计公报), 字体：[大 中 小], 【打印本页】【关闭窗口】, 京ICP备05070218号 — never a
    labelled line of the document itself (主办单位：…), nor a page's line of its date and source (发布时间：2025-04-10
    来源：安徽省发展和改革委员会 字体：[大 中 小]: the metadata reads it)."""
    t = line.strip()
    if PUBLISHED_RE.search(t) or SOURCE_RE.search(t):
        return False
    return bool(BREADCRUMB_RE.match(t)) or bool(FOLLOW_RE.match(t)) or is_chrome(t, printout=False)


def tidy_heading(text: str) -> str:
    """Drop spaces between CJK characters inside a short heading ('前 言'), and runs of spaces between two CJK
    characters in any heading ('第一章 总  则' → '第一章 总则')."""
    text = re.sub(r"(?<=[\u4e00-\u9fff])\s{2,}(?=[\u4e00-\u9fff])", "", text)
    return re.sub(r"(?<=[\u4e00-\u9fff])\s(?=[\u4e00-\u9fff])", "", text) if len(text) <= 4 else text


def looks_wrapped(lines: list[str]) -> bool:
    """Guess whether text is hard-wrapped at a fixed width (PDF extraction): measured as the page sets it (a digit
    half as wide as a Chinese character) or by its characters (a script that cut every 35)."""
    kept = [l.strip() for l in lines if l.strip() and not is_artifact(l)]
    return len(kept) >= 12 and any(_fixed_width([measure(l) for l in kept]) for measure in (display_width, len))


def _fixed_width(widths: list[int]) -> bool:
    """Most lines about as wide as the most common width, and none far wider."""
    mode = statistics.mode(widths)
    if mode < 30:
        return False
    near = sum(1 for w in widths if abs(w - mode) <= 6)
    return near / len(widths) >= 0.4 and max(widths) <= mode * 1.6 + 20


def _full_width(widths: list[int]) -> int:
    """Typical full-line width of a run of lines (upper median of the long ones)."""
    long_ = sorted(w for w in widths if w >= 30)
    if not long_:
        return max(widths, default=0)
    return long_[int(len(long_) * 0.6)]


def wrapped_blocks(text: str) -> list[Block]:
    """Rebuild paragraphs and headings from hard-wrapped (PDF-extracted) text."""
    spaced = _content_lines(text)
    if not spaced:
        return []
    lines = [(line, start) for line, start, _, _ in spaced]
    # blank lines between some lines only (not every one, as PDF-extracted text may have): paragraph breaks
    blank_breaks = sum(after for _, _, after, _ in spaced[1:]) < BLANK_BREAK_SHARE * max(1, len(spaced) - 1)
    indent_marked = _indent_marks_paragraphs(spaced)
    # the full width differs between body text and boxes (smaller font): measure per box/body run
    full = _run_widths([l for l, _ in lines])
    blocks: list[Block] = []
    i = _leading_title(lines, full, blocks)
    buf: list[str] = []
    prev_closed = True  # previous paragraph ended a sentence
    while i < len(lines):
        line, at_page_start = lines[i]
        w = display_width(line)
        if buf and blank_breaks and spaced[i][2]:
            blocks.append(Block(join_lines(buf)))
            buf, prev_closed = [], ends_sentence(buf[-1])
        n = spaced_table([l for l, _ in lines[i + 1:i + 200]]) if not buf and TABLE_TITLE_RE.match(line) else 0
        if n:  # 表1 … / 产品名称 单位 产量 比上年增长（%） / 粮食 万吨 82.35 1.2 …: its rows under its header
            blocks += row_blocks(line, grid_rows([l.split() for l, _ in lines[i + 1:i + 1 + n]]))
            i += 1 + n
            continue
        level = (division if (division := full_heading_level(line)) in STATUTE_DIVISIONS else heading_level(line)) \
            if not buf else None  # 第一章 总则, 第一节 一般规定: a statute's divisions, then the report's levels
        if level in RUN_IN_LEVELS and "。" in line.rstrip()[:-1]:
            level = None  # 一、参保范围。除职工…: a sentence ends inside the line, a paragraph with a run-in head
        page_start = at_page_start and not (indent_marked and spaced[i][3])  # an indent opens a paragraph there
        if level is None and not buf and _is_title(line, w, full[i], page_start, prev_closed, blocks):
            level = "case"
        if level:
            end = _heading_end(lines, i, level, full[i])
            blocks.append(Block(tidy_heading(join_lines([l for l, _ in lines[i:end]])), level))
            prev_closed = True
            i = end
            continue
        buf.append(line)
        nxt = lines[i + 1][0] if i + 1 < len(lines) else None
        ends = _indent_ends(line, nxt, spaced[i + 1][3]) if indent_marked and nxt is not None else None
        if nxt is None or (ends if ends is not None else _paragraph_ends(line, w, nxt, full[i])):
            blocks.append(Block(join_lines(buf)))
            buf = []
            prev_closed = ends_sentence(line)
        i += 1
    return blocks


def spaced_table(lines: list[str]) -> int:
    """How many of the lines (from the first) are a table whose cells a single space sets apart, as text copied
    from a PDF keeps it: a header of words (产品名称 单位 产量 比上年增长（%）), then two or more rows with as
    many cells and figures among them (粮食 万吨 82.35 1.2); 0 when there is none."""
    header = lines[0].split() if lines else []
    if len(header) < 2 or any(is_number(c) for c in header):
        return 0
    n = 1
    while n < len(lines) and len(cells := lines[n].split()) == len(header) and any(is_number(c) for c in cells[1:]):
        n += 1
    return n if n >= 3 else 0


def _content_lines(text: str) -> list[tuple[str, bool, bool, bool]]:
    """Stripped non-empty lines without artifacts, each with 'starts a page or is indented', 'follows a blank
    line' and 'is indented'."""
    lines: list[tuple[str, bool, bool, bool]] = []
    page_start, blank = True, False
    for r in text.splitlines():
        if not r.strip():
            blank = True
            continue
        if is_artifact(r):
            page_start = True
            continue
        indented = r.startswith((" ", "\u3000"))
        lines.append((r.strip(), page_start or indented, blank, indented))
        page_start, blank = False, False
    return lines


def _indent_marks_paragraphs(spaced: list[tuple[str, bool, bool, bool]]) -> bool:
    """Whether the text marks each paragraph's first line by indenting it, its wrapped lines flush left (a law
    copied from a web page, wrapped at 40 characters): some lines of each kind, and the flush lines mostly go on
    a sentence the line above left open, the indented ones mostly follow a finished one (a page's first line,
    indented in PDF-extracted text, often goes on the sentence of the page before)."""
    flush = [i for i in range(1, len(spaced)) if not spaced[i][3]]
    indented = len(spaced) - 1 - len(flush)
    if len(flush) < 5 or indented < 5:
        return False
    open_above = sum(1 for i in flush if not ends_sentence(spaced[i - 1][0]))
    closed_above = sum(1 for i in range(1, len(spaced)) if spaced[i][3] and ends_sentence(spaced[i - 1][0]))
    return open_above >= INDENT_CONTINUATION_SHARE * len(flush) and closed_above >= INDENT_START_SHARE * indented


def _leading_title(lines: list[tuple[str, bool]], full: list[int], blocks: list[Block]) -> int:
    """Append the document title (leading short unpunctuated lines) to blocks; return the next line index."""
    i = 0
    while (i < len(lines) and heading_level(lines[i][0]) is None and _is_short_unpunctuated(lines[i][0], full[i])
           and not (i and (is_mark_line(lines[i][0]) or lines[i][0].startswith(("（", "(")) or is_body(lines[i][0])))):
        i += 1  # the 文号 or date under a title, its note in brackets (（2019年3月15日…通过）) or the body that issues
        # it (十堰市统计局) is not part of it
    if i:
        blocks.append(Block(join_lines([l for l, _ in lines[:i]]), "title"))
    return i


def _heading_end(lines: list[tuple[str, bool]], i: int, level: str, full: int) -> int:
    """Index after the heading starting at line i (a numbered heading may wrap onto more lines)."""
    end = i + 1
    if level not in ("section", "subsection", "item"):
        return end
    while (end < len(lines) and not ends_sentence(lines[end - 1][0])
           and display_width(lines[end - 1][0]) >= full - 4
           and heading_level(lines[end][0]) is None
           and (ends_sentence(lines[end][0]) or display_width(lines[end][0]) < full - 8)
           and len(join_lines([l for l, _ in lines[i:end + 1]])) <= HEADING_MAX_CHARS):
        end += 1
    return end


def _run_widths(lines: list[str]) -> list[int]:
    """Full-line width for each line, measured over its box or body run."""
    runs: list[tuple[int, int]] = []
    start = 0
    for i, l in enumerate(lines):
        lv = heading_level(l)
        if lv in ("box", "section", "subsection", "case", "category") and i > start:
            runs.append((start, i))
            start = i
    runs.append((start, len(lines)))
    body = _full_width([display_width(l) for l in lines])
    out = [body] * len(lines)
    for a, b in runs:
        if heading_level(lines[a]) == "box":
            fw = _full_width([display_width(l) for l in lines[a + 1:b]])
            for j in range(a, b):
                out[j] = max(fw, body)
    return out


def _paragraph_ends(line: str, width: int, nxt: str, full: int) -> bool:
    if heading_level(nxt) or is_mark_line(nxt) or is_mark_line(line):
        return True  # a 文号 or a date (a signature's) stands alone
    if not ends_sentence(line):
        return False
    if width < full - 4:
        return True
    # a full line that ends a sentence: the paragraph ends if the next line is indented
    return display_width(nxt) <= full - 4


def _indent_ends(line: str, nxt: str, nxt_indented: bool) -> bool:
    """In text whose paragraphs open indented: the paragraph ends before an indented line, a heading or a mark."""
    return nxt_indented or bool(heading_level(nxt)) or is_mark_line(nxt) or is_mark_line(line)


def _is_short_unpunctuated(line: str, full: int) -> bool:
    return not (ends_sentence(line) or line[-1] in "，,、：:" or display_width(line) >= full - 6)


def _is_title(line: str, width: int, full: int, at_page_start: bool, prev_closed: bool,
              blocks: list[Block]) -> bool:
    """A case title: a short unpunctuated line starting a page after a finished paragraph (not a note in
    brackets, such as a law's （2019年3月15日…通过）)."""
    if not _is_short_unpunctuated(line, full) or line.startswith(("（", "(")) or is_mark_line(line) or is_body(line):
        return False  # (nor a date or a 文号 alone, nor the name of a body: 国家统计局十堰调查队)
    if blocks and blocks[-1].level == "category":
        return True
    return at_page_start and prev_closed


def plain_blocks(text: str, by_blank_lines: bool = False) -> list[Block]:
    """Paragraphs of ordinary text: blank-line separated blocks (always with ``by_blank_lines``, as Markdown
    reads them), or single lines. Inside a block, a 文号 or a date alone is a block of its own (the signature
    某某市人民政府 / 2024年3月5日 is two lines, not one), and a line opening with a list marker is set off by a
    space (附件：1.某某措施 2.分工表); a block is a heading only if it is one line that reads as one
    (index.headings.heading_level: （一）推进5G网络建设。到2025年… ends a sentence, so it is a paragraph)."""
    has_blank_lines = by_blank_lines or bool(re.search(r"\n\s*\n", text.strip()))
    blocks: list[Block] = []
    for part, table in _table_runs(text):
        if table:
            blocks += row_blocks(re.sub(r"\s{2,}", " ", pop_caption(blocks)), grid_rows(table))
        else:
            blocks += _plain_pieces(part, has_blank_lines)
    if len(blocks) > 1 and blocks[0].level is None and _is_title_line(blocks[0].text):
        blocks[0] = Block(blocks[0].text, "title")  # a plain-text file's first short line names the document
    return blocks


def pop_caption(blocks: list[Block]) -> str:
    """The 表N title just read (the last block), taken off the blocks to name the table under it, or ''."""
    return blocks.pop().text if blocks and TABLE_TITLE_RE.match(blocks[-1].text) else ""


def _table_runs(text: str) -> list[tuple[str, list[list[str]]]]:
    """The text cut into runs of ordinary text ('…', []) and tables set as aligned columns ('', rows of cells):
    two or more consecutive lines whose cells are set apart by a tab or two spaces, with figures among them
    (指标名称    单位    2023年    比上年增长% / 第二产业    亿元    1538.25    8.6)."""
    out: list[tuple[str, list[list[str]]]] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        end = i
        while end < len(lines) and len(_cells(lines[end])) >= 2 and not TABLE_TITLE_RE.match(lines[end].strip()):
            end += 1
        run = [_cells(l) for l in lines[i:end]]
        if end - i >= 2 and sum(any(is_number(c) for c in r[1:]) for r in run) >= 2:
            out.append(("", run))
            i = end
            continue
        if out and not out[-1][1]:
            out[-1] = (out[-1][0] + "\n" + lines[i], [])
        else:
            out.append((lines[i], []))
        i += 1
    return out


def _cells(line: str) -> list[str]:
    """A line's cells when it is set as aligned columns (a tab or two spaces between them), else [line]."""
    return [c for c in re.split(r"\t+|\s{2,}|\u3000{2,}", line.strip()) if c] if line.strip() else []


LINE_PARAGRAPHS_SHARE = 0.6  # a blank-line block whose lines end sentences or open headings this often: one a line


def _plain_pieces(text: str, has_blank_lines: bool) -> list[Block]:
    pieces = re.split(r"\n\s*\n", text) if has_blank_lines else text.splitlines()
    blocks = []
    for piece in pieces:
        lines = [l.strip() for l in piece.splitlines() if l.strip() and not is_artifact(l)]
        if len(lines) > 2 and _lines_are_paragraphs(lines):  # a law copied from a database: a line an article
            blocks += [Block(line, full_heading_level(line)) for line in lines]
            continue
        for run in _runs_between_marks(lines):
            joined = _join_listed(run)
            blocks.append(Block(joined, full_heading_level(joined) if len(run) == 1 else None))
    return blocks


def _lines_are_paragraphs(lines: list[str]) -> bool:
    """Most lines of a blank-line block end a sentence, are headings (第一章 总则 / 第一条 …。 / （一）…；) or a
    database's labelled fields (【发文字号】…): each is a paragraph, not a line wrapped into the next (a notice
    copied from a web page, cut mid-sentence)."""
    whole = sum(1 for l in lines if ends_sentence(l) or full_heading_level(l) or l.startswith("【"))
    return whole >= LINE_PARAGRAPHS_SHARE * len(lines)


def _runs_between_marks(lines: list[str]) -> list[list[str]]:
    """Lines split into runs, every 文号 or date line a run of its own."""
    runs: list[list[str]] = []
    for line in lines:
        if is_mark_line(line) or not runs or is_mark_line(runs[-1][-1]):
            runs.append([line])
        else:
            runs[-1].append(line)
    return runs


def _join_listed(lines: list[str]) -> str:
    """Wrapped lines joined (join_lines), a line that opens with a list marker set off by a space."""
    segments: list[list[str]] = []
    for line in lines:
        if not segments or LIST_ITEM_RE.match(line):
            segments.append([line])
        else:
            segments[-1].append(line)
    return " ".join(join_lines(seg) for seg in segments)


def _is_title_line(text: str) -> bool:
    """A short single line without sentence or clause punctuation."""
    return ("\n" not in text and len(text) <= TITLE_MAX_CHARS and not ends_sentence(text)
            and not text.rstrip().endswith(".") and not re.search(r"[。！？；!?;，,：:]", text))


ATTACHMENT_LIST_RE = re.compile(r"^附\s*件\s*[：:]\s*1[.．、]")  # 附件：1.某某实施细则 (2.… on the lines below)


def with_attachment_lists(blocks: list[Block]) -> list[Block]:
    """An attachment list kept as one paragraph: the lines 2.某某申报表, 3.… under 附件：1.某某实施细则 are its
    items, not headings or paragraphs of their own."""
    out: list[Block] = []
    for block in blocks:
        prev = out[-1] if out else None
        if (prev is not None and not prev.level and ATTACHMENT_LIST_RE.match(prev.text)
                and re.match(r"^\d{1,2}[.．、](?!\d)", block.text.strip()) and len(block.text) <= HEADING_MAX_CHARS):
            out[-1] = Block(f"{prev.text} {block.text.strip()}", None, prev.kind, boxes=prev.boxes + block.boxes)
            continue
        out.append(block)
    return out


def text_blocks(text: str) -> list[Block]:
    """Blocks of a plain-text document, choosing the layout automatically."""
    lines = text.splitlines()
    blocks = wrapped_blocks(text) if looks_wrapped(lines) else plain_blocks(text)
    return blocks[:site_footer_start([b.text for b in blocks])]  # a page copied as text: not its 往期推荐, 上一篇…
