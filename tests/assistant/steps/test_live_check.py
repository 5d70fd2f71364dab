from assistant.answer import Numbering, Source
from assistant.steps.evidence import Candidate
from assistant.steps.gate import PartFeatures, PartVerdict
from assistant.steps.live_check import LiveCheck, settled
from assistant.steps.question_parts import split_parts
from tests.conftest import make_paragraph

PARA = make_paragraph("d:p1", "d", "2021 年天津口岸出口整体通关时间仅 0.74 小时。上海口岸进口整体通关时间为 40 小时。")
S1 = Candidate(PARA, 0, PARA.text.index("。") + 1, 0)
S2 = Candidate(PARA, S1.end, len(PARA.text), 0)
Q = "2021年天津口岸的出口整体通关时间是多少？"
RIGHT = "2021年天津口岸出口整体通关时间仅0.74小时[1]。"
WRONG = "天津口岸出口整体通关时间为40小时[2]。"


def _check() -> LiveCheck:
    [part] = split_parts(Q)
    verdict = PartVerdict(part, True, 0.9, PartFeatures(1.0, 1.0, 0, 0), S1, ())
    return LiveCheck(Q, Numbering({1: S1, 2: S2}, {PARA.id: Source(3, PARA, PARA.text, "c", 1.0)}), [verdict], [Q])


def test_a_sentence_is_settled_once_something_follows_it():
    assert settled("甲乙丙[1]。") == ""
    assert settled("甲乙丙[1]。丁") == "甲乙丙[1]。"
    assert settled("甲乙丙。[1]丁戊") == "甲乙丙。[1]"


def test_the_sentence_being_written_is_a_draft_with_source_markers():
    live = _check()
    assert live.run(RIGHT[:-4]) is None
    view = live.run(RIGHT + "天津口岸[2")
    assert view.checked == "2021年天津口岸出口整体通关时间仅0.74小时[3]。" and view.draft == "天津口岸[2"


def test_a_rejected_sentence_is_never_in_the_checked_answer():
    live = _check()
    live.run(RIGHT + "天")
    view = live.run(RIGHT + WRONG, final=True)
    assert view.checked == "2021年天津口岸出口整体通关时间仅0.74小时[3]。" and "40" not in view.checked
