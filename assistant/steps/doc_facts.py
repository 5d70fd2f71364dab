"""Pipeline step for questions about one document's own particulars: its 文号, issuing body and dates (pure).

A question that asks what a document says it is — 这份通知的文号是多少, 《居住证暂行条例》由哪个机关发布, 该办法什么
时候起施行, 公报是哪天发布的 — is answered from the document's metadata (:mod:`index.metadata`, in the manifest,
where the user's own metadata file wins), cited to the paragraph of that document that states the value: the
signature's date, the 文号 line, the article 本办法自…起施行. Such values stand alone on their lines (2024年11月18日
under the issuing body), so the evidence selection and the model's reading find no sentence that "answers" them;
here no model call is needed. The step answers only when the question is about one document (named, quoted, kept
by a filter, or the library's only one), asks one particular, and a paragraph of the document states its value;
otherwise the question goes the usual way.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answer import Line, Source
from assistant.steps.question_parts import QUESTION_WORD_RE, split_parts
from index.documents import Paragraph
from retriever.filters import best_named
from textutil import squash
from zh.numbers import to_arabic

# what each particular is called in an answer, and how a question asks for it (one sentence asking one of them)
FIELD_NAMES = {"number": "文号", "issuer": "发文机关", "issued": "成文日期", "published": "发布日期", "effective": "施行日期"}
ASKS = (
    ("number", re.compile(r"文号|发文字号|字号是|令第?几号|第几号令")),
    ("issuer", re.compile(r"(?:哪个|哪一个|哪些|什么)(?:部门|机关|单位|机构)(?:联合)?(?:印发|发布|制定|颁布|出台|发文|公布)"
                          r"|由谁(?:印发|发布|制定|颁布|公布)|谁(?:印发|发布|制定|颁布)的|发文机关|发布机关|制定机关|发文单位|印发单位")),
    ("effective", re.compile(r"(?:何时|哪天|哪一天|什么时候|哪年|几月|日期|时间)\S{0,3}(?:起)?(?:施行|生效|实施)"
                             r"|(?:施行|生效|实施)(?:日期|时间)|自何时起")),
    ("issued", re.compile(r"(?:何时|哪天|哪一天|什么时候|哪年|几月|日期|时间)\S{0,3}(?:印发|成文|签发|颁布|出台|通过)"
                          r"|(?:印发|成文|签发|颁布|落款)(?:日期|时间|于)")),
    ("published", re.compile(r"(?:何时|哪天|哪一天|什么时候|哪年|几月|日期|时间)\S{0,3}(?:发布|公布)|(?:发布|公布)(?:日期|时间|于)")),
)
# the question is about the document itself: it names its kind (这份通知, 该条例, 本办法, 公报) or quotes its title
DOCUMENT_RE = re.compile(r"文件|通知|通告|公告|条例|办法|意见|方案|规定|细则|决定|标准|公报|法|令|纪要|要点|解读|《")
ISO_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
JOINED_RE = re.compile(r"[和及与、]")  # 印发文号和日期, 施行日期和有效期: one part asking two things


@dataclass(frozen=True)
class DocFact:
    """An answer from a document's metadata: the particulars asked, a line for each and the sources they cite."""

    fields: list[str]
    lines: list[Line]
    sources: list[Source]


def asked_fields(question: str) -> list[str] | None:
    """The particulars a question asks of a document, one per part (see ASKS): 是哪天公布的？从什么时候起施行？ →
    published, effective; None when a part asks something else or more than one thing (这份通知是哪天印发的，主送
    哪些单位: the usual way answers both), or the question is not about a document."""
    if not DOCUMENT_RE.search(question):
        return None
    fields = []
    for part in split_parts(question):
        for clause in _asking_clauses(part.text):
            hits = [f for f, pattern in ASKS if pattern.search(clause)]
            if len(hits) != 1 or len(QUESTION_WORD_RE.findall(clause)) > 1 or JOINED_RE.search(clause):
                return None
            fields.append(hits[0])
    return fields if len(set(fields)) == len(fields) else None


def _asking_clauses(text: str) -> list[str]:
    """A part cut at its commas when every clause asks something (是哪天印发的，文号是什么), else the part whole."""
    clauses = [c for c in re.split(r"[，,]", text) if c.strip()]
    return clauses if len(clauses) > 1 and all(QUESTION_WORD_RE.search(c) for c in clauses) else [text]


def spoken(field: str, value: str) -> str:
    """The value as the documents write it: 2024-11-18 → 2024年11月18日; other values as they are."""
    m = ISO_RE.match(value) if field in ("issued", "published", "effective") else None
    return f"{m.group(1)}年{int(m.group(2))}月{int(m.group(3))}日" if m else value


def stating(paragraphs: list[Paragraph], text: str) -> Paragraph | None:
    """The paragraph that states ``text`` (Chinese numerals read as digits, spaces aside): the shortest one (the
    signature's date alone, the 文号 line) before a long one that mentions it in passing."""
    key = squash(to_arabic(text))
    found = [p for p in paragraphs if key in squash(to_arabic(p.text))]
    return min(found, key=lambda p: len(p.text)) if found else None


class DocumentFacts:
    """Answer a question about one document's 文号, issuing body or dates from its metadata."""

    def __init__(self, paragraphs: list[Paragraph], manifest: dict):
        self.by_doc: dict[str, list[Paragraph]] = {}
        for p in paragraphs:
            self.by_doc.setdefault(p.doc_id, []).append(p)
        self.documents = manifest.get("documents", {})

    def run(self, question: str, docs: frozenset[str] | None) -> DocFact | None:
        """The answer, or None when the question is not about one document's particulars or no paragraph of the
        document states one of them."""
        fields = asked_fields(question)
        if fields is None:
            return None
        scope = docs if docs is not None else frozenset(self.documents)
        if len(scope) > 1 and (best := best_named(question, {"documents": self.documents}, scope)):
            scope = frozenset({best})  # the document whose title the question writes, of several it names in part
        if len(scope) != 1:
            return None
        [doc_id] = scope
        info = self.documents.get(doc_id, {})
        meta = info.get("meta", {})
        title = (meta.get("title") or info.get("title") or doc_id).strip("《》")
        lines: list[Line] = []
        sources: dict[str, Source] = {}
        for field in fields:
            value = meta.get(field, "")
            if field == "published" and not value:
                field, value = "issued", meta.get("issued", "")  # 公布于: the date it was issued when none other
            said = spoken(field, value) if value else ""
            paragraph = stating(self.by_doc.get(doc_id, []), said) if said else None
            if paragraph is None:
                return None
            source = sources.setdefault(paragraph.id, Source(len(sources) + 1, paragraph, paragraph.text, "", 0.0))
            lines.append(Line(f"《{title}》的{FIELD_NAMES[field]}是{said}", (source.n,), "extract"))
        return DocFact(fields, lines, list(sources.values()))
