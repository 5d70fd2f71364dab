from assistant.steps.evidence import TermStats, candidates, filler_present, rank_for_part, select
from assistant.steps.question_parts import Part, split_parts
from index.lexical import key_terms
from settings import AnswerConfig
from tests.conftest import make_paragraph

P1 = make_paragraph("d:p0001", "d", "北京和天津两市推动两地海关加强协作。2021 年天津口岸出口整体通关时间仅 0.74 小时，"
               "比上一年压缩 48.6%；进口整体通关时间 34.93 小时。", case="跨境贸易", section="二、口岸通关")
P2 = make_paragraph("d:p0002", "d", "五是增加铁路提单金融属性。重庆推动铁路提单用于信用证、托收和汇款等结算业务。",
               case="物流", section="一、主要做法")
P3 = make_paragraph("d:p0003", "d", "上海建立知识产权质押融资风险补偿机制。", case="知识产权")
STATS = TermStats.from_paragraphs([P1, P2, P3])


def test_key_terms_drop_question_words_and_keep_years():
    terms = key_terms("2021年天津口岸的出口整体通关时间是多少？")
    assert "2021年" in terms and "天津" in terms and "多少" not in terms


def test_rare_terms_weigh_more():
    assert STATS.idf("信用证") > STATS.idf("推动")  # 推动 is in two of the three paragraphs
    assert STATS.in_corpus("托收") and not STATS.in_corpus("广州")


def test_the_answer_sentence_is_selected_for_each_part():
    q = "2021年天津口岸进口和出口整体通关时间分别是多少？"
    ev = select(split_parts(q), q, [P1, P2, P3], STATS)
    texts = [c.text for c in ev.sentences]
    assert any("0.74" in t for t in texts) and any("34.93" in t for t in texts)
    assert all(ranking[0].candidate.paragraph.id == "d:p0001" for ranking in ev.per_part)


def test_a_short_lead_in_brings_the_next_sentence():
    q = "重庆把铁路提单用到了哪些结算业务上？"
    ev = select(split_parts(q), q, [P2], STATS)
    assert any("信用证" in c.text for c in ev.sentences)


def test_a_figure_title_is_no_candidate_but_a_sentence_about_a_figure_is():
    title = make_paragraph("d:f1", "d", "图1 2019—2023年周口市粮食产量及增长速度")
    said = make_paragraph("d:f2", "d", "图1显示，2023年周口市粮食产量增长2.1%。")
    assert [c.text for c in candidates([title, said])] == [said.text]


def test_slot_fillers():
    assert filler_present("2021 年起", Part("哪一年", slot="time"))
    assert not filler_present("长期以来", Part("哪一年", slot="time"))
    assert not filler_present("自购车之日起三十日内临时通行", Part("过渡期到哪一年为止？", slot="time"))  # no year
    assert filler_present("明太祖于1368年称帝", Part("哪一年称帝？", slot="time"))
    assert filler_present("自受理之日起十五日内", Part("何时办结？", slot="time"))  # 何时: any date word
    assert filler_present("已有 7 批 35 项", Part("几批", slot="number", unit="批"))
    assert not filler_present("已有 35 项", Part("几批", slot="number", unit="批"))


def test_a_lone_one_with_the_asked_classifier_answers_how_many():
    part = Part("货主在内陆港要办几次托运？", slot="number", unit="次")
    assert filler_present("托运人只需在内陆港办理一次托运、订立一份运输合同", part)
    assert not filler_present("每一次托运都要登记", part)  # 每一次: each, not how many


def test_a_figure_with_another_classifier_answers_how_many_when_the_asked_one_is_unused():
    part = Part("黔东南农村家庭平均每一百户拥有几部手机？", slot="number", unit="部")
    assert filler_present("移动电话：城镇287台，农村299台", part)
    assert not filler_present("已有 35 项", Part("几批", slot="number", unit="批"))  # 项 is no other word for 批


def test_any_counted_figure_answers_the_all_purpose_ge():
    part = Part("试点示范一共推广了多少个经验和案例？", slot="number", unit="个")
    assert filler_present("截至目前已有 7 批 35 项", part)
    assert not filler_present("推广工作持续推进", part)


def test_an_entity_question_needs_a_name_the_question_lacks():
    part = Part("博鳌超级医院具体委托给哪一家医疗管理集团运营？", slot="entity")
    assert not filler_present("海南打造博鳌超级医院，委托专业医疗管理集团运营管理。", part)
    assert filler_present("委托“瑞金医院”管理团队运营。", part)


def test_a_share_asked_needs_a_share_in_the_sentence():
    part = Part("基金的资金总规模是多少？", slot="number")
    assert not filler_present("该基金承担 30%坏账风险。", part)
    assert filler_present("该基金总规模 2 亿元。", part)


def test_the_retrieval_rank_is_a_prior_on_the_sentence_score():
    best_retrieved = make_paragraph("d:a", "d", "警告标志应当设置在故障车来车方向一百五十米以外。")
    more_words = make_paragraph("d:b", "d", "车辆故障时警告标志应当设置在来车方向五十米至一百米处。")
    others = [make_paragraph(f"d:o{i}", "d", t) for i, t in enumerate(["车辆应当靠右通行。", "车辆不得超速。", "方向盘检查。"])]
    stats = TermStats.from_paragraphs([best_retrieved, more_words, *others])
    part = split_parts("车辆故障后警告标志要放在来车方向多远？")[0]

    def first(prior):
        cfg = AnswerConfig(retrieval_prior=prior)
        return rank_for_part(part, part.text, candidates([best_retrieved, more_words]), stats, cfg=cfg)[0]

    assert first(0.0).candidate.paragraph.id == "d:b"  # the lexical score alone prefers the other paragraph
    assert first(0.2).candidate.paragraph.id == "d:a"


def test_the_sentences_of_a_pinned_paragraph_come_first_whatever_their_words():
    q = "第三段说了什么？"
    ev = select(split_parts(q), q, [P1, P2, P3], STATS, pinned=frozenset({"d:p0003"}))
    assert ev.per_part[0][0].candidate.paragraph.id == "d:p0003"
