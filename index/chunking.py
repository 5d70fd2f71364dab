"""Paragraph-aligned chunking for Chinese text (pure functions)."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from itertools import groupby

from index.documents import LABEL_SEP, Paragraph
from settings import ChunkingConfig
from textutil import sentence_pieces



@dataclass(frozen=True)
class Chunk:
    """A retrievable unit: exact source text plus the paragraphs it covers."""

    id: str
    doc_id: str
    text: str
    paragraph_ids: tuple[str, ...]
    label: str
    heading: str  # heading path, prefixed to the text for embedding only
    case: str

    @property
    def embed_text(self) -> str:
        """Text given to the embedder: heading path + exact text (title enhancement)."""
        return f"{self.heading}\n{self.text}" if self.heading else self.text

    def to_dict(self) -> dict:
        """Plain-dict form for JSON."""
        d = asdict(self)
        d["paragraph_ids"] = list(self.paragraph_ids)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Chunk":
        """Inverse of :meth:`to_dict`."""
        return cls(**{**d, "paragraph_ids": tuple(d["paragraph_ids"])})


def split_long(text: str, max_chars: int, overlap: int) -> list[str]:
    """Windows of whole sentences up to max_chars, consecutive windows sharing ≤ overlap chars."""
    pieces: list[str] = []
    for s in (p for p in sentence_pieces(text) if p.strip()):
        while len(s) > max_chars:  # a single over-long sentence: hard split
            pieces.append(s[:max_chars])
            s = s[max_chars - overlap:]
        pieces.append(s)
    windows: list[str] = []
    current: list[str] = []
    for piece in pieces:
        if current and sum(map(len, current)) + len(piece) > max_chars:
            windows.append("".join(current))
            tail: list[str] = []
            for prev in reversed(current):
                if sum(map(len, tail)) + len(prev) > overlap:
                    break
                tail.insert(0, prev)
            current = tail
        current.append(piece)
    if current:
        windows.append("".join(current))
    return windows


def _group_label(paragraphs: list[Paragraph]) -> str:
    first, last = paragraphs[0], paragraphs[-1]
    if first is last:
        return first.label
    return LABEL_SEP.join([*first.headings, f"第{first.number}–{last.number}段"])


def chunk_paragraphs(paragraphs: list[Paragraph], cfg: ChunkingConfig) -> list[Chunk]:
    """Merge short neighbours of the same heading, split long paragraphs with overlap."""
    chunks: list[Chunk] = []

    def emit(group: list[Paragraph], text: str):
        first = group[0]
        chunks.append(Chunk(
            id=f"{first.doc_id}:c{len(chunks) + 1:04d}",
            doc_id=first.doc_id,
            text=text,
            paragraph_ids=tuple(p.id for p in group),
            label=_group_label(group),
            heading=LABEL_SEP.join(first.headings),
            case=first.case or first.title,
        ))

    for _, run in groupby(paragraphs, key=lambda p: (p.doc_id, tuple(p.headings))):
        buf: list[Paragraph] = []
        for p in run:
            if len(p.text) > cfg.max_chars:
                if buf:
                    emit(buf, "\n".join(x.text for x in buf))
                    buf = []
                for window in split_long(p.text, cfg.max_chars, cfg.overlap_chars):
                    emit([p], window)
                continue
            size = sum(len(x.text) + 1 for x in buf) + len(p.text)
            short = len(p.text) < cfg.min_chars or (buf and sum(len(x.text) for x in buf) < cfg.min_chars)
            if buf and not (short and size <= cfg.max_chars):
                emit(buf, "\n".join(x.text for x in buf))
                buf = []
            buf.append(p)
        if buf:
            emit(buf, "\n".join(x.text for x in buf))
    return chunks
