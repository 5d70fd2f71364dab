from assistant.answer import Line
from assistant.steps.premise import premise_note

SOURCE = ["北京市朝阳区建立数字资产监管平台。平台建立以来，将案件平均侦查时间缩短至8小时内。"]


def _answer(text: str) -> list[Line]:
    return [Line(text, (1,), "model")]


def test_a_figure_the_sources_do_not_hold_is_corrected_first():
    note = premise_note("朝阳区把案件侦查时间缩短到了12小时，为什么这么快？", _answer("缩短至8小时内。"), SOURCE)
    assert note is not None and note.text.startswith("问题中的“12小时”与资料不符")


def test_a_figure_the_sources_hold_is_no_premise():
    assert premise_note("朝阳区把侦查时间缩短到8小时了吗？", _answer("缩短至8小时内。"), SOURCE) is None


def test_a_year_alone_is_not_corrected():
    assert premise_note("2023年朝阳区侦查时间缩短到多少？", _answer("缩短至8小时内。"), SOURCE) is None


def test_a_place_the_sources_do_not_name_is_corrected():
    note = premise_note("上海市建立的数字资产监管平台把侦查时间缩短到多少？", _answer("北京市朝阳区缩短至8小时内。"), SOURCE)
    assert note is not None and "上海市" in note.text and "朝阳区" in note.text


def test_a_which_year_question_asserts_no_figure():
    source = ["浮龙最初在1942年由柏克莱大学的古生物学家命名。"]
    assert premise_note("浮龙最初在哪一年被命名？", _answer("浮龙最初在1942年被命名。"), source) is None


def test_an_ordinal_is_no_figure_of_the_premise():
    source = ["第二十一条 首次申领居住证，免收证件工本费。"]
    assert premise_note("第一次申领居住证是不是不用交工本费？", _answer("是，免收证件工本费。"), source) is None


def test_a_direction_the_source_reverses_is_corrected():
    source = ["钢材：产量1577693吨，比上年增长48.8%"]
    note = premise_note("2023年钢材产量同比下滑了，降了多少？", _answer("钢材产量1577693吨，比上年增长48.8%。"), source)
    assert note is not None and note.text == "资料所载是增长，并非下降。"


def test_a_direction_the_source_agrees_with_is_no_premise():
    source = ["鲜菜类价格下降8.1%。"]
    assert premise_note("鲜菜价格下降了多少？", _answer("鲜菜类价格下降8.1%。"), source) is None


def test_a_lone_one_names_a_unit_and_states_no_premise():
    source = ["全州农民人均可支配收入7584元，比上年增长10.5%。"]
    assert premise_note("2016年黔东南农民一年人均收入有多少钱？", _answer("人均可支配收入为7584元。"), source) is None


def test_a_figure_another_shown_paragraph_holds_is_no_false_premise():
    head = ["第九十九条 有下列行为之一的，由公安机关交通管理部门处二百元以上二千元以下罚款："]
    item = ["（四）机动车行驶超过规定时速百分之五十的；"]
    answer = _answer("处二百元以上二千元以下罚款。")
    assert premise_note("超过规定时速百分之五十会怎么处罚？", answer, head, head + item) is None


def test_a_word_premise_names_the_question_s_nouns_not_its_phrasing():
    from assistant.steps.premise import _nouns_first
    q = "核电厂定期安全评价通用要求征求意见稿里的规定内容，是不是以沸水堆核电厂为例编写的？"
    assert _nouns_first(("征求意见", "稿里", "沸水"), q) == ["沸水"]
