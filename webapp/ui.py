"""The Gradio Blocks: Chat, Batch, Evaluation and Library tabs wired to webapp.handlers."""
from __future__ import annotations

from functools import partial

import gradio as gr

from webapp import handlers as h
from webapp.page_images import pages_root
from webapp.render import sources_panel
from settings import BACKENDS
from webapp.state import AppState, shown_path

TITLE = "中文政策文件问答助手"
SCOPE_POLL_S = 3.0  # how often the 范围 panels look for a new index version (a cheap read of its CURRENT file)
EXAMPLES = [
    "北京积水潭医院赋予研发人员多少比例的所有权？",
    "2021年天津口岸进口和出口整体通关时间分别是多少？",
    "强化人才保障这个案例的主要做法有哪些？",
    "报告介绍了哪些案例？",
    "天津和北京在口岸通关方面的做法有什么不同？",
    "天津港的注册资本是多少？",
]

CSS = """
#sources { max-height: 72vh; overflow-y: auto; }
#sources .source { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px;
  margin: 8px 0; background: var(--background-fill-secondary); scroll-margin-top: 12px; }
#sources .source.flash { outline: 3px solid #f59e0b; }
#sources .src-head { font-weight: 600; margin-bottom: 4px; }
#sources .src-n { color: #2563eb; }
#sources .src-label { font-size: 0.92em; }
#sources .src-text { line-height: 1.7; }
#sources .src-meta, #sources .turn-question, #sources .src-doc { font-size: 0.82em; opacity: 0.75; margin-top: 4px; }
#sources .src-title { font-weight: 600; margin: 6px 0 2px; }
#sources mark { background: #fde68a; padding: 0 1px; border-radius: 2px; }
#sources .window { background: rgba(37, 99, 235, 0.08); }
#sources summary { cursor: pointer; font-weight: 600; }
#chatbot a.cite { color: #2563eb; font-weight: 600; text-decoration: none; cursor: pointer; }
#chatbot a.cite:hover { text-decoration: underline; }
#chatbot .extract { background: rgba(37, 99, 235, 0.08); border-radius: 3px; }
#chatbot .quote { display: block; margin-top: 6px; padding: 2px 8px; border-left: 3px solid rgba(37, 99, 235, 0.35);
  color: #4b5563; font-size: 0.92em; }
#chatbot .part-missing { color: #92400e; }
#chatbot .note, #chatbot .rewrite, #chatbot .status-note { font-size: 0.85em; opacity: 0.8; margin-top: 4px; }
#chatbot .note.warn { color: #b91c1c; opacity: 1; }
#chatbot .timings { font-size: 0.78em; opacity: 0.6; margin-top: 6px; }
#chatbot .refused { font-style: italic; }
#chatbot .draft { color: #9ca3af; font-style: italic; }
#sources a.src-view { font-size: 0.82em; margin-left: 8px; color: #2563eb; text-decoration: none; }
#page-view .pv-overlay { position: fixed; inset: 0; z-index: 1000; background: rgba(17, 24, 39, 0.55);
  display: flex; align-items: center; justify-content: center; }
#page-view .pv-overlay.closed { display: none; }
#page-view .pv-panel { background: var(--background-fill-primary); width: min(96vw, 980px); height: 92vh;
  display: flex; flex-direction: column; border-radius: 10px; box-shadow: 0 10px 40px rgba(0, 0, 0, 0.35); }
#page-view .pv-head { display: flex; gap: 12px; align-items: center; padding: 8px 14px;
  border-bottom: 1px solid var(--border-color-primary); }
#page-view .pv-title { flex: 1; font-size: 0.95em; }
#page-view .pv-navs { font-size: 0.9em; white-space: nowrap; }
#page-view a.cite { color: #2563eb; font-weight: 600; text-decoration: none; margin: 0 2px; }
#page-view a.cite.active { text-decoration: underline; }
#page-view .pv-close { font-size: 24px; line-height: 1; background: none; border: none; cursor: pointer; }
#page-view .pv-frame { flex: 1; overflow: auto; padding: 14px; background: #d1d5db; }
#page-view .pv-page { position: relative; width: 100%; background: #fff; box-shadow: 0 1px 4px rgba(0, 0, 0, 0.3); }
#page-view .pv-img { position: absolute; inset: 0; width: 100%; height: 100%; display: block; }
#page-view .pv-hl { position: absolute; background: rgba(250, 204, 21, 0.45); mix-blend-mode: multiply;
  outline: 1px solid rgba(217, 119, 6, 0.85); border-radius: 2px; pointer-events: none; }
#page-view .pv-page-no { text-align: center; font-size: 0.8em; opacity: 0.7; margin: 4px 0 14px; }
#page-view .pv-section { background: var(--background-fill-primary); padding: 16px 22px; max-width: 780px;
  margin: 0 auto; line-height: 1.8; }
#page-view .pv-path { font-weight: 600; margin-bottom: 8px; }
#page-view .pv-para.cited { background: rgba(250, 204, 21, 0.35); outline: 2px solid rgba(217, 119, 6, 0.6);
  border-radius: 4px; padding: 2px 6px; }
#page-view .pv-missing { color: #92400e; margin-bottom: 10px; }
.error-box { color: #b91c1c; background: rgba(239, 68, 68, 0.08); border: 1px solid #ef4444; border-radius: 6px;
  padding: 6px 10px; }
.ok-box { color: #166534; background: rgba(34, 197, 94, 0.08); border: 1px solid #22c55e; border-radius: 6px;
  padding: 6px 10px; }
"""

