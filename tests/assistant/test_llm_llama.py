"""llama.cpp backend on the real Qwen2.5-Coder-1.5B GGUF, with short outputs."""
import re

import pytest

from assistant.llm import LlamaCppLLM, chatml
from assistant.prompting import citation_grammar
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


def test_option_probabilities_pick_the_answering_source(llm):
    ask = "\n哪一条资料回答了这个问题？只输出编号，都不能回答时输出0。"
    probs = llm.option_probabilities(chatml("你是审核员。", [], SOURCES + "北京积水潭医院赋予研发人员多少所有权？" + ask),
                                     ["0", "1", "2"])
    assert abs(sum(probs) - 1) < 1e-6 and max(range(3), key=probs.__getitem__) == 2


def test_long_prefill_then_decode(llm):
    """Batches of many tokens crashed llama.cpp's AMX kernels; a one-token prompt did not."""
    prompt = chatml("只根据资料回答。", [], SOURCES * 2 + "天津港一单制节省多少成本？北京积水潭医院赋予研发人员多少所有权？")
    assert llm.count_tokens(prompt) >= 64
    text = "".join(llm.stream(prompt, max_tokens=16))
    assert 1 <= llm.count_tokens(text) <= 17


def test_runtime_was_chosen_by_the_self_test(llm):
    assert llm.runtime.n_threads >= 1 and llm.runtime.n_threads_batch >= 1
    assert llm.runtime.measured, "the choice must come from a measurement"


def test_stream_respects_max_tokens(llm):
    pieces = list(llm.stream(chatml("你是助手。", [], "用一句话介绍天津港。"), max_tokens=5))
    assert 1 <= llm.count_tokens("".join(pieces)) <= 6


def test_a_side_generation_leaves_the_cached_answer_prefix_alone_and_decodes_the_same(llm):
    prefix = chatml("只根据资料回答，每句末尾标注[编号]。", [], SOURCES)
    llm.warm(prefix)
    cached = llm._llm.input_ids[: llm._llm.n_tokens].tolist()
    prompt = chatml("你负责改写问题。", [], "后续问题：那北京呢？\n请改写成完整的问题。")
    aside = "".join(llm.stream_aside(prompt, max_tokens=12))
    assert llm._llm.input_ids[: llm._llm.n_tokens].tolist() == cached
    assert aside and aside == "".join(llm.stream(prompt, max_tokens=12))
