import pytest

from zh.numbers import digits_view, parse_numeral, to_arabic, unit_forms


@pytest.mark.parametrize("numeral, value", [("二千", 2000), ("十五", 15), ("一百五十", 150), ("三点五", 3.5),
                                            ("二〇二一", 2021), ("一万二千", 12000), ("九十九", 99), ("十", 10)])
def test_parse_numeral(numeral, value):
    assert parse_numeral(numeral) == value


@pytest.mark.parametrize("text, read", [
    ("处二百元以上二千元以下罚款", "处200元以上2000元以下罚款"),
    ("自受理之日起十五日内", "自受理之日起15日内"),
    ("每日按罚款数额的百分之三加处罚款", "每日按罚款数额的3%加处罚款"),
    ("承担不超过百分之十的赔偿责任", "承担不超过10%的赔偿责任"),
    ("五个工作日内", "5个工作日内"),
    ("第九十九条", "第99条"),
    ("二〇二一年", "2021年"),
    ("三点五万吨", "3.5万吨"),
    ("十五万人", "15万人"),
    ("年满十六周岁", "年满16周岁"),
    ("一年内", "1年内"),  # a lone 一 before a unit of time is a figure
    ("两个平台", "两个平台"),  # … before a classifier it is not
    ("浮龙最初在哪一年被命名", "浮龙最初在哪一年被命名"),  # … nor after a word that picks one out
    ("同一天办结", "同一天办结"),
    ("比上一年增长27.4%", "比上一年增长27.4%"),  # … nor after a word that points to a neighbour
    ("前两年", "前2年"),  # … where 两 still counts
    ("一般而言", "一般而言"),
    ("统一规划", "统一规划"),
    ("万一发生", "万一发生"),
    ("一是加强", "一是加强"),
    ("十分重要", "十分重要"),
    ("千米", "千米"),
    ("完成额（万元）", "完成额（万元）"),
    ("第二十一条之一", "第21条之一"),
])
def test_to_arabic(text, read):
    assert to_arabic(text) == read


def test_digits_view_drops_whitespace():
    assert digits_view("处 二百元 罚款") == "处200元罚款"


def test_unit_forms_answer_the_unit_asked():
    assert "日" in unit_forms("天") and unit_forms("项") == ("项",)


def test_digits_view_keeps_two_figures_apart():
    assert digits_view("表5 2023年周口市") == "表5，2023年周口市"
