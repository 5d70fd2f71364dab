"""llama.cpp backend on the real Qwen2.5-Coder-1.5B GGUF, with short outputs."""
import re

import pytest

from assistant.runtime.llm import STOP, LlamaCppLLM, chatml
from assistant.steps.prompting import citation_grammar
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


# ---------------------------------------------------------------- the grammar asked about the chosen token only

def real_answer_prompts() -> list[tuple[str, str]]:
    """Real answer prompts (PromptBuilder over sentences of the bundled report) and their citation grammars."""
    from assistant.steps.evidence import candidates
    from assistant.steps.prompting import PromptBuilder, Prompts
    from index.loaders import load_document
    from tests.conftest import Q_COST, REPORT

    paragraphs = load_document(REPORT).paragraphs
    holding = lambda needle: candidates([next(p for p in paragraphs if needle in p.text)])  # noqa: E731
    cost, share, customs = holding("1000 元左右"), holding("70%的所有权"), holding("0.74 小时")
    builder = PromptBuilder(Prompts.load())
    parts = ["2021年天津口岸进口整体通关时间是多少？", "2021年天津口岸出口整体通关时间是多少？"]
    return [(builder.answer(cost + share, Q_COST, []), citation_grammar(6)),
            (builder.answer(share + cost, "北京积水潭医院赋予研发人员多少比例的所有权？", []), citation_grammar(6)),
            (builder.answer(customs, "2021年天津口岸进口和出口整体通关时间分别是多少？", parts),
             citation_grammar(len(customs), max_sentences=4))]


@pytest.fixture(scope="module")
def answer_prompts() -> list[tuple[str, str]]:
    """real_answer_prompts, built once."""
    return real_answer_prompts()


def recorded(monkeypatch, owner, name: str) -> list[int]:
    """The tokens owner.name returns while the test runs (a token-choosing call wrapped)."""
    chosen: list[int] = []
    call = getattr(owner, name)

    def wrapper(*args, **kwargs):
        chosen.append(call(*args, **kwargs))
        return chosen[-1]

    monkeypatch.setattr(owner, name, wrapper)
    return chosen


def generated(llm, chosen: list[int]) -> list[int]:
    """The chosen tokens up to an end-of-generation token (which both paths choose last, and do not emit)."""
    import llama_cpp

    eog = [i for i, t in enumerate(chosen) if llama_cpp.llama_vocab_is_eog(llm._llm._model.vocab, t)]
    return chosen[: eog[0]] if eog else chosen


def by_create_completion(llm, monkeypatch, prompt: str, max_tokens: int, grammar: str | None):
    """Tokens and text of llama-cpp-python's create_completion as stream called it before (greedy, streamed,
    STOP), the grammar applied by its sampler chain to every token; the prompt in the KV cache first, so that
    both paths evaluate its last token alone."""
    from llama_cpp import LlamaGrammar, _internals

    constrained = LlamaGrammar.from_string(grammar) if grammar else None
    llm.warm(prompt)
    with monkeypatch.context() as m:
        chosen = recorded(m, _internals.LlamaSampler, "sample")
        parts = llm._llm.create_completion(prompt, max_tokens=max_tokens, temperature=0.0, stream=True,
                                           stop=list(STOP), grammar=constrained)
        text = "".join(p["choices"][0]["text"] for p in parts)
    return generated(llm, chosen), text


def by_stream(llm, monkeypatch, prompt: str, max_tokens: int, grammar: str | None):
    """Tokens and text of LlamaCppLLM.stream (the prompt in the KV cache first, as above)."""
    from assistant.runtime import decoding

    llm.warm(prompt)
    with monkeypatch.context() as m:
        chosen = recorded(m, decoding, "choose")
        text = "".join(llm.stream(prompt, max_tokens=max_tokens, grammar=grammar))
    return generated(llm, chosen), text


