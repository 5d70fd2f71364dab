"""The wired pipeline on the bundled report (fake embedder, scripted LLM): events, parts, refusals, checks."""
import pytest

from assistant.pipeline import Assistant
from assistant.steps.gate import Calibration
from index.builder import add_document
from questions import QuestionError
from retriever.hybrid import HybridRetriever
from settings import AnswerConfig, Config
from tests.conftest import ALWAYS, NEVER, Q_COST, Q_ISSUER, Q_UPLOAD, UPLOAD_DOC, FakeLLM, evidence_number


@pytest.fixture
def retriever(fake_index, fake_embedder):
    return HybridRetriever.from_index_dir(fake_index, embedder=fake_embedder)


def _assistant(retriever, replies, calibration=ALWAYS, **kw):
    llm = FakeLLM(list(replies) if isinstance(replies, (list, tuple)) else [replies], **kw)
    return Assistant(retriever, llm, calibration=calibration), llm


def test_grounded_answer_cites_the_paragraph(retriever):
    k = evidence_number(retriever, Q_COST, "1000 元左右")
    assistant, llm = _assistant(retriever, f"天津港“一单制”海铁联运将单个集装箱的综合成本节省1000元左右[{k}]。")
    answer = assistant.run(Q_COST)
    assert not answer.refused and not answer.fallback
    c = answer.citations[0]
    assert "1000 元左右" in c.text and c.text == retriever.paragraphs[c.paragraph_id].text
    said, quote = answer.answer.split("\n原文：")
    assert said == f"天津港“一单制”海铁联运将单个集装箱的综合成本节省1000元左右[{c.n}]。"
    assert quote.startswith("「天津港通过“一单制”海铁联运") and quote.endswith(f"」[{c.n}]")
    assert quote[1:-len(f"」[{c.n}]")] in c.text  # the source sentence, verbatim
    assert "grammar" not in llm.grammars[-1] and "cite ::=" in llm.grammars[-1]


def test_the_record_of_a_pdf_citation_gives_its_document_page_and_boxes(pdf_index, fake_embedder):
    retriever = HybridRetriever.from_index_dir(pdf_index, embedder=fake_embedder)
    k = evidence_number(retriever, Q_ISSUER, "县级人民政府公安机关签发")
    assistant, _ = _assistant(retriever, f"居住证由县级人民政府公安机关签发[{k}]。")
    cited = assistant.run(Q_ISSUER).to_record("q1")["citations"][0]
    p = retriever.paragraphs[cited["paragraph_id"]]
    assert cited["doc_id"] == "residence_permit_printout" and cited["title"] == p.title
    assert cited["page"] == 1 and cited["pages"] == [1] and cited["label"].endswith("（第1页）")
    assert cited["bbox"] == [b.to_list() for b in p.boxes] and cited["text"] == p.text


def test_a_document_s_particular_is_answered_from_its_metadata_without_the_model(pdf_index, fake_embedder):
    retriever = HybridRetriever.from_index_dir(pdf_index, embedder=fake_embedder)
    assistant, llm = _assistant(retriever, "不该被调用[1]。")
    answer = assistant.run("《居住证暂行条例》自何时起施行？")
    assert answer.answer.startswith("《居住证暂行条例（国务院令第663号）》的施行日期是2016年1月1日[1]")
    assert "2016年1月1日起施行" in answer.citations[0].text and answer.to_record("q")["citations"][0]["page"] == 2
    assert llm.prompts == []


def test_the_answer_settings_reach_the_steps(retriever):
    k = evidence_number(retriever, Q_COST, "1000 元左右")
    llm = FakeLLM([f"天津港“一单制”海铁联运将单个集装箱的综合成本节省1000元左右[{k}]。"])
    cfg = Config(answer=AnswerConfig(max_quotes=0, max_answer_sentences=1))
    answer = Assistant(retriever, llm, cfg, calibration=ALWAYS).run(Q_COST)
    assert "原文：" not in answer.answer  # no source sentence quoted
    assert "sent?" not in llm.grammars[-1]  # one sentence at most: no optional ones


def test_gate_refuses_before_generation(retriever):
    assistant, llm = _assistant(retriever, "不会生成[1]。", calibration=NEVER)
    answer = assistant.run("天津港的注册资本是多少？")
    assert answer.refused and answer.answer.startswith("根据现有资料无法回答")
    assert answer.contexts and llm.grammars == []


