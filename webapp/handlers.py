"""Event handlers of the app: each takes the AppState and component values and returns component values.

Each handler is an edge: it catches the project's errors (RagError and its kinds) once and shows their
message in a gr.Warning toast and/or an error box; the app keeps running. Other exceptions are bugs
and are not dressed up as user errors.
"""
from __future__ import annotations

import re
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import gradio as gr

from assistant.batch.answers import answer_file, read_done
from assistant.batch.export import BATCH_TITLE, write_exports
from assistant.pipeline import Assistant
from errors import Cancelled, RagError
from eval.dataset import DatasetError
from eval.retrieval import run_retrieval_eval
from index.store import DocumentNotFound, IndexStoreError, current_version
from questions import EmptyQuestion, QuestionError, QuestionFileError, QuestionTooLong, check_question
from retriever.filters import DocFilter, FilterError, NoDocuments
from retriever.locations import paragraph_location
from settings import DEV_SET
from webapp.page_images import PageUnavailable, page_image
from webapp.render import (documents_rows, error_box, esc, normalize_messages, render_answer,
                           render_evidence, render_sources, render_stopped, render_streaming, sources_panel)
from webapp.scope import scope_choices, scope_filter, scope_text
from webapp.state import AppState, NotReady
from webapp.viewer import ShownPage, neighbours, render_page_view, render_section_view, render_unavailable

DOC_HEADERS = ["doc_id", "标题", "类别", "文号", "发文机关", "发布/通过", "施行", "地区", "段落", "块", "文件"]
PICK_RE = re.compile(r"(\d{1,6}):(\d{1,4})(?::(\d{1,20}))?")  # a citation click: "<turn>:<n>[:<nonce>]"
FILE_ROUTE = "/gradio_api/file="  # Gradio's route for the files it may serve (launch's allowed_paths)
CHAT_TITLE = "问答记录"


def question_error(exc: QuestionError, question: str) -> str:
    """A user-facing message for check_question's error, by its kind."""
    if isinstance(exc, EmptyQuestion):
        return "请输入问题。"
    if isinstance(exc, QuestionTooLong):
        return f"问题太长：最多 {exc.limit} 字（当前 {exc.length} 字）。"
    return f"无法提问：{exc}"


def _warn(message: str) -> None:
    gr.Warning(message)


def _take_assistant(state: AppState, backend: str) -> tuple[Assistant | None, str]:
    """The assistant for one request, over the live index version; or None and why not (for the user)."""
    try:
        return state.snapshot(backend), ""
    except NotReady as exc:
        return None, f"尚未就绪：{exc}"
    except IndexStoreError as exc:  # a new index version went live and cannot be served
        return None, f"索引无法使用：{exc}"
    except RagError as exc:
        return None, f"无法加载后端 {backend}：{exc}"


# ---------------------------------------------------------------- chat

def take_question(question: str) -> tuple:
    """On send, at once and in the browser's order: block sending (visibly), empty the box, keep the question.
    Outputs: send button, question box, the pending question."""
    return gr.update(interactive=False, value="回答中…"), "", question


def ready_to_send() -> dict:
    """When an answer ends (or is stopped, or the chat cleared): sending is possible again."""
    return gr.update(interactive=True, value="发送")