@pytest.mark.parametrize("i", range(3))
def test_stream_gives_the_tokens_of_create_completion_with_the_citation_grammar(llm, answer_prompts, monkeypatch, i):
    prompt, grammar = answer_prompts[i]
    ours, text = by_stream(llm, monkeypatch, prompt, 120, grammar)
    theirs, their_text = by_create_completion(llm, monkeypatch, prompt, 120, grammar)
    assert ours == theirs and text == their_text
    assert re.search(r"\[\d\]。$", text), text  # a whole cited answer, ended by the model


def test_stream_without_a_grammar_gives_the_tokens_of_create_completion(llm, answer_prompts, monkeypatch):
    prompt, _ = answer_prompts[0]
    ours, text = by_stream(llm, monkeypatch, prompt, 48, None)
    assert (ours, text) == by_create_completion(llm, monkeypatch, prompt, 48, None)
    assert "1000" in text


def test_where_the_grammar_rejects_the_models_choice_the_whole_vocabulary_decides_as_create_completion(
        llm, answer_prompts, monkeypatch):
    from assistant.runtime.decoding import ChoiceGrammar, llama_greedy, stop_tokens

    prompt, _ = answer_prompts[0]
    forced = 'root ::= "综上所述，" [^\\[\\]。\\n<]{2,60} "[" [1-6] "]。"\n'  # not how the model begins
    ours, text = by_stream(llm, monkeypatch, prompt, 60, forced)
    assert (ours, text) == by_create_completion(llm, monkeypatch, prompt, 60, forced)
    assert text.startswith("综上所述，") and text.endswith("]。")
    llm.warm(prompt)
    tokens = llm._llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)
    with ChoiceGrammar(llm._llm, forced) as grammar:
        assert list(llama_greedy(llm._llm, tokens, 60, stop_tokens(llm._llm, STOP), grammar)) == ours
        assert grammar.full_passes >= 1


def test_closing_a_stream_early_leaves_the_model_ready_for_the_next_call(llm, answer_prompts):
    prompt, grammar = answer_prompts[0]
    whole = "".join(llm.stream(prompt, max_tokens=40, grammar=grammar))
    pieces = llm.stream(prompt, max_tokens=40, grammar=grammar)
    first = next(pieces)
    pieces.close()
    assert whole.startswith(first) and len(first) < len(whole)
    assert llm._lock.acquire(blocking=False)
    llm._lock.release()
    assert "".join(llm.stream(prompt, max_tokens=40, grammar=grammar)) == whole


def test_the_answer_after_the_choice_prefills_only_its_own_instruction(llm):
    """The gate's choice among the evidence is read in the main context, so the answer prompt that shares its
    prefix (the evidence and the question) evaluates only what follows it: one prefill of the evidence."""
    from assistant.steps.evidence import Candidate
    from assistant.steps.prompting import PromptBuilder, Prompts
    from tests.conftest import make_paragraph

    para = make_paragraph("d:p1", "d", "天津港通过“一单制”海铁联运，将单个集装箱的综合成本节省 1000 元左右。", case="物流")
    builder = PromptBuilder(Prompts.load())
    sentences, question = [Candidate(para, 0, len(para.text), 0)], "天津港一单制节省多少成本？"
    probs = llm.choose(builder.choose(sentences, question), ["0", "1"])
    assert abs(sum(probs) - 1) < 1e-6 and probs[1] > probs[0]
    evaluated = []
    original = llm._llm.eval
    llm._llm.eval = lambda tokens: (evaluated.append(len(tokens)), original(tokens))[1]
    try:
        answer = builder.answer(sentences, question, [])
        next(iter(llm.stream(answer, max_tokens=1)))
    finally:
        llm._llm.eval = original
    tokens = lambda text: llm._llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)  # noqa: E731
    chosen, answered = tokens(builder.choose(sentences, question)), tokens(answer)
    common = next((i for i, (a, b) in enumerate(zip(chosen, answered)) if a != b), len(answered))
    assert evaluated[0] == len(answered) - common  # the evidence and the question were not evaluated again
    assert evaluated[0] < len(answered) / 4