# a click on [n] (in the chat, the sources panel or the viewer) opens the citation viewer (the hidden #cite-go
# button sends "<turn>:<n>:<nonce>"), opens the source's <details>, scrolls to it and flashes it; × or Esc closes
# the viewer; Enter sends
HEAD = """
<script>
window.ragScrollViewer = function () {  // once the viewer is shown: its frame scrolled to the first highlight
  setTimeout(function () {
    var f = document.querySelector('#page-view .pv-overlay:not(.closed) .pv-frame');
    var t = f && f.querySelector('.pv-hl, .pv-para.cited');
    if (t) f.scrollTop += t.getBoundingClientRect().top - f.getBoundingClientRect().top - f.clientHeight / 3;
  }, 80);
};
function ragCloseViewer() {
  document.querySelectorAll('#page-view .pv-overlay').forEach(function (o) { o.classList.add('closed'); });
}
document.addEventListener('click', function (e) {
  var t = e.target;
  if (t && t.classList && (t.classList.contains('pv-close') || t.classList.contains('pv-overlay'))) {
    ragCloseViewer();
    return;
  }
  var a = t && t.closest ? t.closest('a.cite') : null;
  if (!a) return;
  var id = (a.getAttribute('href') || '').slice(1);
  var m = /^src-(\\d+)-(\\d+)$/.exec(id);
  var go = document.querySelector('#cite-go');
  if (m && go) {
    e.preventDefault();
    window.ragPick = m[1] + ':' + m[2] + ':' + Date.now();
    go.click();
  }
  var el = id ? document.getElementById(id) : null;
  if (!el) return;
  e.preventDefault();
  var d = el.closest('details');
  while (d) { d.open = true; d = d.parentElement ? d.parentElement.closest('details') : null; }
  el.scrollIntoView({behavior: 'smooth', block: 'center'});
  el.classList.add('flash');
  setTimeout(function () { el.classList.remove('flash'); }, 1800);
});
// Enter in the question box sends (Shift+Enter: new line; Enter that confirms an IME composition: ignored).
// While an answer is being written the send button is disabled: the typed question stays in the box.
document.addEventListener('keydown', function (e) {
  if (e.key === 'Escape') ragCloseViewer();
  var t = e.target;
  if (!t || t.tagName !== 'TEXTAREA' || !t.closest || !t.closest('#question')) return;
  if (e.key !== 'Enter' || e.shiftKey || e.isComposing || e.keyCode === 229) return;
  e.preventDefault();
  var b = document.querySelector('#send');
  if (b && !b.disabled) b.click();
}, true);
</script>
"""


