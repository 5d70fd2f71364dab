from assistant.steps.evidence import Candidate
from assistant.steps.question_parts import Part
from assistant.steps.verify import Claim, covers, is_echo, measure_fits, quantity_fits, slot_aligned, verify
from tests.conftest import make_paragraph

PARA = make_paragraph("d:p0001", "d", "2021 年天津口岸出口整体通关时间仅 0.74 小时。上海口岸进口整体通关时间为 40 小时。",
                 case="跨境贸易")
S1 = Candidate(PARA, 0, PARA.text.index("。") + 1, 0)
S2 = Candidate(PARA, S1.end, len(PARA.text), 0)
EVIDENCE = {1: S1, 2: S2}
Q = "2021年天津口岸的出口整体通关时间是多少？"


def test_echo_sentences():
    assert is_echo("天津港一单制海铁联运跑了多少里程", "天津港一单制海铁联运跑了多少里程？")
    assert is_echo("这和报告说的最快周期对得上？", "和报告说的最快周期对得上吗？")
    assert is_echo("天津口岸的出口整体通关时间", Q)
    assert not is_echo("天津口岸出口整体通关时间为0.74小时", Q)


def test_an_article_number_alone_is_no_answer_unless_the_question_asks_which_article():
    q = "在南宁，维修店给电动车加装车篷会受到什么处罚？"
    assert is_echo("维修店给电动车加装车篷会受到第二十八条的处罚", q)
    assert not is_echo("依照第三十九条，可以按照每辆车处一千元罚款", q)
    assert not is_echo("饮酒驾驶的处罚规定在第九十一条", "饮酒驾驶的处罚规定在哪一条？")


def test_a_yes_no_answer_may_restate_the_question_after_its_verdict():
    q = "天津海关是否探索了差异化担保？"
    assert not is_echo("是，天津海关探索了差异化担保", q)
    assert is_echo("天津海关探索了差异化担保吗", q)
    assert is_echo("是，天津口岸的出口整体通关时间", Q)  # a verdict answers only a yes/no question


def test_supported_sentence_passes():
    [v] = verify([Claim("2021年天津口岸出口整体通关时间仅0.74小时", (1,))], Q, EVIDENCE, [Q])
    assert v.ok


def test_figure_of_another_entity_is_rejected():
    claim = Claim("2021年天津口岸出口整体通关时间为40小时", (2,))
    [v] = verify([claim], Q, EVIDENCE, [Q])
    assert not v.ok
    assert not slot_aligned(claim.text, Q, [S2], [Q])


def test_duplicates_are_dropped():
    claims = [Claim("天津口岸出口整体通关时间仅0.74小时", (1,)), Claim("天津口岸出口整体通关时间仅0.74小时", (1,))]
    assert [v.ok for v in verify(claims, Q, EVIDENCE, [Q])] == [True, False]


def test_echo_is_flagged():
    [v] = verify([Claim("天津口岸的出口整体通关时间是多少", (1,))], Q, EVIDENCE, [Q])
    assert not v.ok and v.echo


def test_covers_needs_the_focus_and_a_filler():
    part = Part("进口整体通关时间是多少？", focus="进口", slot="number")
    other = Part("出口整体通关时间是多少？", focus="出口", slot="number")
    assert covers("进口整体通关时间为34.93小时", part, (other,))
    assert not covers("出口整体通关时间为0.74小时", part, (other,))
    assert not covers("进口整体通关时间大幅压缩", part, (other,))


def test_the_only_part_is_covered_by_any_sentence_with_a_filler():
    part = Part("试点示范是从哪一年开始推广经验的？", slot="time")
    assert covers("2018年", part) and not covers("很早以前", part)


def test_a_figure_stays_when_its_sentence_names_nothing_else():
    para = make_paragraph("d:p2", "d", "支持奉贤区建立知识产权风险代偿基金，该基金承担 30%的坏账风险。")
    home = Candidate(para, 0, len(para.text), 0)
    q = "上海奉贤区设立的知识产权风险代偿基金承担多大比例的坏账风险？"
    assert slot_aligned("该基金承担30%坏账风险", q, [home], [q])


