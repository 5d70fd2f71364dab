"""Read documents (.txt, .md, .pdf, .docx) into structured paragraphs: one reader per format, one structure step."""
from __future__ import annotations

import hashlib
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import textutil
from index.blocks import plain_blocks, pop_caption, text_blocks, with_attachment_lists
from index.documents import Block, DocumentError, DocumentTooLarge, Paragraph, assign_structure, doc_id_for
from index.docx_reader import check_docx_package, read_docx
from index.furniture import clean_lines, site_footer_start
from index.headings import promulgated_title, without_contents
from index.layout import page_lines
from index.metadata import extract as extract_metadata
from index.normalize import normalize_authored
from index.notes import with_cited_notes
from index.pdf_blocks import pdf_blocks
from index.pdf_ocr import read_scans
from index.pdf_reader import read_pdf
from index.tables import grid_rows, row_blocks
from settings import LimitsConfig, OcrConfig

__all__ = ["DocumentError", "DocumentTooLarge", "Document", "load_document", "corpus_files", "check_file_size",
           "decode_text", "SUPPORTED_SUFFIXES", "PARSER_VERSION"]

SUPPORTED_SUFFIXES = (".txt", ".md", ".pdf", ".docx")
# bumped whenever parsing changes what a file yields: an index made by another version is read again
# (2: a plain-text file's first short line is its title; 3: PDFs read by geometry, code points folded, any heading
# depth, articles, table rows, pages and boxes, Word outline levels and numbering; 4: scanned PDF pages read by OCR;
# 5: a Word term entry numbered by the empty heading paragraph before it, tables of marks read as lists; 6: two
# columns, run-in heads, printouts' information boxes and signatures, table units, contents lists, Markdown tables;
# 7: Word tracked changes, footnotes and text boxes, auto-numbered articles, mastheads; indent-marked plain text;
# 8: PDF tables drawn with borders read by their rules, forms of label/value pairs; 9: web pages saved as Word,
# sentences with web addresses, group headers of ruled tables, tables of text, point heads alone; 10: notes after
# the paragraph that cites them)
PARSER_VERSION = 10
CONTENTS_LINE_RE = re.compile(r"^\S.{0,60}?[.…·]{3,}\s*\d{1,3}$")  # a contents line typed with its dot leaders
MD_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
MD_LEVELS = {1: "case", 2: "section", 3: "subsection"}
MD_TABLE_ROW_RE = re.compile(r"^\s*\|(.+)\|\s*$")  # | 项目类别 | 金额（万元） |
MD_RULE_CELL_RE = re.compile(r"^:?-{3,}:?$")
MD_RULE_RE = re.compile(r"^\s*([-*_])(?:\s*\1){2,}\s*$")  # ---, * * *: a thematic break
CLAUSE_ENDS = "。；;，,：:！？!?、"
MD_BREAK_RE = re.compile(r"<br\s*/?>", re.IGNORECASE)  # a line break written as HTML inside a table cell
MD_LIST_ITEM_RE = re.compile(r"^(\s*)([-*+]|\d{1,2}[.)])\s+(\S.*)$")  # - 居住类 / 1. 年满6周岁…


def md_inline(line: str) -> str:
    """A Markdown line as its text reads: no emphasis marks (**加强组织领导。**), a link as its words, no
    blockquote mark."""
    line = re.sub(r"^\s*>\s?", "", line)
    line = re.sub(r"(\*\*|__)(.+?)\1", r"\2", line)
    return re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", line)
MIB = 1 << 20
NOTHING_FOUND = "nothing readable on them"  # the note on pages that gave no text though OCR read them (or blank)


@dataclass(frozen=True)
class Document:
    """A loaded document: its ID, source path, content hash, paragraphs, and what the reader left out (counts by
    reason: page numbers, repeated headers/footers, stamps, chrome, table of contents, pages without a text
    layer)."""

    doc_id: str
    path: Path
    sha256: str
    paragraphs: list[Paragraph]
    dropped: dict[str, int] = field(default_factory=dict)
    pages: int = 0  # a PDF's page count
    scanned_pages: tuple[int, ...] = ()  # PDF pages that gave no text (scans OCR did not read, blank): reported
    meta: dict[str, str] = field(default_factory=dict)  # what the document says it is (index.metadata)
    ocr_pages: tuple[int, ...] = ()  # PDF pages without a text layer, read by OCR
    scan_note: str = ""  # why the scanned_pages were not read


