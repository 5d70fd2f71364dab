"""HTML for answers, citations and sources; Gradio message conversion (pure functions, no Gradio import)."""
from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from difflib import SequenceMatcher

from assistant.answer import Answer
from assistant.steps.citations import MARKER_RE, split_answer, strip_markers
from retriever.hybrid import Hit

MIN_MATCH = 4  # shortest answer/paragraph common substring (characters, whitespace ignored) that is highlighted
ANSWER_CLASS = "answer-text"
ANSWER_DIV_RE = re.compile(rf'<div class="{ANSWER_CLASS}[^"]*">(.*?)</div>', re.S)
DRAFT_TITLE = "正在生成，尚未核查：未通过核查的句子不会出现在回答中"
DRAFT_RE = re.compile(r'<span class="draft"[^>]*>.*?</span>', re.S)  # the unchecked sentence of a streaming answer


def esc(text: str) -> str:
    """HTML-escape text (quotes too)."""
    return html.escape(text, quote=True)


def anchor_id(turn: int, n: int) -> str:
    """Element id of source [n] of answer number ``turn`` in the sources panel."""
    return f"src-{turn}-{n}"


# ---------------------------------------------------------------- answers

def link_citations(escaped: str, turn: int, labels: dict[int, str]) -> str:
    """Turn [n] markers of already-escaped text into links to their sources; unknown numbers stay plain."""
    def repl(m: re.Match) -> str:
        n = int(m.group(1))
        if n not in labels:
            return m.group(0)
        return (f'<a class="cite" href="#{anchor_id(turn, n)}" data-n="{n}" '
                f'title="{esc(labels[n])}">[{n}]</a>')

    return MARKER_RE.sub(repl, escaped)


def render_stopped(content) -> str:
    """A streaming message the user stopped: its checked sentences (not the unchecked draft), marked as stopped."""
    text = message_text(content)
    if "streaming" not in text:
        return text
    m = ANSWER_DIV_RE.search(text)
    partial = DRAFT_RE.sub("", m.group(1)) if m and m.group(1) != "…" else ""
    return f'<div class="{ANSWER_CLASS} stopped">{partial}</div><div class="note">（已停止）</div>'


def render_streaming(text: str, status: str = "", draft: str = "") -> str:
    """The assistant message while tokens arrive: a status line, the sentences that passed the checks, and the
    sentence being written, set apart as an unchecked draft."""
    note = f'<div class="status-note">… {esc(status)}</div>' if status else ""
    pending = f'<span class="draft" title="{DRAFT_TITLE}">{esc(draft)}</span>' if draft else ""
    body = esc(text) + pending if text or draft else "…"
    return f'{note}<div class="{ANSWER_CLASS} streaming">{body}</div>'


def _line_html(line, turn: int, labels: dict[int, str]) -> str:
    body = link_citations(esc(line.render() if line.cites else line.text), turn, labels)
    if line.origin == "note":
        return f'<span class="part-missing">{body}</span>'
    if line.origin == "extract":
        return f'<span class="extract" title="原文摘录">{body}</span>'
    if line.origin == "quote":
        return f'<span class="quote" title="回答所依据的原文句子">{body}</span>'
    return body


def render_answer(answer: Answer, turn: int, backend: str = "", scope: str = "") -> str:
    """The final assistant message: answer lines with linked [n] (extracts and missing parts marked), notes,
    the documents it was kept to (``scope``, the 范围 panel's filter in words; '' for the whole library) and
    timings."""
    parts = []
    if answer.standalone_question and answer.standalone_question != answer.question:
        parts.append(f'<div class="rewrite">按上下文理解为：{esc(answer.standalone_question)}</div>')
    if answer.refused:
        parts.append(f'<div class="{ANSWER_CLASS} refused">{esc(answer.answer)}</div>')
        parts.append('<div class="note">资料中没有找到依据；右侧列出最接近的段落。</div>')
    else:
        labels = {c.n: c.label for c in answer.citations}
        sep = "<br>" if answer.outline else ""  # an overview is a list, one item per line
        body = sep.join(_line_html(line, turn, labels) for line in answer.lines)
        parts.append(f'<div class="{ANSWER_CLASS}">{body}</div>')
        if answer.fallback:
            parts.append('<div class="note">带底纹的句子是原文摘录：生成的回答没有覆盖这一部分，或未通过引用核查。</div>')
        if answer.rejected:
            parts.append(f'<div class="note">{len(answer.rejected)} 个生成的句子未通过核查，已删除'
                         '（复述问题、数字与所引原文不符或不在所问对象旁）。</div>')
    if scope:
        parts.append(f'<div class="note scope">范围：{esc(scope)}</div>')
    line = timings_line(answer.timings, backend)
    if line:
        parts.append(f'<div class="timings">{esc(line)}</div>')
    return "".join(parts)


