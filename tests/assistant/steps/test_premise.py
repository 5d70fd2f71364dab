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
