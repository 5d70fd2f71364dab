"""The answerability gate's signals and calibration (assistant.steps.gate)."""
from assistant.steps.evidence import Candidate, TermStats, select
from assistant.steps.gate import Calibration, Gate, PartFeatures, anchors_of_part, fit, lexical_features, quotable
from assistant.steps.prompting import PromptBuilder, Prompts
from assistant.steps.question_parts import split_parts
from tests.conftest import FakeLLM, make_paragraph
from zh.names import anchors

P1 = make_paragraph("d:p1", "d", "2021 年天津口岸出口整体通关时间仅 0.74 小时。上海口岸进口整体通关时间为 40 小时。", case="跨境贸易")
P2 = make_paragraph("d:p2", "d", "北京积水潭医院赋予研发人员 70%的所有权。", case="知识产权")
STATS = TermStats.from_paragraphs([P1, P2])


def _features(question):
    parts = split_parts(question)
    ev = select(parts, question, [P1, P2], STATS)
    return lexical_features(parts[0], question, ev.per_part[0], P1.text + P2.text, STATS)


def test_a_part_without_anchors_inherits_the_question_s():
    q = "海南外籍人员联审联检后申请信息精简了多少？审批步骤有何变化？"
    parts = split_parts(q)
    assert "海南" in anchors_of_part(parts[1], q, (parts[0],))


def test_aligned_evidence_needs_the_filler_and_the_anchors():
    tianjin, best, absent = _features("2021年天津口岸的出口整体通关时间是多少？")
    assert tianjin.aligned > 0.8 and "0.74" in best.candidate.text and absent == []
    shanghai, _, _ = _features("2021年上海口岸的出口整体通关时间是多少？")  # the 2021 figure is 天津's
    assert shanghai.aligned < 0.6 * tianjin.aligned


def test_anchor_missing_from_the_corpus_is_counted():
    feats, _, absent = _features("2021年广州口岸的出口整体通关时间是多少？")
    assert feats.absent_in_corpus == 1 and absent == ["广州"]


def test_gate_refuses_an_absent_anchor_without_asking_the_model():
    llm = FakeLLM()
    q = "2021年广州口岸的出口整体通关时间是多少？"
    ev = select(split_parts(q), q, [P1, P2], STATS)

    class Prompts:
        def check(self, sentence, question, slot):
            return "prompt"

    [v] = Gate(llm, Prompts(), STATS, Calibration.of(5.0)).run(q, ev, P1.text)
    assert not v.answerable and llm.prompts == []


def test_an_absent_word_that_may_be_no_name_leaves_the_decision_to_the_signals():
    llm = FakeLLM()
    q = "2021年天津口岸骑车上路的出口整体通关时间是多少？"  # jieba tags 上路 as a place; no document has it
    ev = select(split_parts(q), q, [P1, P2], STATS)
    [v] = Gate(llm, PromptBuilder(Prompts.load()), STATS, Calibration.of(5.0)).run(q, ev, P1.text)
    assert v.features.absent_in_corpus == 1 and v.features.absent_named == 0
    assert v.answerable and llm.prompts


def test_a_quoted_phrase_of_the_user_s_own_wording_leaves_the_decision_to_the_signals():
    llm = FakeLLM()
    q = "2021年天津口岸“货船靠岸直接提货”的出口整体通关时间是多少？"  # no document words it so
    ev = select(split_parts(q), q, [P1, P2], STATS)
    [v] = Gate(llm, PromptBuilder(Prompts.load()), STATS, Calibration.of(5.0)).run(q, ev, P1.text)
    assert v.features.absent_in_corpus == 1 and v.features.absent_named == 0
    assert v.answerable and llm.prompts


def _features_on(text, question):
    para = make_paragraph("n:p1", "n", text)
    stats = TermStats.from_paragraphs([para])
    parts = split_parts(question)
    return lexical_features(parts[0], question, select(parts, question, [para], stats).per_part[0], para.text, stats)


def test_a_word_contracted_from_the_documents_is_no_absent_anchor():
    feats, _, absent = _features_on("第十三条 电动自行车经注册登记后，方可上道路行驶。", "在南宁电动自行车没登记可以上路吗？")
    assert "上路" not in absent and feats.absent_in_corpus == 1  # 南宁 stays absent: a place is not contracted


