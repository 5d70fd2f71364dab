"""A question that names a part of a document by its number is answered from that part (retriever.references)."""
import pytest

from index.documents import Heading, Paragraph
from retriever.references import PartIndex, heading_key, part_keys


def para(pid: str, doc: str, *path: tuple[str, str]) -> Paragraph:
    return Paragraph(f"{doc}:{pid}", doc, "正文。", path=tuple(Heading(lv, t) for lv, t in path))


LAW_91 = para("p1", "law", ("chapter", "第七章 法律责任"), ("article", "第九十一条"))
LAW_92 = para("p2", "law", ("chapter", "第七章 法律责任"), ("article", "第九十二条"))
CITY_10 = para("p1", "city", ("article", "第十条"))
LAW_10 = para("p3", "law", ("article", "第十条"))
ROW = para("p1", "std", ("h1", "附 录 A（资料性附录） 安全要素关联矩阵"), ("table", "表A.1 关联矩阵"))
INDEX = PartIndex.from_paragraphs([LAW_91, LAW_92, CITY_10, LAW_10, ROW])

KEYS = [  # question → the numbered parts it names
    ("道路交通安全法第九十一条规定了什么？", ["article:91"]),
    ("第91条和第92条有什么区别？", ["article:91", "article:92"]),
    ("附录A是什么内容？", ["appendix:A"]),
    ("公报表3里粮食产量是多少？", ["table:3"]),
    ("南宁第一批试点有哪些？", []),
]


@pytest.mark.parametrize("question, keys", KEYS)
def test_part_keys(question, keys):
    assert part_keys(question) == keys


def test_only_articles_appendices_and_tables_are_numbered_parts():
    assert heading_key("article", "第九十一条") == "article:91"
    assert heading_key("h1", "附 录 A（资料性附录）") == "appendix:A"
    assert heading_key("section", "第十条") is None and heading_key("section", "表3 产量") is None


def test_a_named_article_brings_every_paragraph_of_it():
    assert INDEX.named("第九十一条规定了什么？", None, None) == [LAW_91]


def test_an_article_number_two_documents_share_is_taken_from_the_best_retrieved_one():
    assert INDEX.named("第十条怎么规定？", None, "city") == [CITY_10]
    assert INDEX.named("第十条怎么规定？", None, "other") == []
    assert INDEX.named("第十条怎么规定？", {"law"}, None) == [LAW_10]


def test_an_appendix_is_found_by_its_letter_whatever_the_spacing():
    assert INDEX.named("附录A是什么？", None, None) == [ROW]