def test_a_figure_of_another_year_is_rejected():
    para = make_paragraph("d:p3", "d", "2021 年新建移民融入服务站 15 家。")
    home = Candidate(para, 0, len(para.text), 0)
    q = "2022年上海新建了多少家移民融入服务站？"
    assert not slot_aligned("2022年新建了15家", q, [home], [q])


def test_a_bulletin_figure_is_of_the_bulletins_year():
    para = make_paragraph("d:p7", "d", "全年全市粮食播种面积2066.70万亩，总产量902.61万吨。",
                          title="2023年周口市国民经济和社会发展统计公报")
    home = Candidate(para, 0, len(para.text), 0)
    assert not slot_aligned("粮食总产量902.61万吨", "周口市2020年的粮食总产量是多少万吨？", [home], [])
    assert slot_aligned("粮食总产量902.61万吨", "周口市2023年的粮食总产量是多少万吨？", [home], [])


def test_a_day_the_question_states_is_no_period_it_asks_about():
    para = make_paragraph("d:p9", "d", "本法自2004年5月1日起施行。", title="中华人民共和国道路交通安全法")
    home = Candidate(para, 0, len(para.text), 0)
    q = "该法是2003年10月28日通过当天就开始施行的吧？"
    assert slot_aligned("不是，本法自2004年5月1日起施行", q, [home], [q])


def test_a_period_from_an_earlier_year_on_covers_the_asked_year():
    para = make_paragraph("d:p10", "d", "自 2020 年应用试点开展以来，共有 23 个药品品种纳入试点。")
    home = Candidate(para, 0, len(para.text), 0)
    q = "截至2022年6月，进入试点的药品品种有几个？"
    assert slot_aligned("进入试点的药品品种有23个", q, [home], [q])
    before = "2019年进入试点的药品品种有几个？"
    assert not slot_aligned("进入试点的药品品种有23个", before, [home], [before])


def test_a_reports_title_year_is_not_its_figures_year():
    para = make_paragraph("d:p8", "d", "全市地区生产总值增长5.2%。", title="2025年临川市政府工作报告")
    home = Candidate(para, 0, len(para.text), 0)
    assert slot_aligned("地区生产总值增长5.2%", "2024年临川地区生产总值增长多少？", [home], [])


def _idf(term: str) -> float:
    """Rare names weigh more: a stand-in for TermStats.idf."""
    return 1.0 if term in ("北京", "上海") else 4.0


def test_a_figure_from_a_sentence_about_another_entity_is_rejected():
    para = make_paragraph("d:p4", "d", "2021 年，北京专利授权量 19.9 万件。位于北京经开区的京东方累计申请自主专利超 7 万件。")
    home = Candidate(para, 0, para.text.index("。") + 1, 0)
    q = "京东方2021年在国内获得了多少件发明专利授权？"
    assert not slot_aligned("京东方2021年获得了19.9万件发明专利授权", q, [home], [q], _idf)
    assert slot_aligned("京东方2021年获得了19.9万件发明专利授权", q, [home], [q])  # without idf: only conflicts


def test_an_asked_name_that_no_paragraph_holds_does_not_decide_the_home():
    para = make_paragraph("d:p6", "d", "鲜菜：指数（以上年为100）91.9")
    home = Candidate(para, 0, len(para.text), 0)
    q = "新鲜蔬菜的价格指数是多少？"  # jieba tags 新鲜 as a place; the bulletin says 鲜菜
    assert not slot_aligned("价格指数是91.9", q, [home], [q], _idf)
    assert slot_aligned("价格指数是91.9", q, [home], [q], _idf, in_corpus=lambda term: term != "新鲜")


def test_the_whole_of_an_area_holds_the_name_written_before_it():
    para = make_paragraph("d:p7", "d", "2023年全市港口货物吞吐量4081万吨，同比增长23.5%，占全省的87.1%。")
    home = Candidate(para, 0, len(para.text), 0)
    q = "2023年周口港口货物吞吐量是不是占到了河南全省的八成以上？"
    assert slot_aligned("是，占全省的87.1%", q, [home], [q], _idf)
    assert not slot_aligned("是，占全省的87.1%", q.replace("河南全省", "河南"), [home], [q.replace("河南全省", "河南")], _idf)


