import pytest

from index.headings import (TABLE_TITLE_RE, heading_level, inline_head, is_front_matter, is_question_head, is_statute,
                            list_marker, run_in_head, without_contents)


@pytest.mark.parametrize("line, statute, level", [
    ("第一编 总则", True, "part"),
    ("第五章 法律责任", True, "chapter"),
    ("第二节 机动车驾驶人", True, "jie"),
    ("一、综合", False, "section"),
    ("（二）创新海关监管模式", False, "subsection"),
    ("（二）创新海关监管模式", True, None),  # in a statute: an item (项) of an article
    ("1. 建立平台", False, "item"),
    ("5.1 确定评价范围和内容", False, "h2"),
    ("5.2.3 确定适用的现行安全标准和实践", False, "h3"),
    ("附录A 安全要素关联矩阵", False, "annex"),
    ("专栏 1 试点示范省市科技成果转化赋权案例", False, "box"),
    ("第九十一条 饮酒后驾驶机动车的，处暂扣六个月机动车驾驶证。", True, None),  # a sentence is no heading
    ("35.8%、18.7%、8.3%和近 8 倍。", False, None),
    ("以赔偿；不足的部分，按照下列规定承担赔偿责任：", True, None),
])
def test_heading_level(line, statute, level):
    assert heading_level(line, statute) == level


@pytest.mark.parametrize("text, statute, head", [
    ("第九十一条 饮酒后驾驶机动车的，处暂扣六个月机动车驾驶证。", True, "第九十一条"),
    ("第九十一条 饮酒后驾驶机动车的，处暂扣六个月机动车驾驶证。", False, None),  # articles count in statutes only
    ("第二十一条之一 ……", True, "第二十一条之一"),
    ("5.1.1 一般而言，核电厂定期安全评价的范围应包括以下14个安全要素：", False, "5.1.1"),
    ("依照本法第九十条的规定处罚。", True, None),
    ("35.8%的企业", False, None),
])
def test_inline_head(text, statute, head):
    assert inline_head(text, statute) == head


def test_a_statute_has_three_articles():
    assert is_statute(["第一条 甲。", "第二条 乙。", "丙。", "第三条 丁。"])
    assert not is_statute(["第一条 甲。", "依照第二条处理。"])


@pytest.mark.parametrize("text, marker", [("（三）机动车登记；", "（三）"), ("a)核电厂设计（SF1）", "a)"),
                                          ("——第1部分：通用要求；", "——"), ("机动车登记", "")])
def test_list_marker(text, marker):
    assert list_marker(text) == marker


def test_front_matter_ignores_letter_spacing():
    assert is_front_matter("前 言") and is_front_matter("附录A") and not is_front_matter("一、主要做法")


@pytest.mark.parametrize("text, statute, head", [
    ("（一）指导思想。坚持以人民为中心的发展思想，统筹发展和安全。", False, ("subsection", "（一）指导思想")),
    ("1.加强组织领导。各地区要建立工作机制。", False, ("item", "1.加强组织领导")),
    ("二、重点任务：完善产地冷链设施布局，建设集配中心。", False, ("section", "二、重点任务")),
    ("（一）指导思想。坚持以人民为中心的发展思想。", True, None),  # a statute's （一） is an item of an article
    ("（一）机动车登记；", False, None),  # no head before a sentence
    ("1.5万吨。全年产量增长。", False, None),  # a figure, not a numbered point
])
def test_run_in_head(text, statute, head):
    assert run_in_head(text, statute) == head


def test_a_run_of_headings_that_come_again_later_is_a_table_of_contents():
    blocks = [("title", "某条例"), ("chapter", "第一章 总则"), ("chapter", "第二章 管理"), ("chapter", "第三章 附则"),
              ("chapter", "第一章 总则"), (None, "第一条 为了……"), ("chapter", "第二章 管理"), (None, "第五条 ……"),
              ("chapter", "第三章 附则"), (None, "第九条 本条例自公布之日起施行。")]
    assert without_contents(blocks) == {1, 2, 3}


@pytest.mark.parametrize("text, question", [
    ("问：《若干措施》出台的背景是什么？", True),
    ("问题3：企业如何申报？", True),
    ("答：自2024年4月1日起施行。", False),
    ("问：", False),  # no question
    ("问责机制不健全的，怎么办？", False),  # 问责 is no 问：
])
def test_a_question_line_of_a_q_and_a(text, question):
    assert is_question_head(text) == question


def test_an_appendix_clause_and_the_references_are_headings_and_an_appendix_table_has_a_title():
    assert heading_level("A.1 检查项目和周期") == "h2" and heading_level("参 考 文 献") == "annex"
    assert TABLE_TITLE_RE.match("表A.1 检查项目、方法和周期") and not heading_level("A 级")