def test_anchor_missing_from_the_whole_index_refuses_without_the_model(retriever):
    assistant, llm = _assistant(retriever, "不会生成[1]。")
    answer = assistant.run("2021年广州口岸的出口整体通关时间是多少？")
    assert answer.refused and llm.prompts == []
    assert answer.verdicts[0].absent == ("广州",)


def test_a_figure_invented_from_the_sentence_that_would_be_quoted_turns_the_part_into_a_refusal(retriever):
    k = evidence_number(retriever, Q_COST, "1000 元左右")
    assistant, _ = _assistant(retriever, f"天津港一单制节省成本987元[{k}]。")
    answer = assistant.run(Q_COST)
    assert answer.rejected and answer.rejected[0].wrong_figure
    assert answer.refused and "987" not in answer.answer  # a guessed figure: that sentence lacks the answer


def test_a_figure_read_off_another_sentence_leaves_the_grounded_one_quoted(retriever):
    k = evidence_number(retriever, Q_COST, "1000 元左右")
    other = next(n for n in range(1, 10) if n != k)
    assistant, _ = _assistant(retriever, f"天津港一单制节省成本987元[{other}]。")
    answer = assistant.run(Q_COST)
    assert answer.rejected and answer.rejected[0].wrong_figure
    assert not answer.refused and "987" not in answer.answer and "1000" in answer.answer.replace(" ", "")


def test_a_yes_to_a_figure_the_source_contradicts_is_corrected_with_the_source(retriever):
    q = "天津港“一单制”海铁联运每个集装箱只省下500元左右，对吧？"
    k = evidence_number(retriever, q, "1000 元左右")
    assistant, _ = _assistant(retriever, f"是的，每个集装箱节省500元左右[{k}]。")
    answer = assistant.run(q)
    assert not answer.refused and answer.lines[0].text.startswith("问题中的“500元”与资料不符")
    assert "1000 元左右" in answer.lines[1].text and "500元左右" not in answer.answer.replace("1000", "")
    assert answer.citations and "1000 元左右" in answer.citations[0].text


def test_a_place_the_question_got_wrong_is_corrected_with_the_source(retriever):
    q = "爱奇艺是在上海试点知识产权证券化融资的，它融到了多少钱？"
    k = evidence_number(retriever, q, "4.7 亿元")
    assistant, _ = _assistant(retriever, f"爱奇艺通过知识产权证券化方式，融资4.7亿元[{k}]。")
    answer = assistant.run(q)
    assert not answer.refused and answer.lines[0].text.startswith("资料中没有关于“上海”的这一说法")
    assert "海南" in answer.lines[1].text and "4.7 亿元" in answer.lines[1].text


def test_a_refused_question_whose_figure_the_source_contradicts_is_corrected(retriever):
    q = "天津港“一单制”海铁联运每个集装箱只能省下500元左右，还值得推广吗？"
    assistant, llm = _assistant(retriever, "不会用到。", calibration=NEVER)
    answer = assistant.run(q)
    assert not answer.refused and answer.lines[0].text.startswith("问题中的“500元”与资料不符")
    assert "1000 元左右" in answer.lines[1].text and answer.citations


def test_a_refused_question_about_another_place_is_not_corrected_with_this_one_s_figure(retriever):
    q = "广州港海铁联运每个集装箱只能省下500元左右，还值得推广吗？"
    assistant, _ = _assistant(retriever, "不会用到。", calibration=NEVER)
    assert assistant.run(q).refused


def test_uncovered_part_with_grounded_evidence_is_quoted(retriever):
    assistant, _ = _assistant(retriever, "这与资料无关[1]。")
    answer = assistant.run(Q_COST)
    assert not answer.refused and answer.fallback and "1000" in answer.answer  # verbatim extract


def test_echo_sentence_never_reaches_the_user(retriever):
    assistant, _ = _assistant(retriever, "天津港一单制海铁联运将单个集装箱的综合成本节省多少元[1]。")
    answer = assistant.run(Q_COST)
    assert answer.rejected[0].echo
    assert "多少" not in answer.answer


def test_every_part_is_answered_or_said_missing(retriever):
    q = "2021年天津口岸进口和出口整体通关时间分别是多少？"
    k = evidence_number(retriever, q, "0.74")
    assistant, _ = _assistant(retriever, f"2021年天津口岸出口整体通关时间仅0.74小时[{k}]。")
    answer = assistant.run(q)
    assert [p.answered_by for p in answer.parts] == ["extract", "model"]
    assert "34.93" in answer.answer and "0.74" in answer.answer