@dataclass(frozen=True)
class PdfPages:
    """A PDF's page count, its pages read by OCR, those that gave no text and why."""

    count: int
    ocr: tuple[int, ...] = ()
    unread: tuple[int, ...] = ()
    note: str = ""


def decode_text(data: bytes) -> str:
    """Decode a text document (see textutil.decode_text); DocumentError when it is not text."""
    try:
        return textutil.decode_text(data)
    except UnicodeError as exc:
        raise DocumentError(str(exc)) from exc


def _cell_lines(cell: str) -> str:
    """A Markdown table cell's text, its HTML line breaks (最长发放36个月<br>本人及配偶…) read as clause breaks."""
    lines = [x.strip() for x in MD_BREAK_RE.split(cell) if x.strip()]
    return "".join(x + ("" if k == len(lines) - 1 or x[-1] in CLAUSE_ENDS else "；") for k, x in enumerate(lines))


def markdown_blocks(text: str) -> list[Block]:
    """Blocks of a Markdown document: '#' headings give the levels; a document whose only '#' heading comes first
    is titled by it; a table (| … | rows) gives a block per row, like a Word table (index.tables); a list item
    is a block of its own (a nested bullet names its parents: 居住类 › 在学区内租房居住…); a hard line break
    (two spaces) ends a paragraph; emphasis, link and quote marks are left out (md_inline)."""
    blocks: list[Block] = []
    buf: list[str] = []

    def flush():
        if buf:
            blocks.extend(plain_blocks("\n".join(buf), by_blank_lines=True))
            buf.clear()

    grid: list[list[str]] = []

    def flush_table():
        if grid:
            blocks.extend(row_blocks(pop_caption(blocks), grid_rows(grid)))
            grid.clear()

    bullets: list[tuple[int, str]] = []  # (indent, text) of the open bullet items, for a nested item's parents
    for raw in text.splitlines():
        line = md_inline(raw)
        m = MD_HEADING_RE.match(line)
        row = MD_TABLE_ROW_RE.match(line)
        item = MD_LIST_ITEM_RE.match(line)
        if item and not row and not m:  # a list item is a paragraph of its own, a nested one names its parents
            flush()
            flush_table()
            indent, marker, body = len(item.group(1).expandtabs(4)), item.group(2), item.group(3).strip()
            while bullets and bullets[-1][0] >= indent:
                bullets.pop()
            shown = body if marker in "-*+" else f"{marker} {body}"
            named = " › ".join([*(t for _, t in bullets), shown]) if marker in "-*+" else shown
            blocks.append(Block(named, None, "list_item"))
            bullets.append((indent, body))
            continue
        if MD_RULE_RE.match(line):  # --- a thematic break: no text
            flush()
            flush_table()
            continue
        if line.strip():
            bullets.clear()
        if row:
            flush()
            cells = [_cell_lines(c) for c in row.group(1).split("|")]
            if not all(MD_RULE_CELL_RE.match(c) for c in cells):  # | --- | :---: | is the header's rule
                grid.append(cells)
            continue
        flush_table()
        if raw.endswith("  ") and line.strip() and not m:  # a hard line break ends the paragraph
            buf.append(line)
            flush()
            continue
        if m:
            flush()
            blocks.append(Block(m.group(2), MD_LEVELS.get(len(m.group(1)), "item")))
        else:
            buf.append(line)
    flush()
    flush_table()
    footer = site_footer_start([b.text for b in blocks])  # a page saved as Markdown: 上一篇：…, 【相关链接】…
    blocks = blocks[:footer]
    tops = [i for i, b in enumerate(blocks) if b.level == MD_LEVELS[1]]
    if tops == [0]:  # one '#' heading, first: the document's title (# 某某管理指引 / ## 一、总则 …)
        blocks[0] = Block(blocks[0].text, "title")
    return blocks