def build_ui(state: AppState) -> gr.Blocks:
    """All tabs; handlers get the shared state bound."""
    with gr.Blocks(title=TITLE) as demo:
        gr.Markdown(f"## {TITLE}\n本地运行、离线、每句话都注明出处。回答中的 **[n]** 可点击，右侧显示对应原文段落。")
        status = gr.Markdown(state.status(), elem_id="app-status")
        timer = gr.Timer(1.0)
        library_changes = [gr.Timer(SCOPE_POLL_S).tick, demo.load]  # uploads, removals, a new index version
        with gr.Tab("问答", id="chat"):
            backend = _chat_tab(state, status, library_changes)
        with gr.Tab("批量", id="batch"):
            _batch_tab(state, backend, library_changes)
        with gr.Tab("评测", id="eval"):
            _eval_tab(state)
        with gr.Tab("文档库", id="library"):
            docs_table, doc_pick = _library_tab(state)
        outputs = [status, timer, docs_table, doc_pick]
        timer.tick(partial(h.status_tick, state), None, outputs, show_progress="hidden", queue=False)
        demo.load(partial(h.status_tick, state), None, outputs, show_progress="hidden", queue=False)
    return demo


def _scope_panel(state: AppState, prefix: str, library_changes: list) -> list[gr.components.Component]:
    """The 范围 panel (collapsed): documents, kinds, regions, dates; its choices follow the live index on
    ``library_changes``. Returns its five value components, in the order the handlers take them."""
    shown = gr.State("")  # the index version whose documents the panel offers
    with gr.Accordion("范围（默认：全部文档）", open=False, elem_id=f"{prefix}-scope"):
        docs = gr.Dropdown(label="文档", choices=[], value=[], multiselect=True, elem_id=f"{prefix}-scope-docs",
                           info="只从选中的文档中回答；不选即全部文档")
        with gr.Row():
            kinds = gr.Dropdown(label="类别", choices=[], value=[], multiselect=True, elem_id=f"{prefix}-scope-kinds")
            regions = gr.Dropdown(label="地区", choices=[], value=[], multiselect=True,
                                  elem_id=f"{prefix}-scope-regions")
            after = gr.Textbox(label="起始日期", placeholder="YYYY[-MM[-DD]]", max_lines=1,
                               elem_id=f"{prefix}-scope-after")
            before = gr.Textbox(label="截止日期", placeholder="YYYY[-MM[-DD]]", max_lines=1,
                                elem_id=f"{prefix}-scope-before")
    choices = [shown, docs, kinds, regions]
    gr.on(library_changes, partial(h.scope_refresh, state), choices, choices, queue=False, show_progress="hidden")
    return [docs, kinds, regions, after, before]