def chat(state: AppState, question: str, messages: list, turns: list[str], k: float, max_tokens: float,
         backend: str, docs: list[str] | None = None, kinds: list[str] | None = None,
         regions: list[str] | None = None, after: str = "", before: str = "") -> Iterator[tuple]:
    """Stream one answer, kept to the documents of the 范围 panel (``docs`` … ``before``; empty: all of them).
    Outputs: chatbot messages, sources HTML, turns state, question box.

    ``turns``: per answered question, its sources HTML (``"sources"``) and its answer record (``"record"``, as a
    batch output line). The box was emptied when the question was sent (:func:`take_question`), so that a
    question typed while this one streams is never overwritten; it is given back only when this question
    cannot be asked, or not within the 范围 (a warning in the chat says so)."""
    messages = normalize_messages(messages)
    turns = list(turns or [])
    unchanged = (messages, gr.skip(), turns, question)
    try:
        q = check_question(question)
    except QuestionError as exc:
        _warn(question_error(exc, question))
        yield unchanged
        return
    try:
        where = scope_filter(docs, kinds, regions, after, before)
    except FilterError as exc:
        _warn(str(exc))
        yield unchanged
        return
    assistant, problem = _take_assistant(state, backend)
    if assistant is None:
        _warn(problem)
        yield unchanged
        return
    manifest = assistant.retriever.stored.manifest
    problem = _no_documents(where, manifest)
    if problem:
        _warn(problem)
        yield [*messages, {"role": "assistant", "content": error_box(f"{problem}问题未回答，已放回输入框。")}], \
            gr.skip(), turns, question
        return
    history = conversation(turns)
    turn = len(turns) + 1
    messages = [*messages, {"role": "user", "content": q},
                {"role": "assistant", "content": render_streaming("", "检索并核对资料…")}]
    yield messages, gr.skip(), turns, gr.skip()
    text, draft, status = "", "", "检索并核对资料…"  # text: the checked sentences; draft: the one being written
    if not state.llm_turn.acquire(blocking=False):  # a batch is using the model: wait for its current question
        messages[-1] = {"role": "assistant", "content": render_streaming("", "等待批量任务的当前问题完成…")}
        yield list(messages), gr.skip(), turns, gr.skip()
        state.llm_turn.acquire()
    events = assistant.stream(q, history=history or None, k=int(k) if k else None,
                              max_tokens=int(max_tokens) if max_tokens else None, where=where or None)
    try:
        for event in events:
            if event.kind == "answer" and event.answer is not None:
                content = render_answer(event.answer, turn, backend, scope_text(where, manifest))
                messages[-1] = {"role": "assistant", "content": content}
                meta = {d: i.get("meta", {}) for d, i in manifest["documents"].items()}
                turns.append({"sources": render_sources(event.answer, turn, meta),
                              "record": event.answer.to_record(str(turn))})
                yield list(messages), _panel(turns), list(turns), gr.skip()
                return
            if event.kind == "evidence":  # show the evidence at once, before the answer is written
                yield list(messages), _panel(turns, render_evidence(q, event.sources)), turns, gr.skip()
                continue
            if event.kind == "status":
                status = event.text
            elif event.kind == "token":
                draft += event.text
                status = ""
            elif event.kind == "checked":
                text, draft = event.text, event.draft
            messages[-1] = {"role": "assistant", "content": render_streaming(text, status, draft)}
            yield list(messages), gr.skip(), turns, gr.skip()
    except Exception as exc:  # the model or index failed mid-answer: say so, keep the app alive
        message = f"回答失败：{type(exc).__name__}: {exc}"
        messages[-1] = {"role": "assistant", "content": error_box(message)}
        _warn(message)
        yield messages, gr.skip(), turns, gr.skip()
    finally:
        events.close()  # on Stop, Gradio closes this generator: release the LLM at once
        state.llm_turn.release()


def conversation(turns: list[dict]) -> list[tuple[str, str]]:
    """(question, answer) of every answered turn, for Assistant.stream(history=…), from the turns' answer records
    (never from the rendered HTML): the answer's own sentences, without the quoted source sentences."""
    pairs = []
    for t in turns:
        record = t["record"]
        said = "".join(line["text"] for line in record.get("lines", []) if line["origin"] != "quote")
        pairs.append((record["question"], said or record["answer"]))
    return pairs


def _panel(turns: list[dict], *extra: str) -> str:
    return sources_panel([*(t["sources"] for t in turns), *extra])


def _no_documents(where: DocFilter, manifest: dict) -> str:
    """Why the 范围 cannot be used: no document of the index matches it ('' when some does, or it is empty)."""
    try:
        if where:
            where.doc_ids(manifest)
    except NoDocuments:
        return f"范围内没有文档（{scope_text(where, manifest)}）：请修改或清空“范围”。"
    return ""


