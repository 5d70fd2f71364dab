"""The final answer, part by part: model sentences, verbatim extracts, notes (assistant.steps.compose)."""
from assistant.answer import Line, Numbering
from assistant.steps.compose import answer_text, citations_for, claims_of, compose, resting_sentence
from assistant.steps.evidence import Candidate
from assistant.steps.gate import PartFeatures, PartVerdict
from assistant.steps.question_parts import Part
from assistant.steps.verify import Claim, Verdict
from tests.conftest import make_paragraph

PARA = make_paragraph("d:p1", "d", "二是进口整体通关时间 34.93 小时。出口整体通关时间仅 0.74 小时。")
CUT = PARA.text.index("。") + 1
S1 = Candidate(PARA, 0, CUT, 0)
S2 = Candidate(PARA, CUT, len(PARA.text), 0)
NUMBERING = Numbering.of([S1, S2], {"d:p1": ("d:c1", 0.5)})
SOURCES = NUMBERING.sources
IMPORT = Part("进口整体通关时间是多少？", "进口", "number")
EXPORT = Part("出口整体通关时间是多少？", "出口", "number")
FEATS = PartFeatures(1.0, 1.0, 0, 0)


def _verdict(part, ok=True, best=None):
    return PartVerdict(part, ok, 0.9 if ok else 0.1, FEATS, best, (), grounded=best is not None)


def test_one_source_per_paragraph():
    assert [s.n for s in SOURCES.values()] == [1] and SOURCES["d:p1"].chunk_id == "d:c1"


def test_uncovered_answerable_part_is_extracted_verbatim_without_the_enumeration_word():
    checks = [Verdict(Claim("出口整体通关时间为0.74小时", (2,)), True)]
    lines, outcomes = compose([_verdict(IMPORT, best=S1), _verdict(EXPORT, best=S2)], checks, NUMBERING,
                              "资料中没有关于“{part}”的信息。")
    assert [o.answered_by for o in outcomes] == ["extract", "model"]
    assert lines[-1] == Line("进口整体通关时间 34.93 小时。", (1,), "extract")


def test_the_source_sentence_of_a_model_sentence_follows_it_verbatim():
    checks = [Verdict(Claim("出口整体通关时间为0.74小时", (2,)), True)]
    lines, _ = compose([_verdict(EXPORT, best=S2)], checks, NUMBERING, "")
    assert [line.origin for line in lines] == ["model", "quote"]
    assert lines[1].text == f"原文：「{S2.text.strip()}」" and lines[1].cites == (1,)
    assert lines[1].render() == f"原文：「{S2.text.strip()}」[1]"


def test_the_quote_is_the_sentence_holding_the_claim_even_when_another_one_is_cited():
    checks = [Verdict(Claim("出口整体通关时间为0.74小时", (1,)), True)]  # cites S1 (进口…), rests on S2
    lines, _ = compose([_verdict(EXPORT, best=S2)], checks, NUMBERING, "")
    assert lines[-1].text == f"原文：「{S2.text.strip()}」"


def test_no_quote_when_the_answer_holds_the_source_sentence_word_for_word():
    checks = [Verdict(Claim(S2.text.strip(), (2,)), True)]
    lines, _ = compose([_verdict(EXPORT, best=S2)], checks, NUMBERING, "")
    assert [line.origin for line in lines] == ["model"]


def test_unanswerable_part_gets_a_note():
    lines, outcomes = compose([_verdict(IMPORT, ok=False), _verdict(EXPORT, best=S2)],
                              [Verdict(Claim("出口整体通关时间为0.74小时", (2,)), True)], NUMBERING,
                              "资料中没有关于“{part}”的信息。")
    assert lines[-1].origin == "note" and "进口整体通关时间是多少" in lines[-1].text
    assert citations_for(lines, SOURCES)[0].text == PARA.text


def test_a_part_a_checked_sentence_answers_gets_no_note_though_the_gate_found_no_sentence_for_it():
    lines, outcomes = compose([_verdict(IMPORT, ok=False), _verdict(EXPORT, best=S2)],
                              [Verdict(Claim("进口整体通关时间为34.93小时，出口为0.74小时", (1,)), True)], NUMBERING,
                              "资料中没有关于“{part}”的信息。")
    assert "note" not in [line.origin for line in lines]
    assert [o.answered_by for o in outcomes] == ["model", "model"]


def test_a_note_is_not_repeated_for_parts_worded_alike():
    twin = Part("进口整体通关时间是多少？", "进口整体", "number")
    lines, _ = compose([_verdict(IMPORT, ok=False), _verdict(twin, ok=False), _verdict(EXPORT, best=S2)],
                       [Verdict(Claim("出口整体通关时间为0.74小时", (2,)), True)], NUMBERING,
                       "资料中没有关于“{part}”的信息。")
    assert [line.origin for line in lines].count("note") == 1


def test_quoted_source_sentences_stand_on_lines_of_their_own():
    lines = [Line("甲", (1,), "model"), Line("原文：「甲乙。」", (1,), "quote"), Line("资料中没有丙。", (), "note")]
    assert answer_text(lines) == "甲[1]。\n原文：「甲乙。」[1]\n资料中没有丙。"


def test_rejected_sentences_are_left_out():
    lines, _ = compose([_verdict(EXPORT, best=S2)], [Verdict(Claim("错误", (2,)), False, "x")], NUMBERING, "")
    assert all(line.text != "错误" for line in lines)


def test_markers_render_before_punctuation_and_claims_parse():
    assert Line("甲。", (1, 2), "model").render() == "甲[1][2]。"
    assert Line("一是甲；", (1,), "extract").render() == "一是甲[1]。"  # a clause cut at ；ends the line with 。
    assert claims_of("甲[1]。乙[2][3]。") == [Claim("甲。", (1,)), Claim("乙。", (2, 3))]


