"""Read a PDF's text layer with PDFium (pypdfium2): every character with its box, per page; which pages are scans.

Thin I/O: what the page holds, in page coordinates turned top-left (y grows downwards, PDF points), so the
layout code (:mod:`index.layout`) and the page viewer share one coordinate system. Characters PDFium
generates itself (the spaces and line breaks it guesses) are left out: lines and spaces are rebuilt from the
geometry. The page's ruling lines (table borders: thin filled rectangles, stroked lines and rectangles) are read
too, for :mod:`index.ruled`. A page with no text-layer characters but something drawn, or a few over images that
cover most of it (a scan with a stamp or a page number), is marked ``scan``: :mod:`index.pdf_ocr` reads it.

PDFium runs in a child process capped in memory (``[limits] max_pdf_memory_mb``) and time (``pdf_timeout_s``),
see :mod:`index.capped`; the child answers in JSON on stdout (``python -m index.pdf_reader``).
"""
from __future__ import annotations

import ctypes
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from index.capped import cap_memory, child_error, run_capped
from index.documents import DocumentError
from settings import LimitsConfig

SCAN_MAX_CHARS = 20  # a page with fewer text-layer characters than this …
SCAN_IMAGE_SHARE = 0.5  # … and images over this share of its area is a scan
RULE_THICKNESS = 3.0  # a drawn line at most this thick (PDF points) …
RULE_MIN_LENGTH = 4.0  # … and at least this long is a ruling line
MAX_RULES = 4000  # a page with more drawn lines than this is a drawing (a chart, a map), not tables: none read


@dataclass(frozen=True)
class Glyph:
    """One character and its (loose) box: x0 < x1, top < bottom."""

    ch: str
    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def height(self) -> float:
        """Box height: the font size, roughly."""
        return self.bottom - self.top

    def to_list(self) -> list:
        """Compact JSON form (``Glyph(*row)`` reads it back)."""
        return [self.ch, round(self.x0, 2), round(self.top, 2), round(self.x1, 2), round(self.bottom, 2)]


@dataclass(frozen=True)
class Rule:
    """A horizontal or vertical ruling line drawn on the page (a table's border), as its thin box."""

    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def horizontal(self) -> bool:
        """Wider than tall."""
        return self.x1 - self.x0 >= self.bottom - self.top

    def to_list(self) -> list:
        """Compact JSON form (``Rule(*row)`` reads it back)."""
        return [round(self.x0, 2), round(self.top, 2), round(self.x1, 2), round(self.bottom, 2)]


@dataclass(frozen=True)
class PageText:
    """A page's characters in reading order of the text layer, and its size."""

    number: int  # 1-based
    width: float
    height: float
    glyphs: tuple[Glyph, ...]
    scan: bool = False  # no text layer worth reading: an image of text, for OCR
    ocr: bool = False  # the glyphs were read by OCR
    rules: tuple[Rule, ...] = ()  # ruling lines (table borders)


def read_pdf(path: str | Path, limits: LimitsConfig | None = None) -> list[PageText]:
    """Every page's characters, read in a capped child process; DocumentError when PDFium cannot read the file,
    runs out of its memory cap or time."""
    limits = limits or LimitsConfig()
    path = Path(path)
    try:
        done = run_capped("index.pdf_reader", [str(path)], limits)
    except subprocess.TimeoutExpired as exc:
        raise DocumentError(f"cannot read PDF {path.name}: reading it took over {limits.pdf_timeout_s:g} s "
                            "([limits] pdf_timeout_s)") from exc
    if done.returncode != 0:
        reason = child_error(done)
        if "MemoryError" in reason or done.returncode < 0:
            reason = (f"it needs more than {limits.max_pdf_memory_mb:g} MB to read ([limits] max_pdf_memory_mb): "
                      "a decompression bomb, or a damaged file")
        raise DocumentError(f"cannot read PDF {path.name}: {reason.removeprefix('error: ')}")
    pages = json.loads(done.stdout)
    return [PageText(p["number"], p["width"], p["height"], tuple(Glyph(*g) for g in p["glyphs"]), p["scan"],
                     rules=tuple(Rule(*r) for r in p["rules"])) for p in pages]