def test_a_figure_keeps_the_entity_its_paragraph_named_first():
    para = make_paragraph("d:p5", "d", "北京市朝阳区建立数字资产监管平台。平台建立以来，将案件平均侦查时间缩短至 8 小时内。")
    home = Candidate(para, para.text.index("。") + 1, len(para.text), 0)
    q = "朝阳区数字资产监管平台把案件平均侦查时间缩短到了多少？"
    assert slot_aligned("案件平均侦查时间缩短至8小时内", q, [home], [q], _idf)


def test_a_figure_of_another_kind_of_quantity_is_rejected():
    para = make_paragraph("d:p6", "d", "奉贤区知识产权风险代偿基金承担 30%坏账风险。")
    evidence = {1: Candidate(para, 0, len(para.text), 0)}
    q = "奉贤区知识产权风险代偿基金的资金总规模是多少？"
    [v] = verify([Claim("奉贤区知识产权风险代偿基金承担30%坏账风险", (1,))], q, evidence, [q])
    assert not v.ok and v.wrong_figure


def test_a_figure_of_the_asked_kind_passes_the_measure_check():
    assert measure_fits("该基金承担30%坏账风险", "基金承担多大比例的坏账风险？", ["基金承担多大比例的坏账风险？"])
    assert measure_fits("共有23个药械纳入试点", "纳入了多少个药械？", ["纳入了多少个药械？"])  # the wording names no kind


def test_a_citation_that_does_not_support_the_sentence_is_dropped():
    other = make_paragraph("d:p7", "d", "天津港推广海铁联运一单制。")
    evidence = {1: S1, 2: Candidate(other, 0, len(other.text), 1)}
    [v] = verify([Claim("2021年天津口岸出口整体通关时间仅0.74小时", (1, 2))], Q, evidence, [Q])
    assert v.ok and v.claim.cites == (1,)


def test_a_figure_belongs_to_the_place_its_paragraph_named_last():
    para = make_paragraph("d:p8", "d", "重庆市建设“无境”智能服务系统。北京市构建四级国际人才服务网络。"
                                  "截至 2022 年 8 月底，各站点共受理业务 16402 件。")
    home = Candidate(para, para.text.rindex("截至"), len(para.text), 0)
    asked = "截至2022年8月底，重庆国际人才服务平台各站点共受理了多少件业务？"
    assert not slot_aligned("重庆各站点共受理业务16402件", asked, [home], [asked], _idf)
    asked = "截至2022年8月底，北京国际人才服务网络各站点共受理了多少件业务？"
    assert slot_aligned("北京各站点共受理业务16402件", asked, [home], [asked], _idf)


def test_a_figure_of_another_quantity_of_the_cited_sentence_is_rejected():
    para = make_paragraph("d:p9", "d", "该项创新做法推出后，大大节约了企业的时间和成本，也减轻了银行人工审查企业资料的负担，"
                                  "贸易企业结算效率提升 50%以上。")
    evidence = {1: Candidate(para, 0, len(para.text), 0)}
    q = "单一窗口国际结算推出后，企业的结算成本下降了多少？"
    [v] = verify([Claim("贸易企业结算效率提升50%以上", (1,))], q, evidence, [q])
    assert not v.ok and v.wrong_figure
    assert quantity_fits("贸易企业结算效率提升50%以上", "企业的结算效率提升了多少？", [evidence[1]],
                         ["企业的结算效率提升了多少？"])


def test_a_figure_stated_in_chinese_numerals_is_checked_by_value():
    from assistant.steps.support import missing_numbers

    evidence = "第九十一条 饮酒后驾驶机动车的，处暂扣六个月机动车驾驶证，并处一千元以上二千元以下罚款。"
    assert missing_numbers("处1000元以上2000元以下罚款。", evidence) == []
    assert missing_numbers("处一千元以上一千元以下罚款。", evidence) == [] and \
        missing_numbers("处二百元以上二百元以下罚款。", evidence) == ["200元", "200元"]
    assert missing_numbers("依照第九十条处罚。", evidence) == ["90条"]