def show_citation(state: AppState, pick: str, turns: list[dict]) -> str:
    """The citation viewer for a click on [n] (``pick``: "<turn>:<n>[:<nonce>]"): the cited paragraph's PDF
    pages with its boxes highlighted, or the paragraph in its section; from the live index, so a document
    changed or removed since the answer is said to be so. Output: the viewer HTML.

    The page images are found from the answer record's paragraph ID through the index alone: nothing of the
    request but two numbers is used."""
    m = PICK_RE.fullmatch(pick or "")
    if not m or not 1 <= int(m.group(1)) <= len(turns or []):
        return ""
    turn, n, nonce = int(m.group(1)), int(m.group(2)), m.group(3) or ""
    citations = turns[turn - 1]["record"]["citations"]
    citation = next((c for c in citations if c["n"] == n), None)
    if citation is None:
        return ""
    try:
        retriever = state.snapshot().retriever
    except RagError as exc:
        return render_unavailable(citation, f"暂时无法显示原文：{exc}", turn, citations, nonce)
    paragraph = retriever.paragraphs.get(citation["paragraph_id"])
    if paragraph is None or paragraph.text != citation["text"]:
        return render_unavailable(citation, "这段原文已不在当前索引中（文档已更改或删除）；下面是回答引用时的原文。",
                                  turn, citations, nonce)
    if not paragraph.boxes:
        before, after = neighbours(paragraph, retriever.paragraphs.values())
        return render_section_view(citation, paragraph, before, after, turn, citations, nonce)
    documents = retriever.stored.manifest["documents"]
    try:
        images = [(p, page_image(state.index_dir, documents, paragraph.doc_id, p, state.cfg.limits))
                  for p in paragraph.pages]
    except PageUnavailable as exc:
        return render_unavailable(citation, str(exc), turn, citations, nonce)
    pages = [ShownPage(p, FILE_ROUTE + quote(str(img.path.resolve())), img.width, img.height) for p, img in images]
    return render_page_view({**citation, **paragraph_location(paragraph)}, pages, turn, citations, nonce)


def export_chat(state: AppState, turns: list[dict], request: gr.Request) -> tuple:
    """After each answer (and on clear): the latest turn and the whole conversation as Markdown and .docx.
    Outputs: four download buttons (turn .md, turn .docx, conversation .md, conversation .docx)."""
    if not turns:
        return tuple(gr.update(value=None, interactive=False) for _ in range(4))
    folder = state.scratch(f"export-{getattr(request, 'session_hash', None) or 'local'}")
    records = [t["record"] for t in turns]
    files = (*write_exports(records[-1:], CHAT_TITLE, folder, f"answer-{len(turns)}"),
             *write_exports(records, CHAT_TITLE, folder, "conversation"))
    return tuple(gr.update(value=str(f), interactive=True) for f in files)


def stop_chat(messages: list) -> list[dict]:
    """Stop button: mark the answer being streamed as stopped (the event itself is cancelled)."""
    messages = normalize_messages(messages)
    if messages and messages[-1]["role"] == "assistant":
        messages[-1] = {"role": "assistant", "content": render_stopped(messages[-1]["content"])}
    return messages


def clear_chat() -> tuple[list, str, list, str]:
    """Empty chat, sources panel and turns."""
    return [], sources_panel([]), [], ""


def switch_backend(state: AppState, backend: str, previous: str) -> tuple[str, str, str]:
    """Load a backend lazily. Outputs: radio value, remembered backend, status Markdown."""
    if not state.ready:
        _warn(f"尚未就绪：{state.message}")
        return previous, previous, state.status()
    try:
        state.assistant(backend)
    except Exception as exc:  # ModelError, or out of memory / a library's own error while loading weights
        if not isinstance(exc, RagError):
            traceback.print_exc(file=sys.stderr)
        _warn(f"无法加载后端 {backend}：{type(exc).__name__}: {exc}")
        return previous, previous, state.status() + f"\n\n✖ 无法加载后端 {backend}：{esc(str(exc))}"
    return backend, backend, state.status()


