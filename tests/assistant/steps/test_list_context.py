"""A statute's lead-in and its list items are evidence together (assistant.steps.list_context, assistant.steps.evidence)."""
from dataclasses import replace

from assistant.steps.evidence import TermStats, select
from assistant.steps.list_context import ListContext
from assistant.steps.question_parts import split_parts
from tests.conftest import make_paragraph

LEAD = make_paragraph("n:p1", "n", "第四十五条 有下列行为之一的，由消防救援机构责令改正，对单位处五千元以上五万元以下罚款：")
ITEMS = [replace(make_paragraph(f"n:p{i}", "n", text), kind="list_item") for i, text in
         [(2, "（一）在楼梯间、疏散通道停放或者充电的；"), (3, "（二）在群租屋内为电动自行车充电的。")]]
OTHER = make_paragraph("n:p4", "n", "第四十六条 电动自行车应当在规定地点停放。")
ALL = [LEAD, *ITEMS, OTHER]
STATS = TermStats.from_paragraphs(ALL)
LISTS = ListContext.from_paragraphs(ALL)


def test_items_after_a_colon_belong_to_that_lead_in():
    assert LISTS.lead_of["n:p3"] is LEAD and [p.id for p in LISTS.items_of["n:p1"]] == ["n:p2", "n:p3"]
    assert "n:p4" not in LISTS.lead_of


def test_a_retrieved_item_brings_its_lead_in_before_it():
    q = "单位在楼梯间给电动车充电，要罚多少钱？"
    ev = select(split_parts(q), q, [ITEMS[0], OTHER], STATS, lists=LISTS)
    ids = [c.paragraph.id for c in ev.sentences]
    assert "n:p1" in ids and ids.index("n:p1") < ids.index("n:p2")


def test_a_retrieved_lead_in_brings_its_items_in_order():
    q = "哪些行为会被消防救援机构责令改正？"
    ev = select(split_parts(q), q, [LEAD], STATS, lists=LISTS)
    assert [c.paragraph.id for c in ev.sentences] == ["n:p1", "n:p2", "n:p3"]


def test_without_list_context_only_retrieved_paragraphs_are_evidence():
    q = "单位在楼梯间给电动车充电，要罚多少钱？"
    ev = select(split_parts(q), q, [ITEMS[0]], STATS)
    assert {c.paragraph.id for c in ev.sentences} == {"n:p2"}