def test_a_year_in_the_table_title_supports_a_figure_of_its_row():
    from assistant.steps.support import check_sentence

    title = "2023年周口市统计公报\n三、工业\n表5 2023年周口市规模以上工业主要产品产量及增速"
    ok = check_sentence("2023年钢材产量是1577693吨。", ["钢材：产量1577693吨，比上年增长（%）48.8", title])
    assert ok.supported and ok.missing_numbers == ()


def test_a_plan_told_as_done_is_rejected():
    from assistant.steps.verify import Claim, verify

    plan = make_paragraph("d:p7", "d", "下一步，北京市将以建设数字经济标杆城市为目标，加快建设数据交易平台。")
    ev = {1: Candidate(plan, 0, len(plan.text), 0)}
    done = verify([Claim("北京市以建设数字经济标杆城市为目标，建设数据交易平台。", (1,))], "北京市下一步的方向是什么？", ev, [])
    kept = verify([Claim("北京市将以建设数字经济标杆城市为目标，加快建设数据交易平台。", (1,))], "北京市下一步的方向是什么？", ev, [])
    assert not done[0].ok and "plan" in done[0].reason and kept[0].ok


STANDARD = make_paragraph("s:p0001", "s", "本部分规定的内容以压水堆核电厂为例，其他堆型核电厂可参照使用。")
RULE = make_paragraph("r:p0001", "r", "设区的市以下城市参加城镇社会保险年限的要求不得超过3年。")
CORPUS = "".join(p.text for p in (PARA, STANDARD, RULE))


def test_a_yes_that_restates_a_word_no_paragraph_holds_agrees_with_a_false_premise():
    q = "这份标准的规定内容是不是以沸水堆核电厂为例编写的？"
    [v] = verify([Claim("是，以沸水堆核电厂为例编写的", (1,))], q, {1: Candidate(STANDARD, 0, 18, 0)}, [q],
                 in_corpus=lambda t: t in CORPUS)
    assert not v.ok


def test_a_yes_that_restates_a_figure_the_source_does_not_give_is_rejected_by_the_support_check():
    q = "中等城市可以把参加城镇社保的年限要求定到5年吗？"
    [v] = verify([Claim("是，可以定到5年", (1,))], q, {1: Candidate(RULE, 0, len(RULE.text), 0)}, [q])
    assert not v.ok


def test_a_yes_that_restates_what_the_source_says_passes():
    q = "这份标准的规定内容是不是以压水堆核电厂为例？"
    [v] = verify([Claim("是，本部分规定的内容以压水堆核电厂为例", (1,))], q, {1: Candidate(STANDARD, 0, 18, 0)}, [q],
                 in_corpus=lambda t: t in CORPUS)
    assert v.ok


def test_a_figure_told_the_other_way_than_its_source_is_rejected():
    para = make_paragraph("d:p8", "d", "钢材：产量1577693吨，比上年增长48.8%")
    evidence = {1: Candidate(para, 0, len(para.text), 0)}
    q = "2023年钢材产量同比下滑了，降了多少？"
    [v] = verify([Claim("钢材产量同比下滑了48.8%", (1,))], q, evidence, [q])
    assert not v.ok and "other way" in v.reason


def test_a_figure_of_the_question_the_source_lacks_is_recorded_as_its_premise():
    para = make_paragraph("d:p9", "d", "中等城市对参加城镇社会保险年限的要求不得超过3年。")
    evidence = {1: Candidate(para, 0, len(para.text), 0)}
    q = "中等城市把参加城镇社保的年限要求定到5年，是吧？"
    [v] = verify([Claim("是的，中等城市可以把社保年限要求定到5年", (1,))], q, evidence, [q])
    assert not v.ok and v.premise == ("5年",)


def test_a_figure_written_about_in_the_question_is_recorded_as_written():
    para = make_paragraph("d:p11", "d", "南开大学科技成果作价投资1.05亿元，奖励科研人员8000多万元股份。")
    evidence = {1: Candidate(para, 0, len(para.text), 0)}
    q = "南开大学科技成果作价1.05亿元投资，只奖励了科研人员5000多万元股份，为什么还被称作示范？"
    [v] = verify([Claim("南开大学科技成果作价1.05亿元投资，奖励科研人员5000多万元股份，为全市高校院所作出了示范", (1,))], q, evidence, [q])
    assert not v.ok and v.premise == ("5000多",)


