"""OCR of a rendered page (index.ocr): characters laid along their boxes, in PDF points; the packaged model."""
import pytest

from index.ocr import NARROW, RENDER_SCALE, load_engine, read_image, render_scale, spread
from tests.conftest import ARTICLE_10, ARTICLE_10_BAND, RESIDENCE_PDF, share_read

BOX = ((100, 40), (400, 40), (400, 70), (100, 70))  # 300 × 30 px


def test_spread_lays_characters_along_the_box_by_width_in_points():
    glyphs = spread("第1条", BOX, 2.0)
    assert [g.ch for g in glyphs] == ["第", "1", "条"]
    assert (glyphs[0].x0, glyphs[-1].x1, glyphs[0].top, glyphs[0].bottom) == (50, 200, 20, 35)
    assert glyphs[1].x1 - glyphs[1].x0 == pytest.approx(NARROW * (glyphs[0].x1 - glyphs[0].x0))
    assert all(a.x1 == pytest.approx(b.x0) for a, b in zip(glyphs, glyphs[1:]))


def test_a_space_takes_room_and_makes_no_glyph():
    first, second = spread("GB T", BOX, 1.0)[1:3]
    assert (first.ch, second.ch) == ("B", "T") and second.x0 - first.x1 == pytest.approx(first.x1 - first.x0)


def test_a_large_page_is_rendered_no_larger_than_the_model_reads_it():
    assert render_scale(595, 842) == RENDER_SCALE  # A4
    assert render_scale(1191, 1684) * 1684 == pytest.approx(2000)  # A3: RapidOCR would shrink it to 2000 px


def test_the_packaged_model_reads_a_rendered_page_where_its_text_layer_has_it():
    import pypdfium2 as pdfium

    page = pdfium.PdfDocument(str(RESIDENCE_PDF))[0]
    top, bottom = ARTICLE_10_BAND
    image = page.render(scale=2, crop=(0, page.get_size()[1] - bottom, 0, top)).to_numpy()
    glyphs = read_image(load_engine(2), image, 2.0)
    text = "".join(g.ch for g in glyphs)
    assert share_read(ARTICLE_10.replace(" ", ""), text) >= 0.9
    first = glyphs[0]  # 第: (316.5, 1343.85)–(328.5, 1355.02) in the text layer
    assert first.ch == "第" and abs(first.x0 - 316.5) < 3 and abs(first.top + top - 1343.8) < 3
