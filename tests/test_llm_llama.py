"""llama.cpp backend on the real Qwen2.5-Coder-1.5B GGUF, with short outputs."""
import re

import pytest

from assistant.llm import LlamaCppLLM, chatml
from assistant.pipeline import citation_grammar
from settings import LLMConfig

SOURCES = ("资料：\n[1] 天津港通过“一单制”海铁联运，将单个集装箱的综合成本节省 1000 元左右。\n"
           "[2] 北京积水潭医院赋予研发人员 70%的所有权。\n\n问题：")


@pytest.fixture(scope="module")
def llm():
    return LlamaCppLLM(cfg=LLMConfig(n_ctx=1024, n_threads=2, n_threads_batch=2))


def test_grammar_forces_cited_sentences(llm):
    prompt = chatml("只根据资料回答，每句末尾标注[编号]。", [], SOURCES + "天津港一单制节省多少成本？")
    text = "".join(llm.stream(prompt, max_tokens=60, grammar=citation_grammar(2, max_sentences=1)))
    assert re.fullmatch(r"[^\[\]。\n]{2,120}(\[[12]\]){1,2}。", text), text
    assert "1000" in text


def test_yes_probability_prefers_answerable(llm):
    check = "\n资料中是否包含回答该问题所需的信息？只回答“是”或“否”。"
    p_in = llm.yes_probability(chatml("你是审核员。", [], SOURCES + "北京积水潭医院赋予研发人员多少所有权？" + check))
    p_out = llm.yes_probability(chatml("你是审核员。", [], SOURCES + "上海交通大学的校长是谁？" + check))
    assert 0 < p_out < p_in < 1


def test_stream_respects_max_tokens(llm):
    pieces = list(llm.stream(chatml("你是助手。", [], "用一句话介绍天津港。"), max_tokens=5))
    assert 1 <= llm.count_tokens("".join(pieces)) <= 6
