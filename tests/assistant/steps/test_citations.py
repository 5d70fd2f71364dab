import pytest

from assistant.steps.citations import cited_numbers, drop_invalid_markers, normalize_markers, remap_markers, split_answer


@pytest.mark.parametrize("raw,expected", [
    ("成本降低[编号2]。", "成本降低[2]。"), ("成本降低【3】。", "成本降低[3]。"), ("见[1,2]", "见[1][2]"),
    ("见[1、3]", "见[1][3]"), ("见[资料 4]", "见[4]"), ("见[1-3]", "见[1][2][3]"), ("无引用。", "无引用。"),
])
def test_normalize_markers(raw, expected):
    assert normalize_markers(raw) == expected


def test_invalid_markers_dropped():
    assert drop_invalid_markers("甲[1]乙[7][0]。", n_sources=3) == "甲[1]乙。"


def test_cited_numbers_in_order_without_duplicates():
    assert cited_numbers("a[2]b[1]c[2]") == [2, 1]


def test_split_answer_attaches_markers_after_full_stop():
    sents = split_answer("第一句。[1]第二句[2][3]。没有引用。")
    assert [(s.text, s.cites) for s in sents] == [("第一句。", (1,)), ("第二句。", (2, 3)), ("没有引用。", ())]


def test_remap_markers_across_pieces():
    assert "".join(remap_markers(iter(["甲[", "3", "]乙[1", "]"]), {3: 2, 1: 1})) == "甲[2]乙[1]"
