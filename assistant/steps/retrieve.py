"""Pipeline step: hybrid retrieval for the question and, when it has several parts, for each part."""
from __future__ import annotations

from dataclasses import dataclass

from assistant.steps.question_parts import Part
from index.documents import Paragraph
from retriever.filters import named_docs
from retriever.fusion import fit_to_budget
from retriever.hybrid import Hit, HybridRetriever
from retriever.references import PartIndex
from settings import AnswerConfig


@dataclass(frozen=True)
class Retrieved:
    """The chunks retrieved and the paragraphs they cover, best first, each paragraph once."""

    hits: list[Hit]
    paragraphs: list[Paragraph]
    named: frozenset[str] = frozenset()  # ids of the paragraphs of a part the question names by number
    scopes: tuple[frozenset[str] | None, ...] = ()  # by part: the documents it names in particular (None: any)

    @property
    def context_text(self) -> str:
        """The paragraphs with their heading paths, as one text (where the gate looks up a question's anchors)."""
        return "\n".join(p.haystack for p in self.paragraphs)


class Retrieve:
    """Chunks that fit the context budget for the question, plus the best chunks for each part; the paragraphs of
    a part of a document the question names by number (第九十一条, 附录A, 表3: see retriever.references) first."""

    def __init__(self, retriever: HybridRetriever, budget: int, part_hits: int = AnswerConfig.part_hits):
        self.retriever = retriever
        self.parts = PartIndex.from_paragraphs(retriever.paragraphs.values())
        self.budget = budget
        self.part_hits = part_hits  # extra chunks retrieved for each part of a multi-part question

    def run(self, question: str, parts: list[Part], case: str | None = None, k: int | None = None,
            docs: frozenset[str] | None = None, prefer: frozenset[str] | None = None) -> Retrieved:
        """Retrieve; ``k`` caps the number of chunks for the whole question; ``docs``: the documents allowed;
        ``prefer``: documents the question names, whose best chunks come first (the others still follow)."""
        hits = self.retriever.context(question, budget=self.budget, case=case, docs=docs)
        if prefer and docs is None:
            named = self.retriever.context(question, budget=self.budget, case=case, docs=prefer)
            seen = {h.chunk.id for h in named}
            merged = named + [h for h in hits if h.chunk.id not in seen]
            hits = merged[:fit_to_budget([h.chunk.text for h in merged], self.budget)]
        if k:
            hits = hits[:k]
        scopes = tuple(self._named(part) if docs is None else None for part in parts) if len(parts) > 1 else ()
        if len(parts) > 1:
            seen = {h.chunk.id for h in hits}
            for part, scope in zip(parts, scopes):
                for h in self.retriever.run(part.text, k=self.part_hits, case=case, docs=docs or scope):
                    if h.chunk.id not in seen:
                        seen.add(h.chunk.id)
                        hits.append(h)
        best_doc = hits[0].chunk.doc_id if hits else None
        numbered = self.parts.named(question, docs, best_doc)  # 第九十一条, 附录A, 表3 named in the question
        paragraphs: dict[str, Paragraph] = {p.id: p for p in numbered}
        for h in hits:
            for pid in h.chunk.paragraph_ids:
                paragraphs.setdefault(pid, self.retriever.paragraphs[pid])
        return Retrieved(hits, list(paragraphs.values()), frozenset(p.id for p in numbered),
                         scopes if len({s for s in scopes if s}) > 1 else ())

    def _named(self, part: Part) -> frozenset[str] | None:
        """The documents one part of a question names — by its enumerated item first (道路交通安全法和南宁的条例…
        有什么不同: the 南宁 part is looked up in 南宁's 条例, the other in the 道路交通安全法) — None when it names
        none of a library's documents in particular."""
        manifest = self.retriever.stored.manifest
        return (named_docs(part.focus, manifest) if part.focus else None) or named_docs(part.text, manifest)