def _read_here(path: str) -> list[PageText]:
    """Read the PDF in this process (the child's job)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    try:
        pdf = pdfium.PdfDocument(path)
    except Exception as exc:  # PdfiumError on a damaged, encrypted or non-PDF file
        raise DocumentError(f"not a readable PDF ({exc})") from exc
    try:
        return [_page(pdf[i], i + 1, raw) for i in range(len(pdf))]
    finally:
        pdf.close()


def _page(page, number: int, raw) -> PageText:
    width, height = page.get_size()
    textpage = page.get_textpage()
    glyphs = []
    for i in range(textpage.count_chars()):
        if raw.FPDFText_IsGenerated(textpage.raw, i):
            continue
        code = raw.FPDFText_GetUnicode(textpage.raw, i)
        if code in (0, 0xFFFE, 0xFFFF) or 0xD800 <= code <= 0xDFFF or chr(code) in "\r\n":
            continue
        left, bottom, right, top = textpage.get_charbox(i, loose=True)
        glyphs.append(Glyph(chr(code), left, height - top, right, height - bottom))
    textpage.close()
    scan = _is_scan(page, glyphs, width * height, raw)
    rules = _rules(page, height, raw)
    page.close()
    return PageText(number, width, height, tuple(glyphs), scan, rules=rules)


def _rules(page, height: float, raw) -> tuple[Rule, ...]:
    """The page's ruling lines, top-left coordinates: a thin drawn object (a filled hairline rectangle, a stroked
    line), and the straight axis-parallel pieces of a stroked path (a cell's stroked rectangle, a grid drawn as one
    path); none on a page that draws more than MAX_RULES (a chart)."""
    rules: list[Rule] = []
    for obj in page.get_objects(filter=(raw.FPDF_PAGEOBJ_PATH,)):
        left, bottom, right, top = obj.get_bounds()
        if min(right - left, top - bottom) <= RULE_THICKNESS:
            if max(right - left, top - bottom) >= RULE_MIN_LENGTH:
                rules.append(Rule(left, height - top, right, height - bottom))
        elif _stroked(obj, raw):
            rules += _stroked_pieces(obj, height, raw)
        if len(rules) > MAX_RULES:
            return ()
    return tuple(rules)


def _stroked(obj, raw) -> bool:
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    return bool(raw.FPDFPath_GetDrawMode(obj.raw, ctypes.byref(fill), ctypes.byref(stroke))) and bool(stroke.value)


def _stroked_pieces(obj, height: float, raw) -> list[Rule]:
    """The horizontal and vertical straight pieces of a stroked path, in page coordinates."""
    m = raw.FS_MATRIX()
    if not raw.FPDFPageObj_GetMatrix(obj.raw, ctypes.byref(m)):
        return []
    pieces, last, start = [], None, None
    x, y = ctypes.c_float(), ctypes.c_float()
    for i in range(raw.FPDFPath_CountSegments(obj.raw)):
        seg = raw.FPDFPath_GetPathSegment(obj.raw, i)
        if not raw.FPDFPathSegment_GetPoint(seg, ctypes.byref(x), ctypes.byref(y)):
            continue
        point = (m.a * x.value + m.c * y.value + m.e, height - (m.b * x.value + m.d * y.value + m.f))
        kind = raw.FPDFPathSegment_GetType(seg)
        if kind == raw.FPDF_SEGMENT_LINETO and last is not None:
            pieces.append((last, point))
        if kind == raw.FPDF_SEGMENT_MOVETO:
            start = point
        last = point
        if raw.FPDFPathSegment_GetClose(seg) and start is not None:
            pieces.append((point, start))
            last = start
    rules = []
    for (xa, ya), (xb, yb) in pieces:
        if min(abs(xb - xa), abs(yb - ya)) <= 0.5 and max(abs(xb - xa), abs(yb - ya)) >= RULE_MIN_LENGTH:
            rules.append(Rule(min(xa, xb), min(ya, yb), max(xa, xb), max(ya, yb)))
    return rules


def _is_scan(page, glyphs: list[Glyph], area: float, raw) -> bool:
    """No text-layer characters and something drawn, or a few characters over images covering most of the page."""
    chars = sum(not g.ch.isspace() for g in glyphs)
    if chars == 0:
        return raw.FPDFPage_CountObjects(page.raw) > 0
    if chars >= SCAN_MAX_CHARS:
        return False
    covered = 0.0
    for image in page.get_objects(filter=(raw.FPDF_PAGEOBJ_IMAGE,)):
        left, bottom, right, top = image.get_bounds()
        covered += max(right - left, 0.0) * max(top - bottom, 0.0)
    return covered >= SCAN_IMAGE_SHARE * area


def main(argv: list[str]) -> int:
    """Child entry: cap the address space, read the PDF, print its pages as JSON."""
    path = argv[0]
    cap_memory(float(argv[1]))
    try:
        pages = _read_here(path)
    except DocumentError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except MemoryError:
        print("MemoryError", file=sys.stderr)
        return 3
    out = [{"number": p.number, "width": p.width, "height": p.height, "scan": p.scan,
            "glyphs": [g.to_list() for g in p.glyphs], "rules": [r.to_list() for r in p.rules]} for p in pages]
    sys.stdout.write(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