def test_part_without_evidence_gets_a_note(retriever):
    q = "天津口岸出口整体通关时间是多少？天津港的注册资本是多少？"
    calib = Calibration.of(-10.0, chosen_fit=20.0)  # answerable only when the sentence chosen holds the asked slot
    k = evidence_number(retriever, q, "0.74")
    assistant, _ = _assistant(retriever, f"天津口岸出口整体通关时间仅0.74小时[{k}]。", calibration=calib)
    answer = assistant.run(q)
    assert [p.answered_by for p in answer.parts] == ["model", "none"]
    assert "资料中没有关于“天津港的注册资本是多少”的信息" in answer.answer


def test_stream_sends_evidence_before_tokens_and_maps_markers(retriever):
    assistant, _ = _assistant(retriever, "天津港通过“一单制”海铁联运节省成本[1]。")
    events = list(assistant.stream(Q_COST))
    kinds = [e.kind for e in events]
    assert kinds.index("evidence") < kinds.index("token") and kinds[-1] == "answer"
    assert events[kinds.index("evidence")].sources



def test_follow_up_is_condensed_with_history(retriever):
    assistant, llm = _assistant(retriever, ["天津港的“船边直提”模式节省了多少时间？", "天津港“船边直提”[1]。"])
    answer = assistant.run("那它节省了多少时间？", history=[("天津港的船边直提是什么？", "是一种通关模式[1]。")])
    assert answer.standalone_question == "天津港的“船边直提”模式节省了多少时间？"
    assert "天津港的船边直提是什么？" in llm.prompts[0]


def test_standalone_question_is_not_condensed(retriever):
    assistant, _ = _assistant(retriever, "回答[1]。")
    answer = assistant.run("北京积水潭医院赋予研发人员多少所有权比例？", history=[("前一个问题", "回答")])
    assert answer.standalone_question == answer.question


def test_empty_question_rejected(retriever):
    assistant, _ = _assistant(retriever, "回答[1]。")
    with pytest.raises(QuestionError):
        assistant.run("  ")


def test_record_has_batch_fields_and_step_timings(retriever):
    assistant, _ = _assistant(retriever, "天津港通过“一单制”海铁联运节省成本1000元左右[1]。")
    rec = assistant.run(Q_COST).to_record("q1")
    assert {"id", "question", "answer", "refused", "citations", "contexts", "timings",
            "parts", "evidence", "rejected", "lines"} <= set(rec)
    assert {"condense_ms", "retrieve_ms", "select_ms", "gate_ms", "ttft_ms", "total_ms", "gen_tokens"} <= set(rec["timings"])


def test_the_stream_shows_only_checked_sentences(retriever):
    k = evidence_number(retriever, Q_COST, "1000 元左右")
    reply = f"天津港一单制节省成本987元[{k}]。天津港“一单制”海铁联运将单个集装箱的综合成本节省1000元左右[{k}]。"
    assistant, _ = _assistant(retriever, reply)
    events = list(assistant.stream(Q_COST))
    checked = [e.text for e in events if e.kind == "checked"]
    assert checked and all("987" not in text for text in checked)  # the invented figure is never shown as checked
    assert "1000元左右" in checked[-1] and "987" in "".join(e.text for e in events if e.kind == "token")


# ---------------------------------------------------------------- a new index version: a new assistant

def test_an_assistant_over_a_new_index_version_answers_from_it_and_the_old_one_is_unchanged(
        retriever, fake_index, tmp_path, fake_embedder):
    doc = tmp_path / "upload_doc.txt"
    doc.write_text(UPLOAD_DOC, encoding="utf-8")
    add_document(doc, fake_index, Config(), embedder=fake_embedder, show_progress=False)
    newer = HybridRetriever.from_index_dir(fake_index, embedder=fake_embedder)
    k = evidence_number(newer, Q_UPLOAD, "0.8个工作日")
    old, _ = _assistant(retriever, f"临江市将企业开办时间压缩至0.8个工作日[{k}]。")
    new = old.with_retriever(newer)
    answer = new.run(Q_UPLOAD)  # the gate's and the evidence's term statistics know 临江市 now
    assert not answer.refused and answer.citations[0].paragraph_id.startswith("upload_doc:")
    stale = old.run(Q_UPLOAD)
    assert old.retriever is retriever and stale.refused and stale.verdicts[0].absent == ("临江市",)


