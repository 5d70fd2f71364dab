"""Parsing benchmark: parse-only time per format, and the PDF readers compared on speed and on what they extract.

Parse-only rows: `load_document` on the bundled report (.txt), the real files shipped in tests/data/real and, when
present, the six of ../shared/corpora/real-docs (PDF pages/s, paragraphs). The readers compared on the 35-page
statute and every PDF with gold quotes: this project's reader (pypdfium2 characters → lines by geometry →
furniture removed → paragraphs), pypdfium2's own text, pdfplumber's `extract_text` and pypdf's `extract_text`
(what the project used before). Quality: the share of the gold evidence quotes of eval/realdocs (dev + test) on
PDFs that occur in what the reader gives for that document (whitespace ignored), and the Kangxi/radical code
points left in it.
"""
from __future__ import annotations

import re
import statistics
import time
from pathlib import Path

from bench.common import verdict
from settings import DEFAULT_CORPUS, PROJECT_ROOT
from textutil import squash

REAL = PROJECT_ROOT / "tests" / "data" / "real"
SHARED = PROJECT_ROOT.parent / "shared" / "corpora" / "real-docs"
SETS = (PROJECT_ROOT / "eval" / "realdocs" / "dev.jsonl", PROJECT_ROOT / "eval" / "realdocs" / "test.jsonl")
STATUTE = "01_中华人民共和国道路交通安全法.pdf"
RADICALS_RE = re.compile(r"[\u2e80-\u2fdf]")
TARGET_S = 5.0  # a 35-page PDF parsed in at most this many seconds on 2 cores


def documents() -> list[Path]:
    """The files parsed: the report, the shipped real files, the shared real files when present."""
    files = [next(DEFAULT_CORPUS.glob("*.txt")), *sorted(REAL.glob("*.pdf")), *sorted(REAL.glob("*.docx"))]
    if SHARED.is_dir():
        files += sorted(p for p in SHARED.iterdir() if p.suffix in (".pdf", ".docx"))
    return files


def _timed(fn, rounds: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(rounds):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def parse_rows(files: list[Path], rounds: int) -> list[list]:
    """[file, format, pages, paragraphs, seconds, pages/s] per file (median of ``rounds`` parses)."""
    from index.loaders import load_document

    rows = []
    for path in files:
        seconds, doc = _timed(lambda: load_document(path), rounds)
        rows.append([path.name[:40], path.suffix[1:], doc.pages or "—", len(doc.paragraphs), seconds,
                     doc.pages / seconds if doc.pages else "—"])
    return rows


def _pdfium_text(path: Path) -> str:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def _plumber_text(path: Path) -> str:
    import logging

    import pdfplumber

    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # FontBBox warnings on CJK fonts

    with pdfplumber.open(str(path)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def _pypdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)


def _project_text(path: Path) -> str:
    from index.loaders import load_document

    return "\n".join(p.haystack for p in load_document(path).paragraphs)


READERS = {"this project (pypdfium2 + layout)": _project_text, "pypdfium2 get_text_range": _pdfium_text,
           "pdfplumber extract_text": _plumber_text, "pypdf extract_text": _pypdf_text}


def gold_quotes() -> dict[str, list[str]]:
    """The evidence quotes of the real-document sets, by the PDF file they quote."""
    from eval.dataset import load_dataset

    quotes: dict[str, list[str]] = {}
    for path in SETS:
        for item in load_dataset(path):
            if item.doc.endswith(".pdf"):
                quotes.setdefault(item.doc, []).extend(item.evidence)
    return quotes


def library_rows(rounds: int) -> tuple[list[list], str]:
    """[reader, statute seconds, statute pages/s, quotes found, radical code points] per reader, and a note."""
    statute = SHARED / STATUTE
    if not statute.is_file():
        return [], f"{SHARED} not present: readers not compared"
    import pypdfium2 as pdfium

    pages = len(pdfium.PdfDocument(str(statute)))
    quotes = gold_quotes()
    rows = []
    for name, read in READERS.items():
        seconds, _ = _timed(lambda: read(statute), rounds)
        found = total = radicals = 0
        for doc, qs in quotes.items():
            text = read(SHARED / doc)
            radicals += len(RADICALS_RE.findall(text))
            hay = squash(text)
            found += sum(squash(q) in hay for q in qs)
            total += len(qs)
        rows.append([name, seconds, pages / seconds, f"{found}/{total} ({found / total:.0%})", radicals])
    return rows, f"statute: {pages} pages; quotes: {sum(map(len, quotes.values()))} of {len(quotes)} PDFs"


def run(quick: bool = False, rounds: int | None = None) -> dict:
    """Parse-only rows and the reader comparison."""
    rounds = rounds or (1 if quick else 3)
    rows = parse_rows(documents(), rounds)
    libs, note = library_rows(rounds)
    statute = next((r for r in rows if r[0].startswith(STATUTE[:20])), None)
    tables = [{"caption": f"Parse only (load_document: read, clean, structure), median of {rounds}",
               "headers": ["file", "format", "pages", "paragraphs", "seconds", "pages/s"], "rows": rows}]
    if libs:
        tables.append({"caption": "PDF readers: the 35-page statute, and the real-document sets' gold quotes on "
                                  "PDFs found in each reader's text (whitespace ignored)",
                       "headers": ["reader", "statute s", "pages/s", "gold quotes found", "radical code points"],
                       "rows": libs})
    targets = []
    if statute:
        targets.append({"name": f"35-page PDF parsed in ≤ {TARGET_S:g} s",
                        **verdict(statute[4] <= TARGET_S, f"{statute[4]:.2f} s ({statute[5]:.0f} pages/s)")})
    return {"part": "parsing", "title": "Parsing: per format, and the PDF readers compared", "tables": tables,
            "notes": [note], "targets": targets, "raw": {"parse": rows, "readers": libs}}
