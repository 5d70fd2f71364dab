"""The heading tree of the indexed documents, and which part of it a question is about (pure).

Every paragraph carries its heading path (document title → category → case → 一、section → （一）subsection →
1. item → 专栏 box), so the tree is rebuilt from the paragraphs alone: it works for any indexed document with
headings (.md ``#``, .docx Heading styles, the report's numbered headings).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from index.documents import Paragraph, short_heading
from index.headings import is_front_matter
from index.lexical import key_terms
from textutil import squash

PRACTICE_RE = re.compile(r"主要做法|主要举措|具体做法|主要措施|做法与成效|工作举措")
ASIDE_RE = re.compile(r"实践意义|意义和效果|成效|效果|下一步|发展方向|启示|展望")
EFFECT_RE = re.compile(r"实践意义|意义和效果|成效|效果")
NEXT_RE = re.compile(r"下一步|发展方向|展望")
EFFECT_CUE_RE = re.compile(r"效果|成效|意义|成果|成绩")
NEXT_CUE_RE = re.compile(r"下一步|方向|展望|打算|准备|计划|今后|未来")
MIN_OWN = 0.25  # a heading is a candidate scope if the question holds this share of its own wording (or 3 terms)
HEADING_NUMBER_RE = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+[.．、]|专栏\s*\d*)\s*")


@dataclass
class Node:
    """A heading and everything under it."""

    level: str
    title: str
    parent: "Node | None" = field(default=None, repr=False)
    children: list["Node"] = field(default_factory=list, repr=False)
    own: list[Paragraph] = field(default_factory=list, repr=False)  # paragraphs directly under this heading

    @property
    def paragraphs(self) -> list[Paragraph]:
        """All paragraphs of the subtree, in document order."""
        out = list(self.own)
        for c in self.children:
            out += c.paragraphs
        return sorted(out, key=_order)

    @property
    def first_paragraph(self) -> Paragraph | None:
        """The first paragraph of the subtree."""
        ps = self.paragraphs
        return ps[0] if ps else None

    @property
    def path(self) -> list["Node"]:
        """Ancestors and self, outermost first (the root excluded)."""
        out, node = [], self
        while node is not None and node.level != "root":
            out.insert(0, node)
            node = node.parent
        return out

    @property
    def name(self) -> str:
        """The title without its numbering (（一）, 1., 一、) and final full stop."""
        return short_heading(HEADING_NUMBER_RE.sub("", self.title)).strip()

    def walk(self):
        """This node and every node below it, in document order."""
        yield self
        for c in self.children:
            yield from c.walk()


def _order(p: Paragraph) -> tuple[str, int]:
    m = re.search(r"(\d+)$", p.id)
    return (p.doc_id, int(m.group(1)) if m else 0)


def build_outline(paragraphs: list[Paragraph]) -> Node:
    """The heading tree of all documents (root → one node per document → …), paragraphs in document order."""
    root = Node("root", "")
    docs: dict[str, Node] = {}
    for p in sorted(paragraphs, key=_order):
        doc = docs.get(p.doc_id)
        if doc is None:
            doc = docs[p.doc_id] = Node("document", p.title or p.doc_id, root)
            root.children.append(doc)
        node = doc
        for heading in p.path:
            level, title = heading.level, heading.text
            child = next((c for c in node.children if c.level == level and c.title == title), None)
            if child is None:
                child = Node(level, title, node)
                node.children.append(child)
            node = child
        node.own.append(p)
    return root


def items_of(node: Node) -> list[Node]:
    """The headings an overview of node lists: the practices under a 主要做法 child if there is one, else its
    children without the 意义/效果/下一步 sections (unless that is all there is); a document's or category's
    cases, without front and back matter (前言, 目录, 后记, 附录…)."""
    if node.level in ("root", "document", "category"):
        cases = [n for n in node.walk() if n.level == "case" and not is_front_matter(n.name)]
        if cases:
            return cases
    practice = next((c for c in node.children if PRACTICE_RE.search(c.title)), None)
    if practice is not None and practice.children:
        return practice.children
    kids = [c for c in node.children if c.level != "box"]
    main = [c for c in kids if not ASIDE_RE.search(c.title)]
    return main or kids


def focus_section(node: Node, question: str) -> Node:
    """A case asked about its effects or next steps: the child section on them (if it has one)."""
    for cue, heading in ((NEXT_CUE_RE, NEXT_RE), (EFFECT_CUE_RE, EFFECT_RE)):
        if cue.search(question) and not heading.search(node.title):
            child = next((c for c in node.children if heading.search(c.title)), None)
            if child is not None:
                return child
    return node


def scope_terms(title: str) -> list[str]:
    """Key terms of a heading's name (numbering and punctuation dropped)."""
    return key_terms(HEADING_NUMBER_RE.sub("", title))


@dataclass(frozen=True)
class Scope:
    """The node a question is about, how well it matched, and a filter term (a region the title lacks)."""

    node: Node
    score: float
    within: str = ""  # keep only the items whose text mentions this (重庆在人才方面… → 重庆)


def resolve_scope(question: str, root: Node, idf, regions: list[str] = ()) -> Scope | None:
    """The heading the question names best.

    A heading explains the question's key terms that its title or its ancestors' titles contain (a shorter
    term of the question names a longer one of a title: 物流 → 物流业); the node
    explaining the most (rare terms weigh more: ``idf``) wins, the shallower one on a tie. A heading whose own
    title the question barely touches (under MIN_OWN of its wording, fewer than three terms and under half of
    the question's wording) is not a candidate. The score is the explained share of the question.
    ``regions`` are the question's place/organisation anchors: one the winning path does not name becomes the
    filter (重庆在人才方面… → the 人才 case, items mentioning 重庆).
    """
    q = squash(question)
    asked = key_terms(question)
    total = sum(idf(t) for t in asked) or 1.0
    best: tuple[float, int, Node] | None = None
    for node in root.walk():
        if node.level in ("root", "box"):
            continue
        own = scope_terms(node.title)
        matched = [t for t in own if t in q or any(len(a) >= 2 and a in t for a in asked)]  # 物流 names 物流业
        mass = sum(idf(t) for t in matched)
        if not own or (mass < MIN_OWN * sum(idf(t) for t in own) and len(matched) < 3 and mass < 0.5 * total):
            continue
        path = squash("".join(a.title for a in node.path))
        explained = sum(idf(t) for t in asked if t in path)
        key = (explained, -len(node.path))
        if best is None or key > best[:2]:
            best = (explained, -len(node.path), node)
    if best is None:
        return None
    node = focus_section(best[2], question)
    path_text = squash("".join(n.title for n in node.path))
    within = next((r for r in regions if squash(r) not in path_text and r not in ("中国", "我国")), "")
    return Scope(node, best[0] / total, within)


def document_scope(root: Node) -> Scope:
    """The whole collection (报告介绍了哪些案例)."""
    docs = root.children
    return Scope(docs[0] if len(docs) == 1 else root, 1.0)
