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