def test_a_person_s_name_is_never_taken_for_a_contraction():
    _, _, absent = _features_on("高氏英才辈出，时人敬之。", "为什么时人强烈反感高英？")
    assert absent == ["高英"]


def test_model_probability_is_a_feature():
    f = PartFeatures(0.9, 0.9, 0, 0, p_yes=0.1, p_yes_chosen=0.2)
    g = PartFeatures(0.9, 0.9, 0, 0, p_yes=0.1, p_yes_chosen=0.9)  # the better of the two sentences counts
    cal = Calibration.of(0.0, p_yes_best=1.0)
    assert cal.probability(g) > 0.5 > cal.probability(f)


def test_a_second_check_is_skipped_only_when_it_cannot_change_the_decision():
    f = PartFeatures(0.9, 0.9, 0, 0, p_yes=0.9, p_yes_chosen=0.9)
    assert Calibration.of(0.0, p_yes_best=1.0).settled_by_lower_bound(f)  # passes; a higher P(是) passes too
    assert not Calibration.of(-5.0, p_yes_best=1.0).settled_by_lower_bound(f)  # refused: the other may rescue it
    assert not Calibration.of(0.0, p_yes_best=-1.0).settled_by_lower_bound(
        PartFeatures(0.9, 0.9, 0, 0, p_yes=0.1, p_yes_chosen=0.1))  # a negative weight: a higher P(是) may refuse


def test_fit_separates_and_keeps_false_refusals_low():
    good = [PartFeatures(0.9, 0.8 + i / 100, 0, 0, 0.9) for i in range(20)]
    bad = [PartFeatures(0.6, 0.1, 0, 1, 0.3) for _ in range(20)]
    cal = fit(good + bad, [True] * 20 + [False] * 20)
    assert sum(cal.probability(f) >= cal.threshold for f in good) >= 19  # at most 5% of answerable refused
    assert sum(cal.probability(f) >= cal.threshold for f in bad) <= 2


def test_calibration_round_trip_and_old_shapes(tmp_path):
    cal = Calibration.of(-1.0, 0.4, p_yes_best=1.0, chosen_fit=1.0)
    cal.save(tmp_path / "c.json")
    assert Calibration.load(tmp_path / "c.json") == cal
    (tmp_path / "old.json").write_text('{"weights": [1, 2, 3, 4, 5], "bias": 0, "threshold": 0.5}', encoding="utf-8")
    assert Calibration.load(tmp_path / "old.json") == Calibration()


def test_a_number_part_is_quoted_only_from_a_figure_of_the_asked_quantity():
    para = make_paragraph("d:p9", "d", "2021 年天津口岸出口整体通关时间仅 0.74 小时。")
    sentence = Candidate(para, 0, len(para.text), 0)
    [imports] = split_parts("2021年天津口岸进口整体通关时间是多少小时？")
    [exports] = split_parts("2021年天津口岸出口整体通关时间是多少小时？")
    assert not quotable(sentence, imports) and quotable(sentence, exports)


def test_a_part_does_not_inherit_a_name_written_after_it():
    from zh.tagging import add_places

    add_places(["周口市"])  # a library of 周口's bulletin
    q = "居住证由哪一级签发？周口市生产总值多少？"
    parts = split_parts(q)
    assert "周口市" in anchors(q) and "周口市" not in anchors_of_part(parts[0], q, (parts[1],))


def test_a_sentence_without_a_year_is_of_the_year_its_nearest_heading_names():
    from assistant.steps.gate import conflicts
    from index.documents import Heading, Paragraph

    row = Paragraph("b:p1", "b", "教育支出：预算数86000万元，执行数85570万元", title="关于2023年预算执行情况和2024年预算草案的报告",
                    path=(Heading("section", "一、2023年财政预算执行情况"), Heading("table", "表2 2023年一般公共预算支出执行情况")))
    sentence = Candidate(row, 0, len(row.text), 0)
    assert conflicts(sentence, "2024年教育支出预算安排了多少万元？")
    assert not conflicts(sentence, "2023年教育支出执行数是多少？")
    planned = Paragraph("b:p2", "b", "新增托育位1000个。", path=(Heading("section", "二、2021—2025年发展目标"),))
    assert not conflicts(Candidate(planned, 0, len(planned.text), 0), "2023年新增托育位多少个？")  # a span names each