def timings_line(timings: dict, backend: str = "") -> str:
    """'用时 30.1 s（检索 1.0 s，首字 28.0 s，16 token）· llama' from Answer.timings."""
    if not timings or "total_ms" not in timings:
        return ""
    def sec(key: str) -> str:
        ms = float(timings.get(key, 0) or 0)
        return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.1f} s"

    line = (f"用时 {sec('total_ms')}（检索 {sec('retrieve_ms')}，首字 {sec('ttft_ms')}，"
            f"{timings.get('gen_tokens', 0)} token）")
    return f"{line} · {backend}" if backend else line


# ---------------------------------------------------------------- highlighting

def _squashed(text: str) -> tuple[str, list[int]]:
    """Text without whitespace, and for each kept character its index in the original."""
    keep = [(i, ch) for i, ch in enumerate(text) if not ch.isspace()]
    return "".join(ch for _, ch in keep), [i for i, _ in keep]


def matched_spans(text: str, sentences: Iterable[str], min_len: int = MIN_MATCH) -> list[tuple[int, int]]:
    """Spans [start, end) of text repeated by the sentences: greedy longest common substrings.

    Whitespace is ignored; each part of a sentence is used once (the longest match first), so a
    phrase is highlighted where the sentence really took it from; matches shorter than min_len
    characters or made of punctuation only are dropped.
    """
    squashed, index = _squashed(text)
    covered = [False] * len(squashed)
    for sentence in sentences:
        s, _ = _squashed(strip_markers(sentence))
        free = [(0, len(s))]  # parts of the sentence not matched yet
        while free:
            best = None
            for seg_no, (lo, hi) in enumerate(free):
                m = SequenceMatcher(None, squashed, s[lo:hi], autojunk=False).find_longest_match(
                    0, len(squashed), 0, hi - lo)
                if best is None or m.size > best[1].size:
                    best = (seg_no, m)
            seg_no, m = best
            if m.size < min_len:
                break
            lo, hi = free.pop(seg_no)
            free += [seg for seg in ((lo, lo + m.b), (lo + m.b + m.size, hi)) if seg[1] - seg[0] >= min_len]
            if re.search(r"[\w\u4e00-\u9fff]", squashed[m.a:m.a + m.size]):
                covered[m.a:m.a + m.size] = [True] * m.size
    spans, start = [], None
    for i, c in enumerate(covered + [False]):
        if c and start is None:
            start = i
        elif not c and start is not None:
            spans.append((index[start], index[i - 1] + 1))
            start = None
    return spans


def highlight(text: str, sentences: Sequence[str], window: str = "") -> str:
    """Escaped paragraph text with <mark> on the parts the answer sentences repeat.

    ``window`` is the part of the paragraph that was shown to the model; when it is only
    part of the paragraph it is wrapped in ``<span class="window">``.
    """
    marks = [False] * len(text)
    for a, b in matched_spans(text, sentences):
        marks[a:b] = [True] * (b - a)
    in_window = [False] * len(text)
    w = text.find(window) if window and window != text else -1
    if w >= 0:
        in_window[w:w + len(window)] = [True] * len(window)
    out, i = [], 0
    while i < len(text):
        j = i
        while j < len(text) and (marks[j], in_window[j]) == (marks[i], in_window[i]):
            j += 1
        piece = esc(text[i:j])
        if marks[i]:
            piece = f"<mark>{piece}</mark>"
        if in_window[i]:
            piece = f'<span class="window">{piece}</span>'
        out.append(piece)
        i = j
    return "".join(out)


# ---------------------------------------------------------------- sources panel

def _score(value: float) -> str:
    return f"{value:.4f}"


def render_sources(answer: Answer, turn: int, meta: dict[str, dict] | None = None) -> str:
    """Sources of one answer: cited paragraphs (anchored, highlighted, scored, with what their document is:
    ``meta`` by document ID); for a refusal the closest ones."""
    q = f'<div class="turn-question">问：{esc(answer.question)}</div>'
    if answer.refused or not answer.citations:
        return q + render_contexts(answer.contexts, "未找到可引用的依据 · 最接近的段落")
    scores = {s.n: s.score for s in answer.sources}
    cited_by: dict[int, list[str]] = {}
    for sent in split_answer(answer.answer):
        for n in sent.cites:
            cited_by.setdefault(n, []).append(sent.text)
    blocks = []
    if answer.outline:  # an overview: the scope's outline first, each heading a link to its paragraph
        items = "".join(f'<li><a class="cite" href="#{anchor_id(turn, n)}" data-n="{n}">{esc(h)}</a></li>'
                        for h, n in answer.outline)
        blocks.append(f'<div class="src-title">提纲</div><ol class="outline">{items}</ol>')
    for c in answer.citations:
        text = highlight(c.text, cited_by.get(c.n, []), c.source_text)
        view = f"原文第{c.paragraph.pages[0]}页 ›" if c.paragraph.pages else "查看上下文 ›"
        doc = document_line((meta or {}).get(c.paragraph.doc_id, {}))
        blocks.append(
            f'<div class="source" id="{anchor_id(turn, c.n)}">'
            f'<div class="src-head"><span class="src-n">[{c.n}]</span> '
            f'<span class="src-label">{esc(c.label)}</span>'
            f'<a class="cite src-view" href="#{anchor_id(turn, c.n)}" data-n="{c.n}">{view}</a></div>'
            + (f'<div class="src-doc">{esc(doc)}</div>' if doc else "")
            + f'<div class="src-text">{text}</div>'
            f'<div class="src-meta">检索得分 {_score(scores.get(c.n, 0.0))} · {esc(c.paragraph_id)}</div></div>')
    cited = {c.n for c in answer.citations}
    others = [s for s in answer.sources if s.n not in cited]
    extra = ""
    if others:
        rows = "".join(f'<div class="source other"><div class="src-head"><span class="src-n">[{s.n}]</span> '
                       f'<span class="src-label">{esc(s.paragraph.label)}</span></div>'
                       f'<div class="src-text">{esc(s.text)}</div>'
                       f'<div class="src-meta">检索得分 {_score(s.score)} · 未被引用</div></div>' for s in others)
        extra = f'<details class="others"><summary>其他检索到的段落（{len(others)}）</summary>{rows}</details>'
    return q + '<div class="src-title">引用来源</div>' + "".join(blocks) + extra


