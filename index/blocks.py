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
from index.furniture import URL_RE, is_page_number
from index.headings import HEADING_MAX_CHARS, RUN_IN_LEVELS, ends_sentence, is_mark_line
from index.headings import report_heading_level as heading_level
from textutil import display_width

TITLE_MAX_CHARS = 30
BLANK_BREAK_SHARE = 0.6  # blank lines after fewer than this share of the lines break paragraphs (hard-wrapped text)


def is_artifact(line: str) -> bool:
    """True for PDF artifacts that carry no content: page numbers (any form, see index.furniture) and stray URLs."""
    return is_page_number(line) or bool(URL_RE.fullmatch(line.strip()))


def join_lines(parts: list[str]) -> str:
    """Join wrapped lines; keep a space only between two Latin/digit characters."""
    out = ""
    for p in parts:
        p = p.strip()
        if out and p and out[-1].isascii() and out[-1].isalnum() and p[0].isascii() and p[0].isalnum():
            out += " "
        out += p
    return out


def tidy_heading(text: str) -> str:
    """Drop spaces between CJK characters inside a short heading (e.g. '前 言')."""
    return re.sub(r"(?<=[\u4e00-\u9fff])\s(?=[\u4e00-\u9fff])", "", text) if len(text) <= 4 else text


def looks_wrapped(lines: list[str]) -> bool:
    """Guess whether text is hard-wrapped at a fixed width (PDF extraction)."""
    widths = [display_width(l.strip()) for l in lines if l.strip() and not is_artifact(l)]
    if len(widths) < 12:
        return False
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
    lines = [(line, start) for line, start, _ in spaced]
    # blank lines between some lines only (not every one, as PDF-extracted text may have): paragraph breaks
    blank_breaks = sum(after for _, _, after in spaced[1:]) < BLANK_BREAK_SHARE * max(1, len(spaced) - 1)
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
        level = heading_level(line) if not buf else None
        if level in RUN_IN_LEVELS and "。" in line.rstrip()[:-1]:
            level = None  # 一、参保范围。除职工…: a sentence ends inside the line, a paragraph with a run-in head
        if level is None and not buf and _is_title(line, w, full[i], at_page_start, prev_closed, blocks):
            level = "case"
        if level:
            end = _heading_end(lines, i, level, full[i])
            blocks.append(Block(tidy_heading(join_lines([l for l, _ in lines[i:end]])), level))
            prev_closed = True
            i = end
            continue
        buf.append(line)
        nxt = lines[i + 1][0] if i + 1 < len(lines) else None
        if nxt is None or _paragraph_ends(line, w, nxt, full[i]):
            blocks.append(Block(join_lines(buf)))
            buf = []
            prev_closed = ends_sentence(line)
        i += 1
    return blocks


def _content_lines(text: str) -> list[tuple[str, bool, bool]]:
    """Stripped non-empty lines without artifacts, each with 'starts a page or is indented' and 'follows a blank
    line'."""
    lines: list[tuple[str, bool, bool]] = []
    page_start, blank = True, False
    for r in text.splitlines():
        if not r.strip():
            blank = True
            continue
        if is_artifact(r):
            page_start = True
            continue
        lines.append((r.strip(), page_start or r.startswith((" ", "\u3000")), blank))
        page_start, blank = False, False
    return lines


def _leading_title(lines: list[tuple[str, bool]], full: list[int], blocks: list[Block]) -> int:
    """Append the document title (leading short unpunctuated lines) to blocks; return the next line index."""
    i = 0
    while (i < len(lines) and heading_level(lines[i][0]) is None and _is_short_unpunctuated(lines[i][0], full[i])
           and not (i and is_mark_line(lines[i][0]))):  # the 文号 or date under a title is not part of it
        i += 1
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


def _is_short_unpunctuated(line: str, full: int) -> bool:
    return not (ends_sentence(line) or line[-1] in "，,、：:" or display_width(line) >= full - 6)


def _is_title(line: str, width: int, full: int, at_page_start: bool, prev_closed: bool,
              blocks: list[Block]) -> bool:
    """A case title: a short unpunctuated line starting a page after a finished paragraph."""
    if not _is_short_unpunctuated(line, full):
        return False
    if blocks and blocks[-1].level == "category":
        return True
    return at_page_start and prev_closed


def plain_blocks(text: str, by_blank_lines: bool = False) -> list[Block]:
    """Paragraphs of ordinary text: blank-line separated blocks (always with ``by_blank_lines``, as Markdown
    reads them), or single lines."""
    has_blank_lines = by_blank_lines or bool(re.search(r"\n\s*\n", text.strip()))
    pieces = re.split(r"\n\s*\n", text) if has_blank_lines else text.splitlines()
    blocks = []
    for piece in pieces:
        lines = [l for l in piece.splitlines() if l.strip() and not is_artifact(l)]
        if not lines:
            continue
        joined = join_lines(lines)
        blocks.append(Block(joined, heading_level(joined) if len(lines) == 1 else None))
    if len(blocks) > 1 and blocks[0].level is None and _is_title_line(blocks[0].text):
        blocks[0] = Block(blocks[0].text, "title")  # a plain-text file's first short line names the document
    return blocks


def _is_title_line(text: str) -> bool:
    """A short single line without sentence or clause punctuation."""
    return ("\n" not in text and len(text) <= TITLE_MAX_CHARS and not ends_sentence(text)
            and not text.rstrip().endswith(".") and not re.search(r"[。！？；!?;，,：:]", text))


def text_blocks(text: str) -> list[Block]:
    """Blocks of a plain-text document, choosing the layout automatically."""
    lines = text.splitlines()
    return wrapped_blocks(text) if looks_wrapped(lines) else plain_blocks(text)