def pdf_document_blocks(path: Path, limits: LimitsConfig | None = None, ocr: OcrConfig | None = None
                        ) -> tuple[list[Block], Counter, PdfPages, tuple[str, ...]]:
    """Blocks of a PDF read by geometry (index.layout → index.furniture → index.pdf_blocks), what was left out,
    its pages (scans read by OCR; pages that gave no text, counted under ``no_text_layer``, and why) and the
    dated lines dropped as page chrome (for the metadata)."""
    limits = limits or LimitsConfig()
    deadline = time.monotonic() + limits.pdf_timeout_s  # for the whole PDF: its text layer, then its scans
    pages, note = read_scans(path, read_pdf(path, limits), limits, ocr or OcrConfig(), deadline)
    per_page = [page_lines(p) for p in pages]
    cleaned = clean_lines(per_page, [p.height for p in pages])
    blocks, skipped = pdf_blocks(cleaned.lines, cleaned.title, cleaned.title_lines)
    dropped = cleaned.dropped + skipped
    unread = tuple(p.number for p, lines in zip(pages, per_page) if not lines or (p.scan and not p.ocr))
    if unread:
        dropped["no_text_layer"] = len(unread)
    ocr_pages = tuple(p.number for p in pages if p.ocr)
    return blocks, dropped, PdfPages(len(pages), ocr_pages, unread, (note or NOTHING_FOUND) if unread else ""), cleaned.dated


def check_file_size(path: str | Path, limits: LimitsConfig | None = None) -> int:
    """Size of a file to be added; DocumentTooLarge above ``[limits] max_upload_mb``."""
    limits = limits or LimitsConfig()
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DocumentError(f"no such file: {path}") from exc
    if size > limits.max_upload_mb * MIB:
        raise DocumentTooLarge(f"{path.name} is {size / MIB:.1f} MB; the limit for one document is "
                               f"{limits.max_upload_mb:g} MB ([limits] max_upload_mb in rag.toml)")
    return size


def load_document(path: str | Path, doc_id: str | None = None, limits: LimitsConfig | None = None,
                  ocr: OcrConfig | None = None) -> Document:
    """Load one document file into structured paragraphs; raise DocumentError if unusable.

    Every parser failure becomes a DocumentError naming the file; a .docx is checked for a
    zip bomb before it is parsed (``limits``, default: the settings' defaults); a PDF's scanned
    pages are read by OCR as ``ocr`` says (default: on).
    """
    path = Path(path)
    if not path.is_file():
        raise DocumentError(f"no such file: {path}")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentError(f"unsupported file type {suffix or '(none)'} for {path.name}; "
                            f"supported: {', '.join(SUPPORTED_SUFFIXES)}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"cannot read {path.name}: {exc}") from exc
    dropped: Counter = Counter()
    pages = PdfPages(0)
    dated: tuple[str, ...] = ()
    if suffix == ".txt":
        blocks = text_blocks(normalize_authored(decode_text(data)))
    elif suffix == ".md":
        blocks = markdown_blocks(normalize_authored(decode_text(data)))
    elif suffix == ".pdf":
        blocks, dropped, pages, dated = pdf_document_blocks(path, limits, ocr)
    else:
        check_docx_package(path, limits or LimitsConfig())
        blocks, dropped = read_docx(path)
    blocks = with_cited_notes(with_attachment_lists(blocks))
    kept = [b for b in blocks if not CONTENTS_LINE_RE.match(b.text.strip())]  # 第一章 总则……………1: a contents line
    if len(kept) < len(blocks):
        dropped["toc"] += len(blocks) - len(kept)
        blocks = kept
    contents = without_contents([(b.level, b.text) for b in blocks])
    if contents:
        blocks = [b for i, b in enumerate(blocks) if i not in contents]
        dropped["toc"] += len(contents)
    doc_id = doc_id or doc_id_for(path.name)
    if not any(b.level == "title" for b in blocks):
        blocks = [Block(t, "title"), *blocks] if (t := promulgated_title([b.text for b in blocks])) else blocks
    paragraphs = assign_structure(blocks, doc_id, default_title=path.stem)
    if not paragraphs:
        note = f" ({len(pages.unread)} pages without a text layer, not read: {pages.note})" if pages.unread else ""
        raise DocumentError(f"no text found in {path.name}{note}")
    meta = extract_metadata(paragraphs[0].title, [p.text for p in paragraphs], list(dated))
    return Document(doc_id, path, hashlib.sha256(data).hexdigest(), paragraphs, dict(dropped), pages.count,
                    pages.unread, meta, pages.ocr, pages.note)


def corpus_files(folder: str | Path) -> list[Path]:
    """Supported document files in a folder (recursive, sorted); hidden files and folders are not documents."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DocumentError(f"corpus folder not found: {folder}")
    return sorted(p for p in folder.rglob("*")
                  if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
                  and not any(part.startswith(".") for part in p.relative_to(folder).parts))