def test_ungrounded_evidence_is_not_quoted_as_an_answer():
    v = PartVerdict(IMPORT, True, 0.9, FEATS, S2, (), grounded=False)  # best sentence: another slot's figure
    lines, outcomes = compose([v], [], NUMBERING, "资料中没有关于“{part}”的信息。")
    assert outcomes[0].answered_by == "none" and all(line.origin != "extract" for line in lines)


def test_the_models_choice_is_quoted_before_the_best_matching_sentence():
    # the lexically best sentence (S2) is grounded too, but the model read the question and chose S1
    v = PartVerdict(IMPORT, True, 0.9, FEATS, S2, (), grounded=True, chosen=S1)
    lines, outcomes = compose([v], [], NUMBERING, "资料中没有关于“{part}”的信息。")
    assert outcomes[0].answered_by == "extract" and lines[-1].text == "进口整体通关时间 34.93 小时。"


def test_claims_drop_list_numbering_but_keep_decimals():
    assert claims_of("1. 甲[1]。\n（2）乙[2]。3.5亿元[1]。") == [Claim("甲。", (1,)), Claim("乙。", (2,)), Claim("3.5亿元。", (1,))]


def test_the_quoted_sentence_is_the_one_holding_the_claims_figure():
    para = make_paragraph("d:p9", "d", "2021 年，北京专利授权量 19.9 万件。位于北京经开区的京东方截至 2021 年累计申请自主专利超 7 万件。")
    figure_home = Candidate(para, 0, para.text.index("。") + 1, 0)
    about_the_name = Candidate(para, figure_home.end, len(para.text), 0)
    assert resting_sentence("京东方2021年累计获得19.9万件专利", [about_the_name]) == figure_home


def test_the_sentence_the_gate_checked_is_quoted_when_its_paragraph_is_cited():
    para = make_paragraph("d:p3", "d", "天津港推广一单制海铁联运，实现一提单、一专列。每箱节省 1000 元。")
    cut = para.text.index("。") + 1
    effect, saving = Candidate(para, 0, cut, 0), Candidate(para, cut, len(para.text), 0)
    numbering = Numbering.of([effect, saving], {"d:p3": ("d:c3", 0.5)})
    part = Part("一单制想要达到什么效果？")
    checks = [Verdict(Claim("每箱节省1000元", (2,)), True)]
    lines, _ = compose([_verdict(part, best=effect)], checks, numbering, "")
    assert [line.origin for line in lines] == ["model", "quote", "quote"]
    assert lines[2].text == f"原文：「{effect.text}」"


def test_a_checked_sentence_of_another_quantity_is_not_quoted():
    checks = [Verdict(Claim("进口整体通关时间34.93小时", (1,)), True)]
    lines, _ = compose([_verdict(Part("2021年进口整体通关时间是多少？", slot="number"), best=S2)], checks, NUMBERING, "")
    assert all("0.74" not in line.text for line in lines)  # the 出口 sentence the gate checked is no quote


def test_an_extracted_list_item_follows_its_lead_in():
    lead = make_paragraph("n:p40", "n", "第四十条 电动自行车驾驶人有下列行为之一的，处五十元罚款：")
    item = make_paragraph("n:p41", "n", "（六）醉酒后驾驶电动自行车的；")
    lead_s, item_s = Candidate(lead, 0, len(lead.text), 0), Candidate(item, 0, len(item.text), 0)
    numbering = Numbering.of([lead_s, item_s], {"n:p40": ("n:c1", 0.5), "n:p41": ("n:c1", 0.5)})
    part = Part("醉酒驾驶电动自行车怎么处罚？", "", "other")
    lines, _ = compose([_verdict(part, best=item_s)], [], numbering, "", lead_of={"n:p41": lead})
    assert [line.text for line in lines] == [lead.text, item.text]


def test_a_model_sentence_ending_with_a_lead_in_s_colon_is_followed_by_its_items():
    lead = make_paragraph("w:p5", "w", "购买人应当自购买之日起三十日内申请登记。申请登记时应当提交下列材料：")
    items = [make_paragraph("w:p6", "w", "（一）购买人的身份证明；"), make_paragraph("w:p7", "w", "（二）车辆来历证明；")]
    colon = Candidate(lead, lead.text.index("申请登记时"), len(lead.text), 0)
    item_s = [Candidate(p, 0, len(p.text), 0) for p in items]
    numbering = Numbering.of([colon, *item_s], {p.id: ("w:c1", 0.5) for p in [lead, *items]})
    part = Part("购买电动自行车后需要提交哪些材料？", "", "list")
    checks = [Verdict(Claim("申请登记时应当提交下列材料：。", (1,)), True)]  # as the claims come: a 。 after it
    lines, _ = compose([_verdict(part, best=colon)], checks, numbering, "", items_of={"w:p5": tuple(items)})
    assert [line.text for line in lines[:3]] == ["申请登记时应当提交下列材料：。", items[0].text, items[1].text]


def test_a_part_the_quoted_source_sentence_answers_gets_no_note():
    both = make_paragraph("d:p2", "d", "进口整体通关时间34.93小时，出口整体通关时间0.74小时。")
    sentence = Candidate(both, 0, len(both.text), 0)
    numbering = Numbering.of([sentence])
    lines, outcomes = compose([_verdict(IMPORT), _verdict(EXPORT, best=sentence)],
                              [Verdict(Claim("出口整体通关时间为0.74小时", (1,)), True)], numbering,
                              "资料中没有关于“{part}”的信息。")
    assert [line.origin for line in lines] == ["model", "quote"] and "34.93" in lines[1].text
    assert [o.answered_by for o in outcomes] == ["extract", "model"]
