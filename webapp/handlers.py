"""Event handlers of the app: each takes the AppState and component values and returns component values.

Errors never escape: the user gets a gr.Warning toast and/or an error box; the app keeps running.
"""
from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import gradio as gr

from assistant.batch import answer_file
from assistant.model_files import ModelError
from eval.dataset import DatasetError
from index.loaders import DocumentError
from index.store import IndexStoreError
from retriever.questions import MAX_QUESTION_CHARS, QuestionFileError, check_question
from webapp.evaluation import DEV_SET, run_retrieval_eval
from webapp.render import (documents_rows, error_box, esc, history_pairs, normalize_messages, render_answer,
                           render_sources, render_stopped, render_streaming, sources_panel)
from webapp.state import AppState, NotReady

DOC_HEADERS = ["doc_id", "标题", "段落", "块", "文件"]


def question_error(exc: ValueError, question: str) -> str:
    """A user-facing message for check_question's ValueError."""
    if "empty" in str(exc):
        return "请输入问题。"
    if "longer" in str(exc):
        return f"问题太长：最多 {MAX_QUESTION_CHARS} 字（当前 {len((question or '').strip())} 字）。"
    return f"无法提问：{exc}"


def _warn(message: str) -> None:
    gr.Warning(message)


# ---------------------------------------------------------------- chat

def chat(state: AppState, question: str, messages: list, turns: list[str], k: float, max_tokens: float,
         backend: str) -> Iterator[tuple]:
    """Stream one answer. Outputs: chatbot messages, sources HTML, turns state, question box."""
    messages = normalize_messages(messages)
    turns = list(turns or [])
    unchanged = (messages, gr.skip(), turns, gr.skip())
    try:
        q = check_question(question)
    except ValueError as exc:
        _warn(question_error(exc, question))
        yield unchanged
        return
    try:
        assistant = state.snapshot(backend)
    except NotReady as exc:
        _warn(f"尚未就绪：{exc}")
        yield unchanged
        return
    except (ModelError, IndexStoreError, ValueError, OSError) as exc:
        _warn(f"无法加载后端 {backend}：{exc}")
        yield unchanged
        return
    history = history_pairs(messages)
    turn = len(turns) + 1
    messages = [*messages, {"role": "user", "content": q},
                {"role": "assistant", "content": render_streaming("", "检索并核对资料…")}]
    yield messages, gr.skip(), turns, ""
    text, status = "", "检索并核对资料…"
    events = assistant.stream(q, history=history or None, k=int(k) if k else None,
                              max_tokens=int(max_tokens) if max_tokens else None)
    try:
        for event in events:
            if event.kind == "answer" and event.answer is not None:
                messages[-1] = {"role": "assistant", "content": render_answer(event.answer, turn, backend)}
                turns.append(render_sources(event.answer, turn))
                yield list(messages), sources_panel(turns), list(turns), gr.skip()
                return
            if event.kind == "status":
                status = event.text
            elif event.kind == "token":
                text += event.text
                status = ""
            messages[-1] = {"role": "assistant", "content": render_streaming(text, status)}
            yield list(messages), gr.skip(), turns, gr.skip()
    except Exception as exc:  # the model or index failed mid-answer: say so, keep the app alive
        message = f"回答失败：{type(exc).__name__}: {exc}"
        messages[-1] = {"role": "assistant", "content": error_box(message)}
        _warn(message)
        yield messages, gr.skip(), turns, gr.skip()
    finally:
        events.close()  # on Stop, Gradio closes this generator: release the LLM at once


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
    except Exception as exc:  # ModelError, ImportError, out of memory…: keep the previous backend
        _warn(f"无法加载后端 {backend}：{type(exc).__name__}: {exc}")
        return previous, previous, state.status() + f"\n\n✖ 无法加载后端 {backend}：{esc(str(exc))}"
    return backend, backend, state.status()


def status_tick(state: AppState) -> tuple:
    """Timer: status Markdown; stops itself once loading is over. Also refreshes the library."""
    done = state.phase in ("ready", "error")
    table, docs = library_view(state)
    return state.status(), gr.Timer(active=not done), table, docs


# ---------------------------------------------------------------- batch