def status_tick(state: AppState) -> tuple:
    """Timer: status Markdown; stops itself once loading is over. Also refreshes the library."""
    done = state.phase in ("ready", "error")
    table, docs = library_view(state)
    return state.status(), gr.Timer(active=not done), table, docs


# ---------------------------------------------------------------- batch

def batch(state: AppState, file: str | None, backend: str, docs: list[str] | None = None,
          kinds: list[str] | None = None, regions: list[str] | None = None, after: str = "", before: str = "",
          progress=gr.Progress(track_tqdm=True)) -> tuple:
    """Answer an uploaded question file, kept to the documents of the 范围 panel (``docs`` … ``before``; a
    question line's own "filter" wins). Outputs: download files (JSONL, CSV, and the answers with their cited
    paragraphs as Markdown and .docx), summary Markdown.

    Takes the model one question at a time (a chat waits for one question, not the batch);
    at most ``[limits] max_batch_questions`` questions; the cancel button stops it after the
    current question and the answers so far are offered for download.
    """
    if not file:
        _warn("请先上传问题文件（.txt / .jsonl / .csv）。")
        return None, error_box("没有上传问题文件。")
    try:
        where = scope_filter(docs, kinds, regions, after, before)
    except FilterError as exc:
        _warn(str(exc))
        return None, error_box(str(exc))
    assistant, problem = _take_assistant(state, backend)
    if assistant is None:
        _warn(problem)
        return None, error_box(problem)
    problem = _no_documents(where, assistant.retriever.stored.manifest)
    if problem:
        _warn(problem)
        return None, error_box(problem)
    progress(0, desc="answering")
    out = state.scratch("batch") / "answers.jsonl"
    state.batch_cancel.clear()
    try:
        report = answer_file(assistant, file, out, fmt="csv", show_progress=True,
                             max_questions=state.cfg.limits.max_batch_questions, cancel=state.batch_cancel,
                             turn=state.llm_turn, where=where or None)
    except QuestionFileError as exc:
        _warn(f"无法读取问题文件：{exc}")
        return None, error_box(f"无法读取问题文件：{exc}")
    except (RagError, OSError) as exc:
        _warn(f"批量回答失败：{exc}")
        return None, error_box(f"批量回答失败：{exc}")
    lines = [f"已回答 **{report.answered}** 个问题。"]
    if where:
        scope = scope_text(where, assistant.retriever.stored.manifest)
        lines.append(f"范围：{esc(scope)}（自带 filter 的问题按自己的范围回答）。")
    if report.cancelled:
        lines.insert(0, f"已取消：其余 {report.remaining} 个问题未回答。")
    if report.errors:
        lines.append(f"{len(report.errors)} 个问题被跳过：")
        lines += [f"- {esc(e)}" for e in report.errors[:20]]
    files = [str(p) for p in (out, out.with_suffix(".csv")) if p.is_file()]
    records = list(read_done(out)[0].values())
    if records:
        files += [str(p) for p in write_exports(records, BATCH_TITLE, out.parent, "answers")]
    return files or None, "\n".join(lines)


def batch_cancel(state: AppState) -> str:
    """Cancel button of the batch tab: stop after the current question."""
    state.batch_cancel.set()
    return "正在取消：当前问题完成后停止…"


# ---------------------------------------------------------------- evaluation

def evaluate(state: AppState, source: str, upload: str | None, k: float) -> tuple:
    """Retrieval evaluation. Outputs: metrics table, recall@k plot, report Markdown, report files."""
    empty = (None, None, "", None)
    path = Path(upload) if source == "upload" else DEV_SET
    if source == "upload" and not upload:
        _warn("请先上传评测集（JSONL）。")
        return empty
    assistant, problem = _take_assistant(state, state.backend)
    if assistant is None:
        _warn(problem)
        return empty
    out = state.scratch("eval")
    try:
        run = run_retrieval_eval(path, assistant.retriever, out, k=int(k), index_label=str(state.index_dir))
    except (DatasetError, RagError, ValueError, OSError) as exc:  # DatasetError is not a RagError yet
        _warn("评测集无法使用，详见下方。")
        return None, None, f"**评测集无法使用：**\n\n```\n{exc}\n```", None
    rows = [[round(c, 3) if isinstance(c, float) else c for c in r] for r in run.rows]
    table = gr.Dataframe(value=rows, headers=run.header)
    return table, str(run.plot), run.report_markdown(), [str(run.report), str(run.metrics), str(run.plot)]


