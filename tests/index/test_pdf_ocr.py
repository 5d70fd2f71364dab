"""Scanned pages read by OCR in a capped child (index.pdf_ocr): what it read, and why it stopped."""
import subprocess
import time

import pytest

from index.pdf_ocr import UNAVAILABLE_EXIT, _failure, read_scans
from index.pdf_reader import read_pdf
from settings import LimitsConfig, OcrConfig
from tests.conftest import ARTICLE_10, scanned_pdf, share_read


def test_scans_are_read_by_ocr_within_their_page(tmp_path):
    path = scanned_pdf(tmp_path / "scan.pdf", pages=2)
    pages, note = read_scans(path, read_pdf(path), LimitsConfig(), OcrConfig(), time.monotonic() + 300)
    assert note == "" and [p.ocr for p in pages] == [True, True]
    for page in pages:
        assert share_read(ARTICLE_10.replace(" ", ""), "".join(g.ch for g in page.glyphs)) >= 0.9
        assert all(0 <= g.x0 < g.x1 <= page.width and 0 <= g.top < g.bottom <= page.height for g in page.glyphs)


def test_scans_past_the_time_cap_are_left_unread_naming_the_setting(tmp_path):
    path = scanned_pdf(tmp_path / "scan.pdf")
    pages, note = read_scans(path, read_pdf(path), LimitsConfig(pdf_timeout_s=60), OcrConfig(), time.monotonic())
    assert not pages[0].ocr and note.startswith("OCR stopped at page 1: reading the PDF would take over 60 s "
                                                "([limits] pdf_timeout_s)")


@pytest.mark.parametrize("code, stderr, reason", [
    (UNAVAILABLE_EXIT, b"rapidocr_onnxruntime is not installed: pip install rapidocr-onnxruntime==1.4.4\n",
     "OCR unavailable: rapidocr_onnxruntime is not installed"),
    (1, b"Traceback (most recent call last):\nMemoryError\n", "it needs more than 2048 MB ([limits] max_pdf_memory_mb)"),
    (1, b"RuntimeException: [ONNXRuntimeError] : 6 : Status Message: std::bad_alloc\n", "it needs more than 2048 MB"),
    (-11, b"", "it crashed (Segmentation fault)"),
])
def test_the_note_says_why_the_child_ended(code, stderr, reason):
    assert _failure(subprocess.CompletedProcess([], code, b"", stderr), LimitsConfig()).startswith(reason)