def _chat_tab(state: AppState, status: gr.Markdown, library_changes: list) -> gr.Radio:
    """The chat with its 范围 and sources panels; returns the backend selector (the batch tab uses it too)."""
    turns = gr.State([])
    pending = gr.State("")
    backend_state = gr.State(state.backend)
    with gr.Row():
        with gr.Column(scale=3):
            chatbot = gr.Chatbot(elem_id="chatbot", label="对话", height=560, buttons=["copy"],
                                 feedback_options=None, placeholder="请输入与文件有关的问题。")
            question = gr.Textbox(elem_id="question", label="问题", lines=2, max_lines=6,
                                  placeholder="例如：北京积水潭医院赋予研发人员多少比例的所有权？（回车发送，Shift+回车换行）")
            with gr.Row():
                send = gr.Button("发送", variant="primary", elem_id="send")
                stop = gr.Button("停止", variant="stop", elem_id="stop")
                clear = gr.Button("清空对话", elem_id="clear")
            scope = _scope_panel(state, "chat", library_changes)
            with gr.Row():  # the answers with their cited paragraphs as notes, filled after each answer
                exports = [gr.DownloadButton(label, elem_id=eid, interactive=False, size="sm")
                           for label, eid in (("本轮 Markdown", "export-turn-md"), ("本轮 Word", "export-turn-docx"),
                                              ("整个对话 Markdown", "export-chat-md"),
                                              ("整个对话 Word", "export-chat-docx"))]
            gr.Examples(EXAMPLES, inputs=[question], label="示例问题")
            with gr.Accordion("设置", open=False):
                with gr.Row():
                    top_k = gr.Slider(1, 9, value=state.cfg.retrieval.k, step=1, label="检索段落数 top-k",
                                      elem_id="top-k")
                    max_tokens = gr.Slider(32, 512, value=state.cfg.llm.max_tokens, step=16,
                                           label="最大回答长度（token）", elem_id="max-tokens")
                backend = gr.Radio(list(BACKENDS), value=state.backend, label="模型后端", elem_id="backend",
                                   info="切换时按需加载另一个后端（transformers 首次加载较慢）")
        with gr.Column(scale=2):
            gr.Markdown("### 来源")
            sources = gr.HTML(sources_panel([]), elem_id="sources", js_on_load=None)
            viewer = gr.HTML("", elem_id="page-view", js_on_load=None)  # the citation viewer (an overlay)
            pick = gr.Textbox(elem_id="cite-pick", visible="hidden")
            go = gr.Button(elem_id="cite-go", visible="hidden")
    # a click on [n]: HEAD's script puts "<turn>:<n>:<nonce>" in window.ragPick and clicks the hidden button
    go.click(partial(h.show_citation, state), [pick, turns], [viewer], js="(p, t) => [window.ragPick || p, t]",
             concurrency_id="viewer", concurrency_limit=2, show_progress="hidden").then(
        None, js="() => window.ragScrollViewer()")
    # sending is blocked (button disabled, visibly) while an answer is written: a question typed
    # meanwhile stays in the box instead of being lost
    answer_event = send.click(h.take_question, [question], [send, question, pending], queue=False).then(
        partial(h.chat, state), inputs=[pending, chatbot, turns, top_k, max_tokens, backend, *scope],
        outputs=[chatbot, sources, turns, question], concurrency_id="llm", concurrency_limit=1,
        show_progress="minimal")
    answer_event.then(h.ready_to_send, None, [send], queue=False)

    def export(turns_now: list, request: gr.Request) -> tuple:  # a function of its own: Gradio passes the request
        return h.export_chat(state, turns_now, request)  # only to one whose signature names it

    answer_event.then(export, [turns], exports, queue=False)
    stop.click(h.stop_chat, [chatbot], [chatbot], cancels=[answer_event], queue=False).then(
        h.ready_to_send, None, [send], queue=False)
    clear.click(h.clear_chat, None, [chatbot, sources, turns, question], cancels=[answer_event]).then(
        h.ready_to_send, None, [send], queue=False).then(export, [turns], exports, queue=False)
    backend.change(partial(h.switch_backend, state), [backend, backend_state],
                   [backend, backend_state, status], concurrency_id="load", concurrency_limit=1)
    return backend


def _batch_tab(state: AppState, backend: gr.Radio, library_changes: list) -> None:
    gr.Markdown("上传问题文件：`.txt`（每行一个问题）、`.jsonl`（`id`、`question`）或 `.csv`（`id,question` 表头）。"
                f"结果可下载为 JSONL 和 CSV（含引用段落）。每个文件最多 {state.cfg.limits.max_batch_questions} 个问题；"
                "批量回答时仍可在问答页提问。下面的范围用于整个文件（`.jsonl` 中自带 `filter` 的问题按自己的范围）。")
    with gr.Row():
        batch_file = gr.File(label="问题文件", file_types=[".txt", ".jsonl", ".csv"], elem_id="batch-file")
        batch_out = gr.File(label="下载答案", file_count="multiple", interactive=False, elem_id="batch-out")
    scope = _scope_panel(state, "batch", library_changes)
    with gr.Row():
        batch_run = gr.Button("开始回答", variant="primary", elem_id="batch-run")
        batch_stop = gr.Button("取消", variant="stop", elem_id="batch-cancel")
    batch_msg = gr.Markdown(elem_id="batch-msg")
    # its own queue: the batch takes the model one question at a time, so chats go in between
    batch_run.click(partial(h.batch, state), [batch_file, backend, *scope], [batch_out, batch_msg],
                    concurrency_id="batch", concurrency_limit=1)
    batch_stop.click(partial(h.batch_cancel, state), None, [batch_msg], queue=False)


