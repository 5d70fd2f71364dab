"""Pure rendering of the web app: citation links and anchors, highlighting, unsupported marks, refusals, history."""
import re

import pytest

from assistant.pipeline import Assistant
from assistant.steps.gate import Calibration
from retriever.hybrid import HybridRetriever
from tests.conftest import ALWAYS, NEVER, Q_COST, FakeLLM, evidence_number
from webapp.render import (anchor_id, highlight, link_citations, matched_spans, message_text,
                           normalize_messages, render_answer, render_sources, render_stopped, render_streaming,
                           sources_panel, timings_line)


@pytest.fixture
def retriever(fake_index, fake_embedder):
    return HybridRetriever.from_index_dir(fake_index, embedder=fake_embedder)


def _answer(retriever, reply, question=Q_COST, calibration=ALWAYS):
    return Assistant(retriever, FakeLLM([reply]), calibration=calibration).run(question)


@pytest.fixture
def cost_answer(retriever):
    k = evidence_number(retriever, Q_COST, "1000 元左右")
    answer = _answer(retriever, f"天津港通过“一单制”海铁联运，将单个集装箱的综合成本节省 1000 元左右[{k}]。")
    return answer, answer.citations[0].n


def test_citations_link_to_anchors_in_the_sources_panel(cost_answer):
    answer, n = cost_answer
    msg = render_answer(answer, turn=3)
    links = re.findall(r'<a class="cite" href="#([^"]+)"[^>]*>\[(\d+)\]</a>', msg)
    assert links == [(anchor_id(3, n), str(n))] * 2  # the sentence and the source sentence it rests on
    assert '<span class="quote"' in msg
    sources = render_sources(answer, turn=3)
    assert f'id="{anchor_id(3, n)}"' in sources
    citation = answer.citations[0]
    assert citation.label in sources and "检索得分" in sources
    assert f"{answer.sources[n - 1].score:.4f}" in sources


def test_unknown_marker_stays_plain_text():
    out = link_citations("甲[1]乙[7]。", 1, {1: "标签"})
    assert 'href="#src-1-1"' in out and "[7]" in out and "src-1-7" not in out


def test_answer_and_labels_are_escaped():
    out = link_citations("<b>x</b>[1]".replace("<", "&lt;").replace(">", "&gt;"), 2, {1: 'a"<b>'})
    assert "<b>" not in out and 'title="a&quot;&lt;b&gt;"' in out


def test_cited_paragraph_highlights_what_the_answer_repeats(cost_answer):
    answer, n = cost_answer
    sources = render_sources(answer, turn=1)
    marked = re.findall(r"<mark>(.*?)</mark>", sources)
    assert any("1000 元左右" in m for m in marked)
    assert all(len(m.replace(" ", "")) >= 4 for m in marked)


def test_highlight_ignores_whitespace_and_uses_each_part_once():
    text = "即给予研发人员相应激励。试点后，赋予研发人员 70%的所有权，后续转化"
    out = highlight(text, ["赋予研发人员70%的所有权[1]。"])
    assert re.findall(r"<mark>(.*?)</mark>", out) == ["赋予研发人员 70%的所有权"]
    assert matched_spans("完全无关的内容", ["天津港"]) == []


def test_highlight_marks_the_window_shown_to_the_model():
    text = "第一句很长的话。第二句是检索到的窗口。第三句。"
    out = highlight(text, [], window="第二句是检索到的窗口。")
    assert '<span class="window">第二句是检索到的窗口。</span>' in out
    assert "window" not in highlight(text, [], window=text)  # whole paragraph: nothing to set apart


def test_rejected_sentence_is_not_shown_and_the_removal_is_said(retriever):
    k = evidence_number(retriever, Q_COST, "1000 元左右")
    answer = _answer(retriever, f"天津港通过“一单制”海铁联运，将单个集装箱的综合成本节省 1000 元左右[{k}]。另外还有很多别的好处[{k}]。")
    msg = render_answer(answer, turn=1)
    assert [r.claim.text for r in answer.rejected] == ["另外还有很多别的好处。"]
    assert "别的好处" not in msg and "未通过核查，已删除" in msg


