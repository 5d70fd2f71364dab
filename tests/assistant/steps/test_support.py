from assistant.steps.support import check_sentence, claim_fragments, figure_measures, missing_numbers

PARA = "天津港通过“一单制”海铁联运，将单个集装箱的综合成本节省 1000 元左右。"


def test_supported_sentence():
    r = check_sentence("天津港“一单制”海铁联运将单个集装箱综合成本节省1000元左右。", [PARA])
    assert r.supported and r.score > 0.9


def test_number_not_in_cited_text_is_unsupported():
    r = check_sentence("天津港将单个集装箱的综合成本节省 2000 元左右。", [PARA])
    assert not r.supported and r.missing_numbers == ("2000元",) and "numbers" in r.reason


def test_no_citation_is_unsupported():
    assert check_sentence("天津港节省成本。", []).reason == "no citation"


def test_low_overlap_is_unsupported():
    r = check_sentence("人才服务站为外籍人才提供签证便利。", [PARA])
    assert not r.supported and r.score < 0.3


def test_missing_numbers_ignore_spaces_and_catch_changed_figures():
    assert missing_numbers("增长 41%和53%", "增长 41%和 53%") == []
    assert missing_numbers("1.05 亿元", "1.5 亿元") == ["1.05亿"]


def test_a_classifier_the_source_does_not_use_may_stand_for_its_own():
    assert missing_numbers("每百户拥有299部移动电话", "移动电话：农村299台，城镇287台") == []
    assert missing_numbers("共7项", "已有 7 批 35 项") == ["7项"]  # 项 counts another number there


def test_number_with_another_unit_is_missing():
    assert missing_numbers("获得了7万件专利", "已有 7 批 35 项") == ["7万"]
    assert missing_numbers("共7批、35项", "已有 7 批 35 项") == []
    assert missing_numbers("比例为3：7", "按照 3：7的比例") == []


def test_question_wording_is_not_counted_as_a_claim():
    q = "截至本报告编写时，试点示范已累计向全国推广了几批、共多少项经验？"
    sentence = "截至本报告编写时，试点示范已累计向全国推广了7批、共35项经验。"
    r = check_sentence(sentence, ["截至目前已有 7 批 35 项"], question=q)
    assert r.supported
    assert not check_sentence(sentence, ["截至目前已有 7 批 35 项"]).supported


def test_claim_fragments_mask_question_wording():
    assert claim_fragments("天津港节省了1000元左右。", "天津港节省了多少元？") == ["1000元左右"]


def test_figures_are_classed_by_their_unit():
    assert figure_measures("基金承担 30%坏账风险，融资 4.7 亿元，缩短 4 天") == {"share", "money", "duration"}
    assert figure_measures("2021 年登记 190 笔，覆盖 1035 万人") == set()  # a year is a date, a count has no kind
    assert figure_measures("5 年内返还", "5年内返还多少？") == set()  # the question's own figure is not new


def test_a_figure_of_the_question_restated_beside_the_answer_figure_is_no_claim():
    evidence = ["全州农民人均可支配收入7584元，比上年增长10.5%。"]
    q = "2016年黔东南农民一年人均能自由支配的收入有多少钱？"
    assert check_sentence("2016年黔东南农民一年人均可支配收入为7584元", evidence, q).supported


def test_a_figure_of_the_question_alone_must_be_in_the_evidence():
    evidence = ["中等城市对参加城镇社会保险年限的要求不得超过3年。"]
    q = "中等城市把参加城镇社保的年限要求定到5年，是吧？"
    assert check_sentence("是的，中等城市把参加城镇社保的年限要求定到5年", evidence, q).missing_numbers == ("5年",)


def test_a_unit_spelled_another_way_in_the_evidence_is_the_same_figure():
    assert missing_numbers("不满16岁的未成年人由监护人代为申领", "未满十六周岁的未成年人，由监护人代为申领") == []
    assert missing_numbers("十五天内办结", "自受理之日起十五日内办结") == []
    assert missing_numbers("16岁", "满16周年") == ["16岁"]


def test_a_bound_of_the_question_is_no_stated_figure():
    from assistant.steps.support import stated_figures

    assert stated_figures("受理业务和咨询量是否超过了1.6万件次？") == []
    assert stated_figures("中等城市把社保年限要求定到5年，是吧？") == ["5年"]


def test_a_document_number_of_the_question_is_no_stated_figure():
    from assistant.steps.support import stated_figures

    assert stated_figures("根据江政办发〔2024〕12号附件1，临川市粮食播种面积目标是多少？") == []


def test_a_character_that_is_no_unit_does_not_make_a_figure_another():
    assert missing_numbers("全国排名前20的融资租赁企业里有一半在上海", "全国前20家融资租赁企业有一半在上海") == []


def test_first_of_a_kind_restates_the_source_s_shou():
    source = "创新推出全国首个高新技术企业跨境融资产品——科技跨境贷"
    assert missing_numbers("全国第一款面向高新技术企业的境外融资产品叫科技跨境贷", source) == []
    assert missing_numbers("这是第一款产品", "这是第二款产品") == ["1款"]  # no 首 in the source: a figure it lacks


def test_a_figure_with_magnitude_needs_the_same_unit_after_it_in_the_source():
    source = "其中，外国人13.60万人次，港、澳、台同胞17.65万人次。"
    assert missing_numbers("旅游外汇收入17.65万美元", source) == ["17.65万美元"]
    assert missing_numbers("港澳台同胞17.65万人次", source) == []
    assert missing_numbers("融资4.7亿元", "爱奇艺融资4.7亿") == []  # a source figure without its unit
    assert missing_numbers("城区人口50万到100万", "城区人口50万至100万") == []  # 到/至 are no units