def test_the_retriever_of_an_assistant_cannot_be_replaced_in_place(retriever):
    assistant, _ = _assistant(retriever, "回答[1]。")
    with pytest.raises(AttributeError):
        assistant.retriever = retriever


def test_a_question_quoting_a_title_is_answered_from_that_document_only(tmp_path, fake_embedder):
    from index.builder import build_index

    corpus = tmp_path / "library"
    corpus.mkdir()
    (corpus / "residence.txt").write_text("居住证暂行条例\n\n第十条 居住证每年签注1次，持证人应当按时办理签注手续。\n",
                                          encoding="utf-8")
    (corpus / "ebike.txt").write_text("南宁市电动自行车管理条例\n\n第十条 电动自行车号牌每年签注2次，车主应当按时办理签注手续。\n",
                                      encoding="utf-8")
    build_index(corpus, tmp_path / "index", Config(), embedder=fake_embedder, show_progress=False)
    retriever = HybridRetriever.from_index_dir(tmp_path / "index", embedder=fake_embedder)
    assistant, _ = _assistant(retriever, "每年签注1次[1]。")
    events = list(assistant.stream("《居住证暂行条例》规定每年要办理几次签注手续？"))
    answer = events[-1].answer
    assert {s.paragraph.doc_id for s in answer.sources} == {"residence"}
    assert any(e.kind == "status" and "只在其中查找" in e.text for e in events)


def test_a_list_question_may_be_answered_one_item_a_sentence(retriever):
    assistant, llm = _assistant(retriever, "资料说明了答案[1]。")
    assistant.run("天津港在海铁联运方面有哪些做法？")
    assert llm.grammars and llm.grammars[-1].count("sent?") == 5  # up to 6 sentences


def _two_document_library(tmp_path, fake_embedder) -> HybridRetriever:
    """A 道路交通安全法 article and 14 articles of 南宁's 条例, all about 醉酒驾驶电动自行车."""
    from index.builder import build_index

    corpus = tmp_path / "library"
    corpus.mkdir()
    (corpus / "law.txt").write_text("中华人民共和国道路交通安全法\n\n第九十一条 醉酒驾驶机动车的，吊销机动车驾驶证，五年内不得重新取得"
                                    "机动车驾驶证。\n\n第九十二条 公路客运车辆载客超过额定乘员的，处二百元以上五百元以下罚款。\n",
                                    encoding="utf-8")
    items = "".join(f"第{n}条 醉酒驾驶电动自行车{w}的，电动自行车条例规定处罚五十元罚款，并处罚驾驶人接受道路交通安全教育。\n\n"
                    for n, w in enumerate(["逆行", "超速", "载人", "牵引动物", "抛洒物品", "竞驶", "手持电话", "遮挡号牌",
                                           "闯红灯", "占用机动车道", "不戴头盔", "改装车辆", "未挂号牌", "搭载儿童"], 41))
    (corpus / "ebike.txt").write_text("南宁市电动自行车管理条例\n\n" + items, encoding="utf-8")
    build_index(corpus, tmp_path / "index", Config(), embedder=fake_embedder, show_progress=False)
    return HybridRetriever.from_index_dir(tmp_path / "index", embedder=fake_embedder)


Q_TWO_DOCS = "道路交通安全法和南宁的电动自行车条例对醉酒驾驶的处罚有什么不同？"


def test_each_side_of_a_comparison_of_two_documents_gets_its_own_evidence(tmp_path, fake_embedder):
    assistant, _ = _assistant(_two_document_library(tmp_path, fake_embedder), "两者处罚不同[1]。")
    answer = assistant.run(Q_TWO_DOCS)
    docs = [c.paragraph.doc_id for c in answer.evidence]
    assert "law" in docs and "ebike" in docs
    assert any("吊销机动车驾驶证" in c.text for c in answer.evidence)


def test_a_fact_of_one_document_told_as_anothers_is_not_shown(tmp_path, fake_embedder):
    retriever = _two_document_library(tmp_path, fake_embedder)
    k = evidence_number(retriever, Q_TWO_DOCS, "吊销机动车驾驶证")
    assistant, _ = _assistant(retriever, f"南宁的电动自行车条例规定醉酒驾驶的吊销机动车驾驶证[{k}]。")
    answer = assistant.run(Q_TWO_DOCS)
    assert answer.rejected and "another" in answer.rejected[0].reason
    assert "南宁的电动自行车条例规定醉酒驾驶的吊销" not in answer.answer
