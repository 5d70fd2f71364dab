"""The PDF reader (index.pdf_reader): which pages are scans (no text layer worth reading)."""
import pypdfium2 as pdfium

from index.pdf_reader import read_pdf
from tests.conftest import RESIDENCE_PDF, scanned_pdf


def test_a_page_without_a_text_layer_is_a_scan(tmp_path):
    page, = read_pdf(scanned_pdf(tmp_path / "scan.pdf"))
    assert page.scan and page.glyphs == () and not page.ocr


def test_a_few_text_layer_characters_over_a_page_size_image_are_a_scan(tmp_path):
    page, = read_pdf(scanned_pdf(tmp_path / "stamped.pdf", stamp="Scan 0001"))
    assert page.scan and "".join(g.ch for g in page.glyphs) == "Scan 0001"


def test_a_page_with_a_text_layer_is_not_a_scan():
    assert not any(page.scan for page in read_pdf(RESIDENCE_PDF))


def test_a_blank_page_is_not_a_scan(tmp_path):
    pdf = pdfium.PdfDocument.new()
    pdf.new_page(595, 842)
    pdf.save(str(tmp_path / "blank.pdf"))
    page, = read_pdf(tmp_path / "blank.pdf")
    assert not page.scan and page.glyphs == ()