def batch(state: AppState, file: str | None, backend: str, progress=gr.Progress(track_tqdm=True)) -> tuple:
    """Answer an uploaded question file. Outputs: download files, summary Markdown."""
    if not file:
        _warn("请先上传问题文件（.txt / .jsonl / .csv）。")
        return None, error_box("没有上传问题文件。")
    try:
        assistant = state.snapshot(backend)
    except Exception as exc:
        _warn(f"尚未就绪：{exc}")
        return None, error_box(f"尚未就绪：{exc}")
    progress(0, desc="answering")
    out = Path(tempfile.mkdtemp(prefix="rag-batch-")) / "answers.jsonl"
    try:
        report = answer_file(assistant, file, out, fmt="csv", show_progress=True)
    except (QuestionFileError, DocumentError, ValueError, OSError) as exc:
        _warn(f"无法读取问题文件：{exc}")
        return None, error_box(f"无法读取问题文件：{exc}")
    lines = [f"已回答 **{report.answered}** 个问题。"]
    if report.errors:
        lines.append(f"{len(report.errors)} 个问题被跳过：")
        lines += [f"- {esc(e)}" for e in report.errors[:20]]
    files = [str(out)] + ([str(out.with_suffix(".csv"))] if out.with_suffix(".csv").is_file() else [])
    return files, "\n".join(lines)


# ---------------------------------------------------------------- evaluation

def evaluate(state: AppState, source: str, upload: str | None, k: float) -> tuple:
    """Retrieval evaluation. Outputs: metrics table, recall@k plot, report Markdown, report files."""
    empty = (None, None, "", None)
    path = Path(upload) if source == "upload" else DEV_SET
    if source == "upload" and not upload:
        _warn("请先上传评测集（JSONL）。")
        return empty
    try:
        retriever = state.retriever
    except NotReady as exc:
        _warn(f"尚未就绪：{exc}")
        return empty
    out = Path(tempfile.mkdtemp(prefix="rag-eval-"))
    try:
        run = run_retrieval_eval(path, retriever, out, k=int(k), index_label=str(state.index_dir))
    except (DatasetError, ValueError, OSError) as exc:
        _warn("评测集无法使用，详见下方。")
        return None, None, f"**评测集无法使用：**\n\n```\n{exc}\n```", None
    table = gr.Dataframe(value=run.rows, headers=run.header)
    return table, str(run.plot), run.report_markdown(), [str(run.report), str(run.metrics), str(run.plot)]


# ---------------------------------------------------------------- library

def library_view(state: AppState) -> tuple:
    """Outputs: documents table, document dropdown."""
    rows = documents_rows(state.manifest())
    ids = [r[0] for r in rows]
    return gr.Dataframe(value=rows, headers=DOC_HEADERS), gr.Dropdown(choices=ids, value=None)


def library_add(state: AppState, file: str | None) -> tuple:
    """Add an uploaded document. Outputs: table, dropdown, message HTML, upload box (cleared)."""
    table, docs = library_view(state)
    if not file:
        _warn("请先选择要上传的文件。")
        return table, docs, error_box("没有选择文件。"), None
    name = Path(file).name
    try:
        report = state.add_upload(file)
    except (DocumentError, NotReady, IndexStoreError, OSError) as exc:
        _warn(f"无法添加 {name}：{exc}")
        return table, docs, error_box(f"无法添加 {name}：{exc}（索引未改变）"), None
    table, docs = library_view(state)
    return table, docs, f'<div class="ok-box">✔ 已添加 {esc(name)}：{esc(report.summary())}</div>', None


def library_remove(state: AppState, doc_id: str | None) -> tuple:
    """Remove a document. Outputs: table, dropdown, message HTML."""
    table, docs = library_view(state)
    if not doc_id:
        _warn("请先选择要删除的文档。")
        return table, docs, error_box("没有选择文档。")
    try:
        report = state.remove(doc_id)
    except KeyError:
        _warn(f"索引中没有文档 {doc_id}。")
        return table, docs, error_box(f"索引中没有文档 {doc_id}。")
    except (DocumentError, NotReady, IndexStoreError, OSError) as exc:
        _warn(f"无法删除文档：{exc}")
        return table, docs, error_box(f"无法删除 {doc_id}：{exc}（索引未改变）")
    table, docs = library_view(state)
    return table, docs, f'<div class="ok-box">✔ 已删除 {esc(doc_id)}：{esc(report.summary())}</div>'