def test_a_figure_in_chinese_numerals_has_its_home_in_the_cited_sentence():
    para = make_paragraph("d:p12", "d", "2021年，京东方PCT专利申请量1980件，在世界知识产权组织发布的专利申请榜中位列全球第七。")
    cited = [Candidate(para, 0, len(para.text), 0)]
    q = "京东方在世界知识产权组织公布的专利申请排行里排第几？"
    assert slot_aligned("京东方在世界知识产权组织发布的专利申请榜中位列全球第七", q, cited, [q], idf=lambda t: 1.0)


def test_another_place_s_figure_for_a_near_miss_is_no_premise_to_correct():
    para = make_paragraph("d:p16", "d", "北京、上海PCT国际专利申请量同比增幅分别为25.1%、35.8%。")
    evidence = {1: Candidate(para, 0, len(para.text), 0)}
    q = "2021年广东PCT国际专利申请量同比增长了多少？"
    [v] = verify([Claim("广东PCT国际专利申请量同比增长25.1%", (1,))], q, evidence, [q], idf=lambda t: 1.0)
    assert not v.ok and v.premise == ()


def test_a_verdict_that_only_restates_the_question_must_be_about_what_it_cites():
    para = make_paragraph("d:p14", "d", "《核电厂定期安全评价》由15个部分组成，每一部分对应于一个安全要素。")
    evidence = {1: Candidate(para, 0, len(para.text), 0)}
    q = "规定内容是不是以沸水堆核电厂为例编写的？"
    corpus = para.text + "本部分规定的内容以压水堆核电厂为例编写。"  # the index: 沸水堆 is nowhere in it
    [v] = verify([Claim("不是，规定内容不是以沸水堆核电厂为例编写的", (1,))], q, evidence, [q],
                 in_corpus=lambda t: t in corpus)
    assert not v.ok and "verdict" in v.reason and v.premise == ("沸水",)


def test_a_verdict_that_restates_what_it_cites_stands():
    para = make_paragraph("d:p15", "d", "全国前20家融资租赁企业有一半在上海。")
    evidence = {1: Candidate(para, 0, len(para.text), 0)}
    q = "全国排名前20的融资租赁企业里，是不是有一半落户在上海？"
    [v] = verify([Claim("是，全国排名前20的融资租赁企业里，有一半落户在上海", (1,))], q, evidence, [q])
    assert v.ok


def test_a_yes_to_a_word_no_paragraph_holds_records_that_word_as_its_premise():
    para = make_paragraph("d:p10", "d", "本部分规定的内容以压水堆核电厂为例，其他堆型核电厂可参照使用。")
    evidence = {1: Candidate(para, 0, len(para.text), 0)}
    q = "规定内容是不是以沸水堆核电厂为例编写的？"
    [v] = verify([Claim("是，以沸水堆核电厂为例编写的", (1,))], q, evidence, [q], in_corpus=lambda t: t in para.text)
    assert not v.ok and v.premise and all(w not in para.text for w in v.premise)


def test_a_fact_told_as_another_documents_is_rejected():
    law = make_paragraph("law:p1", "law", "醉酒驾驶机动车的，吊销机动车驾驶证，依法追究刑事责任。")
    evidence = {1: Candidate(law, 0, len(law.text), 0)}
    q = "道路交通安全法和南宁的电动自行车条例对醉酒驾驶的处罚有什么不同？"
    names = {"南宁": frozenset({"ebike"}), "道路交通安全法": frozenset({"law"})}

    def names_docs(text):
        return next((docs for word, docs in names.items() if word in text), None)

    told = [Claim("南宁的电动自行车条例对醉酒驾驶的处罚是吊销机动车驾驶证", (1,)),
            Claim("道路交通安全法对醉酒驾驶的处罚是吊销机动车驾驶证", (1,))]
    wrong, right = verify(told, q, evidence, [q], names_docs=names_docs)
    assert not wrong.ok and "another" in wrong.reason and right.ok


