import pytest

from index.normalize import fold_code_points, join_letter_spaced, normalize_line, tidy_spaces


@pytest.mark.parametrize("raw, folded", [
    ("2026年2⽉9⽇ 星期⼀", "2026年2月9日 星期一"),  # Kangxi radicals (U+2F49 ⽉, U+2F47 ⽇, U+2F00 ⼀)
    ("⾏政法规", "行政法规"),
    ("打印本⻚", "打印本页"),  # CJK Radicals Supplement U+2EDA, which NFKC leaves alone
    ("⻓江⻔户", "长江门户"),
    ("\uf9b1", "\u9234"),  # a compatibility ideograph
    ("２０２３年", "2023年"),  # full-width digits
    ("第\u3000一条", "第 一条"),  # ideographic space
    ("国务院\xa0\xa0令", "国务院  令"),  # no-break spaces
    ("零\u200b宽", "零宽"),  # zero-width space
    ("（一）全角括号、标点；", "（一）全角括号、标点；"),  # full-width punctuation stays
])
def test_fold_code_points(raw, folded):
    assert fold_code_points(raw) == folded


@pytest.mark.parametrize("raw, joined", [
    ("2 0 0 3 年", "2003年"),
    ("周 口 市 统 计 局", "周口市统计局"),
    ("第一章 总 则", "第一章 总则"),
    ("年末数 866.60", "年末数 866.60"),
])
def test_join_letter_spaced(raw, joined):
    assert join_letter_spaced(raw) == joined


@pytest.mark.parametrize("raw, tidy", [
    ("2003 年 10 月 28 日", "2003年10月28日"),
    ("增长 4.8%。分产业看", "增长4.8%。分产业看"),
    ("第 663 号", "第663号"),
    ("第一章 总则", "第一章 总则"),  # two Chinese words
    ("第四条 市、县（区）人民政府", "第四条 市、县（区）人民政府"),  # an article number keeps its space
    ("GB/T 1.1—2020", "GB/T 1.1—2020"),
    ("866.60 392.66", "866.60 392.66"),
])
def test_tidy_spaces(raw, tidy):
    assert tidy_spaces(raw) == tidy


def test_normalize_line_folds_joins_and_tidies():
    assert normalize_line("2 0 0 3 年 1 0 ⽉") == "2003年10月"


def test_a_seal_s_star_over_a_date_is_left_out():
    assert normalize_line("2★024年3月18日") == "2024年3月18日"
