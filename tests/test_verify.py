from assistant.evidence import Candidate
from assistant.question_parts import Part
from assistant.verify import Claim, covers, is_echo, slot_aligned, verify
from index.documents import Paragraph

PARA = Paragraph("d:p0001", "d", "2021 年天津口岸出口整体通关时间仅 0.74 小时。上海口岸进口整体通关时间为 40 小时。",
                 case="跨境贸易")
S1 = Candidate(PARA, 0, PARA.text.index("。") + 1, 0)
S2 = Candidate(PARA, S1.end, len(PARA.text), 0)
EVIDENCE = {1: S1, 2: S2}
Q = "2021年天津口岸的出口整体通关时间是多少？"


def test_echo_sentences():
    assert is_echo("天津港一单制海铁联运跑了多少里程", "天津港一单制海铁联运跑了多少里程？")
    assert is_echo("这和报告说的最快周期对得上？", "和报告说的最快周期对得上吗？")
    assert is_echo("天津口岸的出口整体通关时间", Q)
    assert not is_echo("天津口岸出口整体通关时间为0.74小时", Q)


def test_supported_sentence_passes():
    [v] = verify([Claim("2021年天津口岸出口整体通关时间仅0.74小时", (1,))], Q, EVIDENCE, [["2021年", "天津"]])
    assert v.ok


def test_figure_of_another_entity_is_rejected():
    claim = Claim("2021年天津口岸出口整体通关时间为40小时", (2,))
    [v] = verify([claim], Q, EVIDENCE, [["2021年", "天津"]])
    assert not v.ok
    assert not slot_aligned(claim.text, Q, [S2], [["天津"]], lambda t: 1.0)


def test_duplicates_are_dropped():
    claims = [Claim("天津口岸出口整体通关时间仅0.74小时", (1,)), Claim("天津口岸出口整体通关时间仅0.74小时", (1,))]
    assert [v.ok for v in verify(claims, Q, EVIDENCE, [[]])] == [True, False]


def test_echo_is_flagged():
    [v] = verify([Claim("天津口岸的出口整体通关时间是多少", (1,))], Q, EVIDENCE, [[]])
    assert not v.ok and v.echo


def test_covers_needs_the_focus_and_a_filler():
    part = Part("进口整体通关时间是多少？", focus="进口", slot="number")
    other = Part("出口整体通关时间是多少？", focus="出口", slot="number")
    assert covers("进口整体通关时间为34.93小时", part, (other,))
    assert not covers("出口整体通关时间为0.74小时", part, (other,))
    assert not covers("进口整体通关时间大幅压缩", part, (other,))


def test_the_only_part_is_covered_by_any_sentence_with_a_filler():
    part = Part("试点示范是从哪一年开始推广经验的？", slot="time")
    assert covers("2018年", part) and not covers("很早以前", part)