def test_a_year_the_source_lacks_is_no_invented_figure():
    para = make_paragraph("d:p11", "d", "全州年末常住人口350.74万人，比上年末增长0.63%。")
    evidence = {1: Candidate(para, 0, len(para.text), 0)}
    q = "黔东南的年末常住人口是多少？"
    [v] = verify([Claim("2023年黔东南年末常住人口是350.74万人", (1,))], q, evidence, [q])
    assert not v.ok and not v.wrong_figure


def test_a_figure_of_another_evidence_sentence_is_a_wrong_citation_not_an_invention():
    zk = make_paragraph("zk:p1", "zk", "全年全市粮食总产量902.61万吨。")
    qdn = make_paragraph("qdn:p1", "qdn", "粮食：产量1223474吨，比上年增长1.8%")
    evidence = {1: Candidate(zk, 0, len(zk.text), 0), 2: Candidate(qdn, 0, len(qdn.text), 0)}
    q = "2023年周口和2016年黔东南的粮食产量分别是多少？"
    claims = [Claim("周口粮食产量902.61万吨，黔东南粮食产量1223474吨", (1,)), Claim("黔东南粮食产量987654吨", (2,))]
    both, invented = verify(claims, q, evidence, [q])
    assert not both.ok and not both.wrong_figure
    assert not invented.ok and invented.wrong_figure


def test_a_figure_joined_with_the_change_of_another_row_is_rejected():
    rail = make_paragraph("t:p1", "t", "旅客运输总量 › #铁路：绝对数148.62万人，增长132.9%")
    fast = make_paragraph("t:p2", "t", "2023年周口市境内高铁发送旅客516.2万人次。")
    ev = {1: Candidate(fast, 0, len(fast.text), 0), 2: Candidate(rail, 0, len(rail.text), 0)}
    q = "2023年周口坐火车出行的旅客有多少万人次，比上年增长多少？"
    joined = verify([Claim("2023年周口坐火车出行的旅客有516.2万人次，比上年增长132.9%。", (1, 2))], q, ev, [q])
    own = verify([Claim("铁路旅客运输总量148.62万人，增长132.9%。", (2,))], q, ev, [q])
    assert not joined[0].ok and "change" in joined[0].reason and own[0].ok


def test_a_date_of_another_document_named_in_the_cited_sentence_is_rejected():
    intro = make_paragraph("n:p1", "n", "我国核安全监管部门在2004年发布的《核动力厂运行安全规定》中明确规定，营运单位应当开展定期安全评价。",
                           title="核电厂定期安全评价第1部分：通用要求")
    ev = {1: Candidate(intro, 0, len(intro.text), 0)}
    q = "《核电厂定期安全评价 第1部分：通用要求》将于哪一年正式发布？"
    [v] = verify([Claim("《核电厂定期安全评价 第1部分：通用要求》将于2004年发布。", (1,))], q, ev, [q])
    own = "《核动力厂运行安全规定》是哪一年发布的？"
    [w] = verify([Claim("《核动力厂运行安全规定》于2004年发布。", (1,))], own, ev, [own])
    assert not v.ok and v.wrong_figure and w.ok


def test_a_right_figure_cited_to_a_sentence_of_another_year_is_moved_to_the_one_of_the_asked_year():
    para = make_paragraph("d:p0036", "d", "2020 年，先后共有 23 个特许进口药品和医疗器械（9个药品品种、"
                          "14 个医疗器械品种）纳入真实世界数据应用试点。截至 2022 年 6 月，先后有 9 个药品品种和 14 个医疗器械品种进入试点，"
                          "涉及群众需求迫切的肿瘤治疗、眼科等领域。", case="医疗")
    first = Candidate(para, 0, para.text.index("。") + 1, 0)
    second = Candidate(para, first.end, len(para.text), 0)
    q = "截至2022年6月，进入临床真实世界数据应用试点的药品品种和医疗器械品种各有几个？"
    [v] = verify([Claim("截至2022年6月，进入试点的有9个药品品种和14个医疗器械品种", (1,))], q, {1: first, 2: second}, [q])
    assert v.ok and v.claim.cites == (2,)
