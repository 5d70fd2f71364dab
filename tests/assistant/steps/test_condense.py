"""Follow-up questions made standalone (assistant.steps.condense): rules without a model call, a bounded model rewrite.

The tables are for linguists to extend: (previous question, follow-up, expected standalone question) for what a
rule rewrites, (previous question, follow-up) for what must go to the model.
"""
import pytest

from assistant.steps.condense import CONDENSE_ANSWER_CHARS, CONDENSE_MAX_TOKENS, Condense, rewrite_by_rule
from assistant.steps.prompting import PromptBuilder, Prompts

REWRITTEN_BY_RULE = [
    # a sibling word: same length, shares a character
    ("进口整体通关时间压缩了多少？", "那出口呢？", "出口整体通关时间压缩了多少？"),
    ("天津口岸出口整体通关时间压缩了多少？", "那进口的呢？", "天津口岸进口整体通关时间压缩了多少？"),
    ("天津口岸出口整体通关时间压缩了多少？", "进口方面呢", "天津口岸进口整体通关时间压缩了多少？"),
    ("上半年进口额增长了多少？", "下半年呢？", "下半年进口额增长了多少？"),
    # a place
    ("北京口岸进口整体通关时间压缩了多少？", "天津呢？", "天津口岸进口整体通关时间压缩了多少？"),
    ("上海在知识产权运用方面有哪些做法？", "那海南呢？", "海南在知识产权运用方面有哪些做法？"),
    ("北京市的研发投入是多少？", "天津市怎么样？", "天津市的研发投入是多少？"),
    # a year
    ("2021年天津口岸出口整体通关时间是多少？", "2022年呢？", "2022年天津口岸出口整体通关时间是多少？"),
    ("2021年天津口岸出口整体通关时间是多少？", "那2023呢？", "2023年天津口岸出口整体通关时间是多少？"),
    # an ordinal with the same counter
    ("第一批试点有多少个？", "第二批呢？", "第二批试点有多少个？"),
]

LEFT_TO_THE_MODEL = [
    ("进口整体通关时间压缩了多少？", "天津呢？"),  # no place in the previous question to replace
    ("重庆理工大学的成果转化收益如何分配？", "北京呢？"),  # 重庆 is part of an organisation's name
    ("上海和北京分别有多少家企业？", "天津呢？"),  # two places: which one?
    ("天津港一单制节省多少成本？", "那缩短了几天呢？"),  # a new question, not a slot
    ("融资租赁企业有多少家？", "还有呢？"),
    ("天津口岸出口整体通关时间压缩了多少？", "它呢？"),
    ("天津口岸出口整体通关时间压缩了多少？", "这个呢？"),
    ("第一批试点有多少个？", "第二项呢？"),  # another counter
    ("2021年和2022年的进口额分别是多少？", "2023年呢？"),  # two years
    ("海南自由贸易港的负面清单有多少条？", "它包括哪些领域？"),
]


class RecordingLLM:
    """Streams a scripted reply piece by piece, recording each call and how many pieces were read."""

    name = "recording"

    def __init__(self, reply: str = ""):
        self.reply, self.calls, self.pieces_read = reply, [], 0

    def stream(self, prompt, max_tokens, grammar=None):
        raise AssertionError("a rewrite must not disturb the answer prompts' cached prefix: use stream_aside")

    def stream_aside(self, prompt, max_tokens):
        self.calls.append((prompt, max_tokens))
        for ch in self.reply:
            self.pieces_read += 1
            yield ch

    def option_probabilities(self, prompt, options):
        raise AssertionError("not used by condense")

    def count_tokens(self, text):
        return len(text)


def condense(reply: str = "") -> tuple[Condense, RecordingLLM]:
    llm = RecordingLLM(reply)
    return Condense(llm, PromptBuilder(Prompts.load())), llm


@pytest.mark.parametrize("previous, follow_up, expected", REWRITTEN_BY_RULE)
def test_a_clear_follow_up_is_rewritten_without_a_model_call(previous, follow_up, expected):
    assert rewrite_by_rule(previous, follow_up) == expected
    step, llm = condense()
    assert step.run(follow_up, [(previous, "回答[1]。")]) == expected and llm.calls == []


@pytest.mark.parametrize("previous, follow_up", LEFT_TO_THE_MODEL)
def test_an_unclear_follow_up_goes_to_the_model(previous, follow_up):
    assert rewrite_by_rule(previous, follow_up) is None
    step, llm = condense("改写后的完整问题？")
    assert step.run(follow_up, [(previous, "回答[1]。")]) == "改写后的完整问题？" and len(llm.calls) == 1


def test_rules_are_replayed_over_the_conversation():
    step, llm = condense()
    history = [("北京口岸进口整体通关时间压缩了多少？", "压缩了17.3%[1]。"), ("那出口呢？", "压缩了48.6%[1]。")]
    assert step.run("天津呢？", history) == "天津口岸出口整体通关时间压缩了多少？" and llm.calls == []


def test_the_model_sees_the_last_turn_only_with_its_answer_cut_short_and_writes_one_line():
    step, llm = condense("天津口岸进口整体通关时间压缩了多少？\n说明：这是改写后的问题，后面的话不该再生成。")
    answer = "进口整体通关时间压缩了17.3%[1]。" + "其他内容" * 60
    history = [("融资租赁有哪些做法？", "做法很多[1]。"), ("天津口岸进口整体通关时间压缩了多少？", answer)]
    assert step.run("那它呢？", history) == "天津口岸进口整体通关时间压缩了多少？"
    (prompt, max_tokens), = llm.calls
    assert max_tokens == CONDENSE_MAX_TOKENS
    assert "融资租赁" not in prompt and answer[:CONDENSE_ANSWER_CHARS] in prompt
    assert answer[:CONDENSE_ANSWER_CHARS + 1] not in prompt
    assert llm.pieces_read == len("天津口岸进口整体通关时间压缩了多少？\n")  # generation stopped at the line's end


def test_a_model_rewrite_is_remembered_as_the_previous_question_of_the_next_turn():
    step, llm = condense("北京口岸进口整体通关时间压缩了多少？")
    first = [("北京口岸的做法有哪些？", "推行了一单制[1]。")]
    assert step.run("它的进口通关时间压缩了多少？", first) == "北京口岸进口整体通关时间压缩了多少？"
    history = first + [("它的进口通关时间压缩了多少？", "压缩了17.3%[1]。")]
    assert step.run("天津呢？", history) == "天津口岸进口整体通关时间压缩了多少？" and len(llm.calls) == 1


def test_standalone_questions_and_first_questions_pass_unchanged():
    step, llm = condense()
    assert step.run("天津口岸出口整体通关时间压缩了多少？", [("前一个问题", "回答")]) == "天津口岸出口整体通关时间压缩了多少？"
    assert step.run("那出口呢？", None) == "那出口呢？" and llm.calls == []


def test_a_rewrite_that_answers_instead_of_asking_is_not_used():
    step, llm = condense("天津口岸出口整体通关时间位于全国各主要沿海省市第一。")
    history = [("天津口岸出口整体通关时间压缩了多少？", "压缩了48.6%，位于全国第一[1]。")]
    assert step.run("它位于全国什么位置？", history) == "它位于全国什么位置？" and len(llm.calls) == 1
