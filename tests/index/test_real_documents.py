"""The readers on real government files: what gets indexed is what the documents say.

Three files ship in tests/data/real (a gov.cn browser printout, a bulletin with text-layer tables, a standard
draft in Word with custom heading styles and generated clause numbers); the other three of
../shared/corpora/real-docs are used when present (the tests on them skip cleanly otherwise).
"""
import re

import pytest

from index.documents import Paragraph
from index.loaders import load_document
from tests.conftest import REAL
from tests.conftest import SHARED_REAL as SHARED
RADICALS_RE = re.compile(r"[\u2e80-\u2fdf\uf900-\ufaff]")
PAGE_NUMBER_LABEL_RE = re.compile(r"[－-]\s*\d+\s*[－-]")
CHROME = ("ICP备", "打印本页", "首页>", "www.", "http", "字体", "责任编辑", "微博", "Tiếng", "2026/2/9")


def _shared(name: str):
    path = next(SHARED.glob(f"{name}*"), None) if SHARED.is_dir() else None
    if path is None:
        pytest.skip(f"{SHARED} not present")
    return path


@pytest.fixture(scope="module")
def printout() -> list[Paragraph]:
    return load_document(REAL / "residence_permit_printout.pdf").paragraphs


@pytest.fixture(scope="module")
def bulletin() -> list[Paragraph]:
    return load_document(REAL / "zhoukou_bulletin_2023.pdf").paragraphs


@pytest.fixture(scope="module")
def standard() -> list[Paragraph]:
    return load_document(REAL / "nuclear_psr_standard_draft.docx").paragraphs


def test_no_radical_code_points_chrome_or_page_number_labels(printout, bulletin, standard):
    for p in (*printout, *bulletin, *standard):
        assert not RADICALS_RE.search(p.text + p.label), p.label
        assert not PAGE_NUMBER_LABEL_RE.search(p.label), p.label
        assert not any(c in p.text for c in CHROME), p.text


def test_printout_title_comes_from_the_page_not_the_file_name(printout):
    assert {p.title for p in printout} == {"居住证暂行条例（国务院令第663号）"}


def test_printout_articles_carry_their_number_and_page(printout):
    articles = [p for p in printout if p.text.startswith("第") and "条 " in p.text[:8]]
    assert len(articles) == 23
    assert all(p.label.endswith(("条（第1页）", "条（第2页）", "条（第1–2页）")) for p in articles)
    twelfth = next(p for p in printout if p.text.startswith("第十二条"))
    assert twelfth.label == "居住证暂行条例（国务院令第663号） › 第十二条（第1页）"


def test_printout_list_items_are_items_of_their_article(printout):
    item = next(p for p in printout if p.text.startswith("（三）机动车登记"))
    assert item.text == "（三）机动车登记；" and item.kind == "list_item"  # the side bar on its line is gone
    assert item.label == "居住证暂行条例（国务院令第663号） › 第十三条 › （三）（第2页）"


def test_bulletin_table_rows_carry_table_title_and_column_headers(bulletin):
    grain = next(p for p in bulletin if p.kind == "table_row" and p.row == "粮食")
    assert grain.text == "粮食：产量902.61万吨，比上年增长-3.2%"
    assert grain.label == "2023年周口市国民经济和社会发展统计公报 › 二、农业 › 表3 2023年周口市主要农产品产量及增速 › 粮食（第4页）"


def test_bulletin_row_under_a_unit_column_has_its_unit(bulletin):
    steel = next(p for p in bulletin if p.kind == "table_row" and p.row == "钢材")
    assert steel.text == "钢材：产量1577693吨，比上年增长48.8%"


def test_bulletin_heading_set_between_two_paragraphs_is_read_in_place(bulletin):
    first = next(p for p in bulletin if p.text.startswith("初步核算"))
    assert first.label == "2023年周口市国民经济和社会发展统计公报 › 一、综合 › 第1段（第1页）"
    assert not any(p.text.endswith("一、综合") for p in bulletin)


def test_bulletin_letter_spacing_is_closed(bulletin):
    cpi = [p.row for p in bulletin if p.kind == "table_row" and "居民消费价格指数" in p.heading("table")]
    assert "一、食品烟酒 › 鲜菜" in cpi and "一、食品烟酒 › #粮食" in cpi


def test_standard_clause_numbers_generated_by_word_are_in_the_headings(standard):
    p = next(p for p in standard if p.text.startswith("5.1.1"))
    assert p.label == "核电厂定期安全评价第1部分：通用要求 › 5 定期安全评价的策划和准备 › 5.1 确定评价范围和内容 › 5.1.1"


def test_standard_list_markers_generated_by_word_are_in_the_text(standard):
    items = [p.text for p in standard if p.kind == "list_item" and "（SF" in p.text]
    assert items[0] == "a)核电厂设计（SF1）" and len(items) == 14


def test_standard_term_entry_numbered_by_an_empty_heading_paragraph_heads_its_definition(standard):
    p = next(p for p in standard if p.text.startswith("电厂现状与安全基准"))
    assert p.label.endswith("3 术语和定义 › 3.3 差异项 difference › 第1段")


def test_standard_matrix_of_marks_reads_as_lists_of_the_marked_columns(standard):
    row = next(p for p in standard if p.row == "接受输入的安全要素 SF9")
    assert row.text == "接受输入的安全要素 SF9：提供输入的安全要素：SF1、SF10、SF11、SF14"


def test_standard_table_of_contents_is_not_content(standard):
    assert not any(re.search(r"\t|\d$", p.text) and p.text.startswith(("1 范围", "前言")) for p in standard)
    assert sum(1 for p in standard if "规范性引用文件" in p.label) == 1


def test_statute_every_article_is_labelled_with_its_number():
    paras = load_document(_shared("01_")).paragraphs
    heads = [p.path[-1].text for p in paras if p.path and p.path[-1].level == "article"]
    assert len(dict.fromkeys(heads)) == 124  # 第一条 … 第一百二十四条
    fine = next(p for p in paras if p.text.startswith("第九十一条"))
    assert fine.label == "中华人民共和国道路交通安全法 › 第七章 法律责任 › 第九十一条（第24页）"
    assert "2003年10月28日" in paras[0].text  # letter-spaced digits closed


def test_printout_with_foreign_language_bar_and_portal_footer():
    paras = load_document(_shared("05_")).paragraphs
    assert {p.title for p in paras} == {"南宁市电动自行车管理条例"}
    assert not any(re.search(r"[\u0e00-\u0e7f]|Việt|ICP|网站标识码|复制 打印", p.text) for p in paras)


def test_word_bulletin_in_normal_style_with_word_tables():
    paras = load_document(_shared("09_")).paragraphs
    assert paras[0].title == "黔东南苗族侗族自治州2016年国民经济和社会发展统计公报"
    grain = next(p for p in paras if p.kind == "table_row" and p.row == "粮食")
    assert grain.label.endswith("二、农业 › 表3主要农产品产量 › 粮食") and grain.text.startswith("粮食：产量1223474吨")
