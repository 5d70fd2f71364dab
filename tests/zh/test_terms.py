"""Term matching (zh.terms): example table — term, text → found?"""
import pytest

from zh.terms import contracted_in, found, weighted_share

FOUND = [
    ("天津", "2021年天津口岸出口整体通关时间", True),
    ("国家金融科技认证中心", "国家金融科技测评中心成立", True),  # a long name: most of its bigrams
    ("乐城全球特药险", "乐城特药险已上线", False),  # … but not half of them
    ("广州", "上海市融资租赁", False),
    ("PCT", "pct申请", True),  # case is ignored
]


@pytest.mark.parametrize("term, text, expected", FOUND)
def test_found(term, text, expected):
    assert found(term, text.lower().replace(" ", "")) is expected


def test_weighted_share_counts_rare_terms_more():
    idf = {"天津": 1.0, "海铁联运": 3.0}.get
    assert weighted_share(["天津", "海铁联运"], "天津港", idf) == pytest.approx(0.25)
    assert weighted_share([], "任何文字", idf) == 1.0


@pytest.mark.parametrize("term, text, expected", [
    ("上路", "方可上道路行驶", True),  # one character between each two
    ("上路", "上级道路", False),  # two between
    ("2024年", "2020、2024年", False),  # figures are matched as written
])
def test_contracted_in(term, text, expected):
    assert contracted_in(term, text) is expected