# ---------------------------------------------------------------- scope panel

def scope_refresh(state: AppState, shown: str, docs: list[str] | None, kinds: list[str] | None,
                  regions: list[str] | None) -> tuple:
    """Timer and page load: the 范围 panel's choices from the live index once its version is not the one the panel
    shows (``shown``), keeping what is chosen and still offered. Outputs: shown version, documents, kinds,
    regions (all unchanged while the version is the same)."""
    try:
        version = current_version(state.index_dir).name
    except RagError:  # no index yet, or a damaged one: nothing to choose from
        version = ""
    if version == shown:
        return gr.skip(), gr.skip(), gr.skip(), gr.skip()
    try:
        choices = scope_choices(state.manifest())
    except RagError:
        choices = scope_choices(None)
    return (version, _choice(choices.docs, docs, {d for _, d in choices.docs}),
            _choice(choices.kinds, kinds, set(choices.kinds)), _choice(choices.regions, regions, set(choices.regions)))


def _choice(choices: list, chosen: list[str] | None, offered: set[str]) -> gr.Dropdown:
    """A multi-select's new choices, with what was chosen and is still offered."""
    return gr.Dropdown(choices=choices, value=[c for c in chosen or [] if c in offered], multiselect=True)


# ---------------------------------------------------------------- library

def library_view(state: AppState) -> tuple:
    """Outputs: documents table, document dropdown (empty while the index is missing or damaged)."""
    try:
        manifest = state.manifest()
    except RagError:  # a damaged index: the status line says what to do
        manifest = None
    rows = documents_rows(manifest)
    ids = [r[0] for r in rows]
    return gr.Dataframe(value=rows, headers=DOC_HEADERS), gr.Dropdown(choices=ids, value=None)


def library_add(state: AppState, file: str | None, replace: bool = False) -> tuple:
    """Add an uploaded document. Outputs: table, dropdown, message HTML, upload box (cleared).

    A document of the same name is kept and the upload becomes ``name_2``, unless ``replace``.
    """
    table, docs = library_view(state)
    if not file:
        _warn("请先选择要上传的文件。")
        return table, docs, error_box("没有选择文件。"), None
    name = Path(file).name
    try:
        report = state.add_upload(file, replace=bool(replace))
    except Cancelled:
        _warn(f"已取消添加 {name}。")
        return table, docs, error_box(f"已取消添加 {name}（索引未改变）"), None
    except (RagError, OSError) as exc:
        _warn(f"无法添加 {name}：{exc}")
        return table, docs, error_box(f"无法添加 {name}：{exc}（索引未改变）"), None
    table, docs = library_view(state)
    return table, docs, f'<div class="ok-box">✔ 已添加 {esc(name)}：{esc(report.summary())}</div>', None


def library_cancel(state: AppState) -> str:
    """Cancel button of the library tab: stop a running upload (the index stays unchanged)."""
    state.cancel_add()
    return error_box("正在取消添加…")


def library_remove(state: AppState, doc_id: str | None) -> tuple:
    """Remove a document. Outputs: table, dropdown, message HTML."""
    table, docs = library_view(state)
    if not doc_id:
        _warn("请先选择要删除的文档。")
        return table, docs, error_box("没有选择文档。")
    try:
        report = state.remove(doc_id)
    except DocumentNotFound:
        _warn(f"索引中没有文档 {doc_id}。")
        return table, docs, error_box(f"索引中没有文档 {doc_id}。")
    except (RagError, OSError) as exc:
        _warn(f"无法删除文档：{exc}")
        return table, docs, error_box(f"无法删除 {doc_id}：{exc}（索引未改变）")
    table, docs = library_view(state)
    return table, docs, f'<div class="ok-box">✔ 已删除 {esc(doc_id)}：{esc(report.summary())}</div>'
