"""Numbered sources for the prompt, one per cited paragraph (pure)."""
from __future__ import annotations

from dataclasses import dataclass

from index.documents import Paragraph
from retriever.hybrid import Hit


@dataclass(frozen=True)
class Source:
    """Source [n]: the text shown to the model and the paragraph it comes from."""

    n: int
    paragraph: Paragraph
    text: str  # exact source text: the whole paragraph, or the retrieved window of a long one
    chunk_id: str
    score: float

    def prompt_block(self) -> str:
        """How the source appears in the prompt."""
        return f"[{self.n}] {self.paragraph.label}\n{self.text}"


def build_sources(hits: list[Hit], paragraphs: dict[str, Paragraph], max_sources: int = 9) -> list[Source]:
    """Split retrieved chunks back into paragraphs, keep first-seen order, at most max_sources."""
    seen: dict[str, Source] = {}
    for hit in hits:
        parts = hit.chunk.text.split("\n") if len(hit.chunk.paragraph_ids) > 1 else [hit.chunk.text]
        for pid, text in zip(hit.chunk.paragraph_ids, parts):
            para = paragraphs[pid]
            if pid in seen:
                if seen[pid].text != para.text and text not in seen[pid].text:  # two windows: use the paragraph
                    seen[pid] = Source(seen[pid].n, para, para.text, seen[pid].chunk_id, seen[pid].score)
                continue
            if len(seen) >= max_sources:
                break
            seen[pid] = Source(len(seen) + 1, para, text, hit.chunk.id, hit.score)
    return list(seen.values())


def sources_block(sources: list[Source]) -> str:
    """All sources as one prompt block."""
    return "\n".join(s.prompt_block() for s in sources)