def render_contexts(hits: Sequence[Hit], title: str) -> str:
    """Retrieved chunks with label and score (shown when the question is refused)."""
    if not hits:
        return f'<div class="src-title">{esc(title)}</div><div class="note">没有检索到任何段落。</div>'
    rows = "".join(f'<div class="source context"><div class="src-head"><span class="src-n">#{h.rank}</span> '
                   f'<span class="src-label">{esc(h.chunk.label)}</span></div>'
                   f'<div class="src-text">{esc(h.chunk.text)}</div>'
                   f'<div class="src-meta">检索得分 {_score(h.score)}</div></div>' for h in hits[:5])
    return f'<div class="src-title">{esc(title)}</div>{rows}'


def render_evidence(question: str, sources: Sequence) -> str:
    """The evidence selected for a question, shown while the answer is being written."""
    q = f'<div class="turn-question">问：{esc(question)}</div>'
    if not sources:
        return q + '<div class="note">没有检索到相关段落。</div>'
    rows = "".join(f'<div class="source evidence"><div class="src-head"><span class="src-n">[{s.n}]</span> '
                   f'<span class="src-label">{esc(s.paragraph.label)}</span></div>'
                   f'<div class="src-text">{esc(s.text)}</div></div>' for s in sources)
    return q + '<div class="src-title">依据（正在生成回答）</div>' + rows


def sources_panel(turns: Sequence[str]) -> str:
    """All answers' source blocks, newest first and open, older ones collapsed."""
    if not turns:
        return '<div class="sources-empty">回答中的 [n] 引用会在这里显示对应的原文段落。</div>'
    out = []
    for i in range(len(turns) - 1, -1, -1):
        opened = " open" if i == len(turns) - 1 else ""
        out.append(f'<details class="turn"{opened}><summary>第 {i + 1} 轮回答的来源</summary>{turns[i]}</details>')
    return "".join(out)


# ---------------------------------------------------------------- Gradio messages

def message_text(content) -> str:
    """Plain text of a Gradio message content: a string, a list of parts ({"type": "text", "text": …}) or a dict."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        if content.get("type") == "text" or "text" in content:
            return str(content.get("text", ""))
        return ""  # files, components
    if isinstance(content, (list, tuple)):
        return "".join(message_text(part) for part in content)
    return str(content)


def _field(msg, name: str):
    return msg.get(name) if isinstance(msg, dict) else getattr(msg, name, None)


def normalize_messages(messages: Sequence) -> list[dict]:
    """Messages as {"role", "content": str} dicts (Gradio may send content as a list of parts)."""
    out = []
    for msg in messages or []:
        role = _field(msg, "role")
        if role in ("user", "assistant"):
            out.append({"role": role, "content": message_text(_field(msg, "content"))})
    return out


# ---------------------------------------------------------------- library / misc

LIBRARY_FIELDS = ("kind", "number", "issuer", "issued", "effective", "region")  # metadata shown per document


def documents_rows(manifest: dict | None) -> list[list]:
    """Rows (doc_id, title, kind, 文号, issuer, issued, effective, region, paragraphs, chunks, path) of the
    manifest's documents."""
    if not manifest:
        return []
    return [[doc_id, info.get("title", ""), *(info.get("meta", {}).get(f, "") for f in LIBRARY_FIELDS),
             info.get("paragraphs", 0), info.get("chunks", 0), info.get("path", "")]
            for doc_id, info in manifest.get("documents", {}).items()]


def document_line(meta: dict) -> str:
    """What a source's document is, in one line: '行政法规 · 国务院令第663号 · 国务院 · 2016-01-01施行'."""
    parts = [meta.get("kind", ""), meta.get("number", ""), meta.get("issuer", ""),
             f"{meta['effective']}施行" if meta.get("effective") else (meta.get("issued", ""))]
    return " · ".join(p for p in parts if p)


def error_box(message: str) -> str:
    """A visible error block for an HTML/Markdown output."""
    return f'<div class="error-box">⚠ {esc(message)}</div>'
