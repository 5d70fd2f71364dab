"""The shared tagger: jieba's words and flags, once per text."""
import pytest

from zh.tagging import tagged

CASES = [  # text → (word, flag) pairs that must be among its tags
    ("天津港通过海铁联运", [("天津港", "ns")]),
    ("北京新建了多少家", [("北京", "ns"), ("新建", "ns"), ("多少", "m")]),
]


@pytest.mark.parametrize("text, expected", CASES)
def test_tags_hold_the_expected_words(text, expected):
    assert set(expected) <= set(tagged(text))


def test_a_text_is_tagged_once():
    tagged.cache_clear()
    tagged("上海市融资租赁")
    tagged("上海市融资租赁")
    assert tagged.cache_info().hits == 1 and tagged.cache_info().misses == 1


def test_a_place_of_the_library_is_tagged_as_a_place():
    from zh.tagging import add_places

    assert ("焦作", "ns") not in tagged("2023年焦作的统计公报")  # jieba's dictionary: a common noun
    add_places(["焦作市", "焦作"])  # (no other test's library is in 焦作)
    assert ("焦作", "ns") in tagged("2023年焦作的统计公报")
