"""The citation viewer's HTML: highlight geometry, pages, sections with neighbours, the other citations."""
import re

from index.documents import Heading, Paragraph
from webapp.viewer import (ShownPage, highlight_rects, neighbours, render_page_view, render_section_view,
                           render_unavailable)

A4 = (595.3, 841.9)
ACROSS = {"n": 2, "label": "公报 › 二、农业 › 第6段（第3–4页）", "text": "全年全市生猪出栏量745.02万头。",
          "bbox": [[3, 114.0, 647.4, 505.3, 663.1], [4, 90.0, 82.3, 196.0, 98.0]]}
OTHER = {"n": 1, "label": "公报 › 一、综合 › 第1段（第1页）", "text": "初步核算。", "bbox": [[1, 90.0, 100.0, 500.0, 116.0]]}
PAGES = [ShownPage(3, "/gradio_api/file=/idx/pages/b/00-p0003.png", *A4),
         ShownPage(4, "/gradio_api/file=/idx/pages/b/00-p0004.png", *A4)]


def test_a_box_becomes_a_padded_rectangle_in_percent_of_its_page():
    (left, top, width, height), = highlight_rects([[1, 100.0, 200.0, 300.0, 212.0]], 1, 400.0, 800.0, pad=2.0)
    assert (left, top, width, height) == (24.5, 24.75, 51.0, 2.0)


def test_only_the_boxes_on_the_page_are_drawn_and_they_stay_on_the_page():
    rects = highlight_rects(ACROSS["bbox"] + [[4, 0.5, 830.0, 596.0, 841.5]], 4, *A4)
    assert len(rects) == 2
    left, top, width, height = rects[1]
    assert left == 0.0 and left + width <= 100.0 and top + height <= 100.0


def test_a_paragraph_across_a_page_break_shows_both_pages_each_with_its_highlight():
    html = render_page_view(ACROSS, PAGES, 1, [OTHER, ACROSS])
    pages = re.findall(r'<div class="pv-page" data-page="(\d+)".*?</div>(?=<div class="pv-page-no">)', html)
    assert pages == ["3", "4"]
    assert html.count('class="pv-hl"') == 2
    assert 'src="/gradio_api/file=/idx/pages/b/00-p0003.png"' in html and "aspect-ratio:595.30 / 841.90" in html


def test_the_answers_other_citations_are_links_and_the_shown_one_is_marked():
    html = render_page_view(ACROSS, PAGES, 3, [OTHER, ACROSS])
    assert re.search(r'<a class="cite pv-nav" href="#src-3-1" data-n="1"[^>]*>\[1\]</a>', html)
    assert re.search(r'<a class="cite pv-nav active" href="#src-3-2"', html)
    assert "pv-navs" not in render_page_view(ACROSS, PAGES, 3, [ACROSS])  # nothing else to go to


def _p(i: int, text: str, heading: str, doc: str = "d") -> Paragraph:
    return Paragraph(f"{doc}:p{i:04d}", doc, text, title="标题", path=(Heading("section", heading),))


SECTION = [_p(1, "甲", "一、"), _p(2, "乙", "二、"), _p(3, "丙", "二、"), _p(4, "丁", "二、"), _p(5, "戊", "二、"),
           _p(6, "己", "二、"), _p(7, "庚", "二、"), _p(8, "辛", "三、"), _p(1, "别", "二、", doc="e")]


def test_the_neighbours_are_up_to_two_paragraphs_each_side_under_the_same_heading_of_the_same_document():
    before, after = neighbours(SECTION[2], SECTION)
    assert [p.text for p in before] == ["乙"] and [p.text for p in after] == ["丁", "戊"]
    before, after = neighbours(SECTION[6], SECTION)
    assert [p.text for p in before] == ["戊", "己"] and after == []


def test_a_paragraph_without_pages_is_shown_marked_between_its_neighbours_under_its_heading_path():
    cited = {"n": 1, "label": "标题 › 二、 › 第3段", "text": "丁", "bbox": []}
    html = render_section_view(cited, SECTION[3], SECTION[1:3], SECTION[4:6], 1, [cited])
    assert re.findall(r'<p class="pv-para( cited)?">(.)</p>', html) == [("", "乙"), ("", "丙"), (" cited", "丁"),
                                                                       ("", "戊"), ("", "己")]
    assert '<div class="pv-path">标题 › 二、</div>' in html


def test_an_unavailable_place_says_why_and_shows_the_quoted_text():
    html = render_unavailable(OTHER, "文档已删除", 1, [OTHER])
    assert "文档已删除" in html and '<p class="pv-para cited">初步核算。</p>' in html
