"""Pipeline step for questions about the shape of a case, a section or the whole report (pure).

An overview question (主要做法有哪些, 介绍了哪些案例, 概括…) whose wording names a heading of the documents is
answered from the heading tree: every heading at the right level inside that scope, in document order, each
with the first sentence of its first paragraph and a citation to that paragraph. The list comes from the
structure, so nothing in the scope is left out, and no model call is needed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answer import Line, Source
from assistant.steps.evidence import TermStats
from assistant.steps.question_parts import QUESTION_WORD_RE, question_sentences, slot_of
from index.documents import Paragraph
from retriever.outline import Node, Scope, build_outline, document_scope, items_of, resolve_scope
from settings import AnswerConfig
from textutil import split_sentences, squash

OVERVIEW_RE = re.compile(r"主要做法|哪些做法|做法有哪些|做法包括|采取了哪些|采取了什么|哪些举措|哪些措施|主要举措|经验有哪些|哪些经验|"
                         r"介绍了哪些|介绍了什么|哪些案例|哪几个案例|几个案例|概括|总结|主要内容|哪几个?方面|哪几项|哪几类|"
                         r"哪些方面|哪几件事|哪些事|做了哪些|哪几个?方向|哪些方向|哪些应用场景|哪些场景|哪些环节|哪几个?环节|"
                         r"哪些成效|哪些效果|分条列出")
WHOLE_RE = re.compile(r"报告|全文|文件|这份|本书|资料")
CASES_RE = re.compile(r"案例|章节|部分")
ENUMERATED_RE = re.compile(r"^\s*(?:[一二三四五六七八九十]+是|首先|其次|再次|最后|第[一二三四五六七八九十]+[，、,])")

@dataclass(frozen=True)
class Overview:
    """An overview answer: its lines, the sources they cite, and the outline shown beside it."""

    scope: Scope
    lines: list[Line]
    sources: list[Source]
    outline: list[tuple[str, int]]  # (heading, source number) in document order


def first_sentence(p: Paragraph, mentioning: str = "") -> str:
    """The paragraph's first sentence (the first that mentions ``mentioning``, when given)."""
    sentences = split_sentences(p.text) or [p.text]
    if mentioning:
        sentences = [s for s in sentences if squash(mentioning) in squash(s)] or sentences
    return sentences[0].strip()


class OverviewStep:
    """Recognise overview questions and answer them from the heading tree."""

    def __init__(self, paragraphs: list[Paragraph], stats: TermStats,
                 min_scope: float = AnswerConfig.min_scope):
        self.root = build_outline(paragraphs)
        self.stats = stats
        self.min_scope = min_scope  # share of the question's (weighted) wording the scope's headings must explain

    def scope(self, question: str, regions: list[str], docs: frozenset[str] | None = None) -> Scope | None:
        """The scope of an overview question, or None when the question is not one; ``docs`` keeps it to those
        documents (a filter): 这份文件的主要内容有哪些 kept to one document lists that document's chapters."""
        asks = [s for s in question_sentences(question) if QUESTION_WORD_RE.search(s)]
        if not OVERVIEW_RE.search(question) or len(asks) > 1 or slot_of(question) in ("number", "time", "yesno"):
            return None
        root = self.root if docs is None else _kept(self.root, docs)
        if not root.children:
            return None
        found = resolve_scope(question, root, self.stats.idf, regions)
        if found is not None and found.score >= self.min_scope and len(overview_items(found.node, found.within)) >= 2:
            return found
        whole = WHOLE_RE.search(question) and (CASES_RE.search(question) or (docs is not None and len(root.children) == 1))
        return document_scope(root) if whole else None

    def run(self, scope: Scope) -> Overview:
        """Lines listing every item of the scope with its first sentence, cited."""
        items = overview_items(scope.node, scope.within)
        sources: dict[str, Source] = {}
        heading = scope.node.name or "资料"
        if scope.node.level in ("root", "document", "category"):
            lines = [Line(f"{heading}共介绍了{len(items)}个案例：", (), "outline")]
        elif scope.within:
            lines = [Line(f"{heading}中涉及{scope.within}的内容有{len(items)}项：", (), "outline")]
        else:
            lines = [Line(f"{heading}包括以下{len(items)}项：", (), "outline")]
        outline, category = [], ""
        for i, item in enumerate(items, start=1):
            src = sources.setdefault(item.paragraph.id, Source(len(sources) + 1, item.paragraph, item.paragraph.text,
                                                               "", 0.0))
            if item.group and item.group != category:
                category = item.group
                lines.append(Line(f"{item.group}：", (), "outline"))
            text = f"{i}. {item.name}：{item.sentence}" if item.name else f"{i}. {item.sentence}"
            lines.append(Line(text.rstrip("。；;"), (src.n,), "outline"))
            outline.append((item.name or item.sentence[:24], src.n))
        if not outline:
            lines = [Line(f"资料中{heading}下没有找到涉及{scope.within}的内容。", (), "note")]
        return Overview(scope, lines, list(sources.values()), outline)


@dataclass(frozen=True)
class Item:
    """One entry of an overview: a heading (or an enumerated paragraph) and the sentence shown for it."""

    name: str
    paragraph: Paragraph
    sentence: str
    group: str = ""  # the category of a case, shown as a sub-heading


def overview_items(node: Node, within: str = "") -> list[Item]:
    """What an overview of node lists: its item headings (see retriever.outline.items_of), or for a heading
    without sub-headings its enumerated paragraphs (一是…二是…), else its paragraphs; only those that mention
    ``within`` when given."""
    items = []
    for child in items_of(node):
        p = _first_mentioning(child, within)
        if p is not None and (not within or squash(within) in squash("".join(q.text for q in child.paragraphs))):
            group = child.parent.title if child.level == "case" and child.parent.level == "category" else ""
            items.append(Item(child.name, p, first_sentence(p, within).rstrip("。；;"), group))
    if items or node.children:
        return items
    paragraphs = [p for p in node.paragraphs if not within or squash(within) in squash(p.text)]
    enumerated = [p for p in paragraphs if ENUMERATED_RE.match(p.text)]
    for p in enumerated if len(enumerated) >= 2 else paragraphs:
        items.append(Item("", p, ENUMERATED_RE.sub("", first_sentence(p, within)).rstrip("。；;")))
    return items


def _kept(root: Node, docs: frozenset[str]) -> Node:
    """A root over the documents of ``docs`` only (their nodes are shared, not copied)."""
    kept = Node("root", "")
    kept.children = [d for d in root.children if d.first_paragraph is not None and d.first_paragraph.doc_id in docs]
    return kept


def _first_mentioning(node: Node, term: str) -> Paragraph | None:
    ps = node.paragraphs
    if term:
        ps = [p for p in ps if squash(term) in squash(p.text)] or ps
    return ps[0] if ps else None