def test_extracts_and_missing_parts_are_marked(retriever):
    q = "天津口岸出口整体通关时间是多少？天津港的注册资本是多少？"
    calib = Calibration.of(-10.0, chosen_fit=20.0)
    answer = _answer(retriever, "无关的说法[1]。", q, calibration=calib)
    msg = render_answer(answer, turn=1)
    assert 'class="extract"' in msg and 'class="part-missing"' in msg and "原文摘录" in msg


def test_refusal_shows_closest_paragraphs(retriever):
    answer = _answer(retriever, "不会生成。", "天津港的注册资本是多少？", calibration=NEVER)
    msg = render_answer(answer, turn=1)
    assert 'class="answer-text refused"' in msg and "cite" not in msg
    sources = render_sources(answer, turn=1)
    assert "最接近的段落" in sources and answer.contexts[0].chunk.label in sources
    assert f"{answer.contexts[0].score:.4f}" in sources and 'id="src-' not in sources


def test_sources_panel_keeps_older_turns_collapsed():
    panel = sources_panel(["<p>one</p>", "<p>two</p>"])
    assert panel.index("two") < panel.index("one")
    assert panel.count("<details class=\"turn\" open>") == 1
    assert "[n]" in sources_panel([])


def test_streaming_message_is_escaped():
    out = render_streaming("a<b>[1]", "检索中")
    assert "&lt;b&gt;" in out and "检索中" in out and "<a " not in out


def test_timings_line():
    assert timings_line({"total_ms": 30134.1, "retrieve_ms": 997.8, "ttft_ms": 27970.6, "gen_tokens": 16},
                        "llama") == "用时 30.1 s（检索 998 ms，首字 28.0 s，16 token） · llama"
    assert timings_line({}) == ""


def test_message_text_handles_str_parts_and_files():
    assert message_text("问") == "问"
    assert message_text([{"type": "text", "text": "问"}, {"type": "text", "text": "题"}]) == "问题"
    assert message_text({"path": "/tmp/x.png"}) == ""
    assert message_text(None) == ""


def test_normalize_messages_flattens_parts():
    out = normalize_messages([{"role": "user", "content": [{"type": "text", "text": "问"}], "metadata": None},
                              {"role": "system", "content": "x"}])
    assert out == [{"role": "user", "content": "问"}]


def test_stopped_message_keeps_partial_text():
    out = render_stopped([{"type": "text", "text": render_streaming("天津港&lt;")}])
    assert "streaming" not in out and "已停止" in out and "天津港&amp;lt;" in out
    assert render_stopped("final answer") == "final answer"
    assert "…" not in render_stopped(render_streaming("", "检索中"))


def test_the_unchecked_draft_is_set_apart_and_dropped_on_stop():
    out = render_streaming("已核查的句子[1]。", "", "正在写的句子")
    assert 'class="draft"' in out and "已核查的句子[1]。" in out
    stopped = render_stopped(out)
    assert "已核查的句子" in stopped and "正在写的句子" not in stopped


def test_a_source_says_what_its_document_is():
    from webapp.render import document_line

    meta = {"kind": "行政法规", "number": "国务院令第663号", "issuer": "国务院", "issued": "2015-11-26",
            "effective": "2016-01-01"}
    assert document_line(meta) == "行政法规 · 国务院令第663号 · 国务院 · 2016-01-01施行"
    assert document_line({}) == ""


def test_library_rows_show_each_documents_metadata():
    from webapp.render import documents_rows

    manifest = {"documents": {"d": {"title": "某条例", "paragraphs": 3, "chunks": 2, "path": "/x/d.pdf",
                                    "meta": {"kind": "地方性法规", "region": "南宁市", "effective": "2020-09-01"}}}}
    assert documents_rows(manifest) == [["d", "某条例", "地方性法规", "", "", "", "2020-09-01", "南宁市", 3, 2, "/x/d.pdf"]]