def _eval_tab(state: AppState) -> None:
    gr.Markdown("检索评测：dense / BM25 / hybrid 的 R@k、MRR、nDCG@10 与上下文预算内召回率"
                "（`python -m eval retrieval` 的同一计算）。")
    with gr.Row():
        eval_source = gr.Radio([("开发集 eval/dev.jsonl", "dev"), ("上传的评测集", "upload")], value="dev",
                               label="评测集")
        eval_file = gr.File(label="评测集（JSONL）", file_types=[".jsonl"])
        eval_k = gr.Slider(1, 20, value=10, step=1, label="评测深度 k")
    eval_run = gr.Button("运行检索评测", variant="primary", elem_id="eval-run")
    eval_table = gr.Dataframe(label="指标", interactive=False, elem_id="eval-table")
    with gr.Row():
        eval_plot = gr.Image(label="recall@k", type="filepath", interactive=False, elem_id="eval-plot")
        eval_files = gr.File(label="报告文件", file_count="multiple", interactive=False)
    eval_report = gr.Markdown(elem_id="eval-report")
    eval_run.click(partial(h.evaluate, state), [eval_source, eval_file, eval_k],
                   [eval_table, eval_plot, eval_report, eval_files], concurrency_id="index", concurrency_limit=1)


def _library_tab(state: AppState) -> tuple[gr.Dataframe, gr.Dropdown]:
    """The document library; returns the table and the document picker (refreshed by the status timer)."""
    gr.Markdown("索引中的文档。上传 `.txt` / `.md` / `.pdf` / `.docx` 会增量更新索引（文件保存在 "
                f"`{shown_path(state.uploads_dir)}/`，"
                f"单个文件不超过 {state.cfg.limits.max_upload_mb:g} MB）。")
    docs_table = gr.Dataframe(headers=h.DOC_HEADERS, interactive=False, elem_id="docs-table")
    with gr.Row():
        doc_file = gr.File(label="添加文档", file_types=[".txt", ".md", ".pdf", ".docx"], elem_id="doc-file")
        with gr.Column():
            doc_replace = gr.Checkbox(label="替换同名文档（否则另存为 name_2）", value=False, elem_id="doc-replace")
            with gr.Row():
                doc_add = gr.Button("添加到索引", variant="primary", elem_id="doc-add")
                doc_cancel = gr.Button("取消添加", elem_id="doc-cancel")
            doc_pick = gr.Dropdown(label="选择文档", choices=[], elem_id="doc-pick")
            doc_remove = gr.Button("从索引中删除", variant="stop", elem_id="doc-remove")
    doc_msg = gr.HTML(elem_id="doc-msg", js_on_load=None)
    doc_cancel.click(partial(h.library_cancel, state), None, [doc_msg], queue=False)
    doc_add.click(partial(h.library_add, state), [doc_file, doc_replace],
                  [docs_table, doc_pick, doc_msg, doc_file], concurrency_id="index", concurrency_limit=1)
    doc_remove.click(partial(h.library_remove, state), [doc_pick], [docs_table, doc_pick, doc_msg],
                     concurrency_id="index", concurrency_limit=1)
    return docs_table, doc_pick


def launch(demo: gr.Blocks, state: AppState, host: str = "127.0.0.1", port: int = 7860, max_queue: int | None = 32,
           **kwargs):
    """Serve the app (bounded queue, custom CSS and the citation-click script). Of the disk, only the index's
    page-image folder is served (besides Gradio's own upload and output cache)."""
    pages = pages_root(state.index_dir).resolve()
    pages.mkdir(parents=True, exist_ok=True)
    demo.queue(default_concurrency_limit=1, max_size=max_queue)
    return demo.launch(server_name=host, server_port=port, css=CSS, head=HEAD, footer_links=["settings"],
                       allowed_paths=[str(pages)], **kwargs)
