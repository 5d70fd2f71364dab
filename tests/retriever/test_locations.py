from index.documents import Box, Paragraph
from retriever.locations import chunk_location, paragraph_location

ACROSS = Paragraph("b:p0040", "b", "全年全市生猪出栏量…", boxes=(Box(3, 114.0, 647.38, 505.32, 663.12),
                                                           Box(4, 90.0, 82.3, 195.96, 98.04)))
ON_ONE = Paragraph("b:p0041", "b", "全年全市粮食…", boxes=(Box(4, 90.0, 110.0, 505.0, 126.0),))
TEXT = Paragraph("t:p0001", "t", "纯文本段落")


def test_a_paragraph_across_a_page_break_lists_both_pages_and_every_box():
    assert paragraph_location(ACROSS) == {"doc_id": "b", "page": 3, "pages": [3, 4],
                                          "bbox": [[3, 114.0, 647.4, 505.3, 663.1], [4, 90.0, 82.3, 196.0, 98.0]]}


def test_a_paragraph_outside_a_pdf_has_no_page():
    assert paragraph_location(TEXT) == {"doc_id": "t", "page": None, "pages": [], "bbox": []}


def test_a_chunk_lists_the_pages_of_its_paragraphs_in_order_and_each_paragraphs_boxes():
    loc = chunk_location(["b:p0040", "b:p0041"], {p.id: p for p in (ACROSS, ON_ONE)})
    assert loc["pages"] == [3, 4]
    assert [(p["paragraph_id"], p["page"], p["pages"]) for p in loc["paragraphs"]] == [("b:p0040", 3, [3, 4]),
                                                                                    ("b:p0041", 4, [4])]
    assert loc["paragraphs"][1]["bbox"] == [[4, 90.0, 110.0, 505.0, 126.0]]
