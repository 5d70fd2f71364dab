import pytest

from assistant.answerability import Calibration
from assistant.pipeline import Assistant, citation_grammar
from assistant.sources import build_sources
from retriever.hybrid import HybridRetriever
from tests.conftest import FakeLLM

ALWAYS = Calibration((0.0, 0.0, 0.0), 5.0, 0.5)   # P(answerable) = sigmoid(5) → answer
NEVER = Calibration((0.0, 0.0, 0.0), -5.0, 0.5)   # → refuse
# worded like the paragraph, so even the fake embedder ranks that paragraph first
Q_COST = "天津港通过“一单制”海铁联运，将单个集装箱的综合成本节省多少元？比非“一单制”海铁联运模式缩短几天？"


@pytest.fixture
def retriever(fake_index, fake_embedder):
    return HybridRetriever.from_index_dir(fake_index, embedder=fake_embedder)


def _source_number(retriever, question, needle):
    """The [n] under which the paragraph containing needle is shown for this question."""
    sources = build_sources(retriever.context(question), retriever.paragraphs)
    return next(s.n for s in sources if needle in s.text)


def _assistant(retriever, reply, calibration=ALWAYS, **kw):
    llm = FakeLLM([reply], **kw)
    return Assistant(retriever, llm, calibration=calibration), llm


def test_grounded_answer_maps_citations_to_paragraphs(retriever):
    n = _source_number(retriever, Q_COST, "1000 元左右")
    reply = f"天津港通过“一单制”海铁联运，将单个集装箱的综合成本节省 1000 元左右[{n}]。"
    assistant, llm = _assistant(retriever, reply)
    answer = assistant.run(Q_COST)
    assert not answer.refused and not answer.fallback
    assert answer.answer == reply and answer.unsupported_sentences == []
    c = answer.citations[0]
    assert c.n == n and c.paragraph_id == answer.sources[n - 1].paragraph.id
    assert c.text == retriever.paragraphs[c.paragraph_id].text and "1000 元左右" in c.text
    assert llm.grammars[-1] == citation_grammar(len(answer.sources))


def test_low_answerability_refuses_before_generation(retriever):
    assistant, llm = _assistant(retriever, "不会生成。", calibration=NEVER)
    answer = assistant.run("天津港的注册资本是多少？")
    assert answer.refused and answer.answer.startswith("根据现有资料无法回答")
    assert answer.citations == [] and answer.contexts  # closest paragraphs still listed
    assert llm.grammars == []  # nothing was generated


def test_invented_number_turns_into_refusal(retriever):
    assistant, _ = _assistant(retriever, "天津东疆融资租赁公司的注册资本为 987 亿元[1]。")
    answer = assistant.run("天津东疆融资租赁公司的注册资本是多少？")
    assert answer.refused and "987" in answer.generated


def test_unsupported_text_falls_back_to_extractive(retriever):
    assistant, _ = _assistant(retriever, "这是一个与资料无关的说法[1]。")
    answer = assistant.run("船边直提")
    assert answer.fallback and not answer.refused
    assert answer.citations and all(s.supported for s in answer.sentences)


def test_unsupported_sentence_is_reported_not_hidden(retriever):
    n = _source_number(retriever, Q_COST, "1000 元左右")
    reply = f"天津港通过“一单制”海铁联运，将单个集装箱的综合成本节省 1000 元左右[{n}]。另外还有很多别的好处。"
    assistant, _ = _assistant(retriever, reply)
    answer = assistant.run(Q_COST)
    assert answer.unsupported_sentences == ["另外还有很多别的好处。"]


def test_stream_yields_tokens_then_answer(retriever):
    assistant, _ = _assistant(retriever, "天津港通过“一单制”海铁联运节省成本[1]。")
    events = list(assistant.stream("天津港一单制海铁联运节省多少成本"))
    kinds = [e.kind for e in events]
    assert kinds[-1] == "answer" and kinds.count("token") >= 2
    assert "".join(e.text for e in events if e.kind == "token") == events[-1].answer.generated


def test_follow_up_is_condensed_with_history(retriever):
    llm = FakeLLM(["天津港的“船边直提”模式节省了多少时间？", "天津港“船边直提”[1]。"])
    assistant = Assistant(retriever, llm, calibration=ALWAYS)
    answer = assistant.run("那它节省了多少时间？", history=[("天津港的船边直提是什么？", "是一种通关模式[1]。")])
    assert answer.standalone_question == "天津港的“船边直提”模式节省了多少时间？"
    assert "天津港的船边直提是什么？" in llm.prompts[0]


def test_standalone_question_is_not_condensed(retriever, fake_llm):
    assistant = Assistant(retriever, fake_llm, calibration=ALWAYS)
    answer = assistant.run("北京积水潭医院赋予研发人员多少所有权比例？", history=[("前一个问题", "回答")])
    assert answer.standalone_question == answer.question


def test_empty_question_rejected(retriever, fake_llm):
    with pytest.raises(ValueError):
        Assistant(retriever, fake_llm).run("  ")


def test_record_has_batch_fields(retriever):
    assistant, _ = _assistant(retriever, "天津港通过“一单制”海铁联运节省成本[1]。")
    rec = assistant.run("天津港一单制").to_record("q1")
    assert {"id", "question", "answer", "refused", "citations", "unsupported_sentences", "contexts",
            "timings"} <= set(rec)
    assert set(rec["timings"]) == {"retrieve_ms", "ttft_ms", "total_ms", "gen_tokens"}
    assert set(rec["citations"][0]) == {"n", "paragraph_id", "label", "text"}


def test_langchain_runnable_streams_and_invokes(retriever):
    from assistant.langchain import AssistantRunnable

    assistant, _ = _assistant(retriever, "天津港通过“一单制”海铁联运节省成本[1]。")
    runnable = AssistantRunnable(assistant)
    chunks = list(runnable.stream({"question": "天津港一单制"}))
    assert "token" in chunks[0] and "answer" in chunks[-1]
    assert runnable.invoke("天津港一单制")["citations"]


def test_wrong_citation_number_is_repaired_to_the_supporting_paragraph(retriever):
    n = _source_number(retriever, Q_COST, "1000 元左右")
    wrong = 1 if n != 1 else 2
    reply = f"天津港通过“一单制”海铁联运，将单个集装箱的综合成本节省 1000 元左右[{wrong}]。"
    assistant, _ = _assistant(retriever, reply)
    answer = assistant.run(Q_COST)
    assert not answer.refused and answer.unsupported_sentences == []
    assert answer.answer.endswith(f"[{n}]。") and [c.n for c in answer.citations] == [n]


def test_render_sentences_places_markers_before_punctuation():
    from assistant.citations import Sentence
    from assistant.pipeline import render_sentences

    assert render_sentences([Sentence("甲。", (1, 2), ""), Sentence("乙", (3,), "")]) == "甲[1][2]。乙[3]。"
