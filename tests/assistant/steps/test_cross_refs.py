"""An article and the articles of its statute that refer to it are evidence together (assistant.steps.cross_refs)."""
from dataclasses import replace

from assistant.steps.cross_refs import ArticleRefs, references
from assistant.steps.evidence import TermStats, rank_for_part, candidates, select
from assistant.steps.question_parts import split_parts
from index.documents import Heading, Paragraph


def article(pid: str, number: str, text: str, doc: str = "n", kind: str = "paragraph") -> Paragraph:
    """A paragraph of a statute's article (the article number is its innermost heading)."""
    return Paragraph(f"{doc}:{pid}", doc, text, title="南宁市电动自行车管理条例",
                     path=(Heading("chapter", "第六章 法律责任"), Heading("article", number)), kind=kind)


CONDUCT = article("p1", "第十条", "第十条 电动自行车的维修者不得对电动自行车实施下列行为：")
ITEM = article("p2", "第十条", "（五）加装伞架、车篷；", kind="list_item")
PENALTY = article("p3", "第三十九条", "第三十九条 违反本条例第十条规定的，由市场监督管理部门责令改正，"
                                      "没收违法所得，并可以按照每辆车处一千元罚款。")
UNRELATED = article("p4", "第二条", "第二条 本市行政区域内电动自行车的生产、销售、维修等管理活动，适用本条例。")
OTHER_DOC = replace(PENALTY, id="m:p3", doc_id="m")
ALL = [CONDUCT, ITEM, PENALTY, UNRELATED, OTHER_DOC]
REFS = ArticleRefs.from_paragraphs(ALL)
STATS = TermStats.from_paragraphs(ALL)


def test_references_reads_the_statutes_own_article_numbers():
    assert references("违反本条例第八条、第九条规定的，依照本法第九十条处罚") == ["第八条", "第九条", "第九十条"]


def test_only_a_violated_article_is_a_reference_that_brings_its_referrer():
    assert references("违反本条例第八条规定的，依照本法第九十条处罚", violated=True) == ["第八条"]


def test_an_article_of_another_law_is_no_reference():
    assert references("依照《中华人民共和国行政处罚法》第三十条的规定") == []


def test_referrers_are_recorded_per_document():
    assert [p.id for p in REFS.referrers[("n", "第十条")]] == ["n:p3"]
    assert [p.id for p in REFS.referrers[("m", "第十条")]] == ["m:p3"]


def test_a_chosen_article_brings_the_sentence_that_refers_to_it_after_it():
    q = "维修店给电动车加装车篷，会受到什么处罚？"
    ev = select(split_parts(q), q, [ITEM, UNRELATED], STATS, refs=REFS)
    ids = [c.paragraph.id for c in ev.sentences]
    assert "n:p3" in ids and "m:p3" not in ids
    assert ids.index("n:p3") < ids.index("n:p4")


def test_a_referring_sentence_matches_through_the_article_it_refers_to():
    q = "加装车篷"
    part = split_parts(q)[0]
    with_refs = rank_for_part(part, q, candidates([PENALTY]), STATS, refs=REFS)[0].score
    without = rank_for_part(part, q, candidates([PENALTY]), STATS)[0].score
    assert with_refs > without == 0


def test_a_paragraph_outside_any_article_brings_nothing():
    plain = Paragraph("r:p1", "r", "天津口岸进口整体通关时间压缩至34.93小时。")
    assert REFS.companions(plain) == []
