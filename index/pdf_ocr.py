"""Read a PDF's scanned pages by OCR (:mod:`index.ocr`) in a capped child process, page by page.

The child (``python -m index.pdf_ocr PATH THREADS PAGE… CAP_MB``) renders each page with PDFium at
:func:`index.ocr.render_scale`, reads it and prints its characters as one JSON line as soon as it is read. The
parent waits no longer than what is left of ``[limits] pdf_timeout_s`` for the PDF; the child is capped in
memory like the PDF reader (``max_pdf_memory_mb``). The pages read before the child ended — in time or not,
out of memory, crashed — are kept, and a note says why the others were not read. A crash of OCR never costs
the PDF's text layer, which the reader's own child has already read.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from index.capped import cap_memory, child_error, run_capped
from index.pdf_reader import Glyph, PageText
from settings import LimitsConfig, OcrConfig

OCR_UNAVAILABLE = "OCR unavailable"  # how the note begins when the OCR package cannot be imported or started
OCR_OFF = "OCR is off ([ocr] enabled = false)"
UNAVAILABLE_EXIT = 4  # the child's exit code when the engine cannot start


def read_scans(path: str | Path, pages: list[PageText], limits: LimitsConfig, ocr: OcrConfig,
               deadline: float) -> tuple[list[PageText], str]:
    """The pages, with the characters OCR read on the scans (until ``deadline``, a ``time.monotonic()``), and why
    scans were left unread ('' when OCR reached every one)."""
    scans = [p.number for p in pages if p.scan]
    if not scans:
        return pages, ""
    if not ocr.enabled:
        return pages, OCR_OFF
    read: dict[int, tuple[Glyph, ...]] = {}
    try:
        done = run_capped("index.pdf_ocr", [str(path), str(ocr.threads), *map(str, scans)], limits,
                          timeout=max(deadline - time.monotonic(), 0.0))
        out, failure = done.stdout, _failure(done, limits)
    except subprocess.TimeoutExpired as exc:
        out, failure = exc.stdout or b"", (f"reading the PDF would take over {limits.pdf_timeout_s:g} s ([limits] "
                                           "pdf_timeout_s); raise it and read the file again (python -m index add)")
    for line in out.decode("utf-8", "replace").splitlines():
        try:
            page = json.loads(line)
        except json.JSONDecodeError:  # the line the child was writing when it ended
            continue
        read[page["number"]] = tuple(Glyph(*g) for g in page["glyphs"])
    unread = [n for n in scans if n not in read]
    note = ""
    if unread:
        note = failure if failure.startswith(OCR_UNAVAILABLE) else f"OCR stopped at page {unread[0]}: {failure}"
    return [replace(p, glyphs=read[p.number], ocr=True) if read.get(p.number) else p for p in pages], note


def _failure(done: subprocess.CompletedProcess, limits: LimitsConfig) -> str:
    """Why the child ended before reading every page."""
    reason = child_error(done)
    if done.returncode == UNAVAILABLE_EXIT:
        return f"{OCR_UNAVAILABLE}: {reason}"
    if "MemoryError" in reason or "bad_alloc" in reason:
        return f"it needs more than {limits.max_pdf_memory_mb:g} MB ([limits] max_pdf_memory_mb)"
    if done.returncode < 0:
        return f"it crashed ({signal.strsignal(-done.returncode)})"
    return reason


def main(argv: list[str]) -> int:
    """Child entry (path, threads, page numbers…, memory cap in MB): print each page's characters as a JSON line."""
    os.environ["OPENBLAS_NUM_THREADS"] = "1"  # numpy's BLAS takes ~20 MB of address space per thread, one per CPU
    from index.ocr import OcrUnavailable, load_engine, read_image, render_scale

    path, threads, numbers = argv[0], int(argv[1]), [int(n) for n in argv[2:-1]]
    cap_memory(float(argv[-1]))
    try:
        engine = load_engine(threads)
    except OcrUnavailable as exc:
        print(exc, file=sys.stderr)
        return UNAVAILABLE_EXIT
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path)
    try:
        for number in numbers:
            page = pdf[number - 1]
            scale = render_scale(*page.get_size())
            glyphs = read_image(engine, page.render(scale=scale).to_numpy(), scale)
            page.close()
            print(json.dumps({"number": number, "glyphs": [g.to_list() for g in glyphs]}, ensure_ascii=False),
                  flush=True)
    finally:
        pdf.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
