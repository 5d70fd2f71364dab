"""Baselines without structure: fixed 300-character windows of the whitespace-normalised report text,
ranked by character-bigram BM25, by e5, and by reciprocal rank fusion of the two."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

import bm25s
import numpy as np

from index.documents import Paragraph
from index.embedders import Embedder
from retriever.fusion import reciprocal_rank_fusion
from textutil import bigram_tokens

WINDOW_CHARS = 300
RRF_K = 60
_WS = re.compile(r"\s+")


def document_texts(paragraphs: Iterable[Paragraph]) -> list[str]:
    """One whitespace-normalised text per document: its paragraph texts joined, whitespace runs → one space."""
    docs: dict[str, list[str]] = {}
    for p in paragraphs:
        docs.setdefault(p.doc_id, []).append(p.text)
    return [_WS.sub(" ", "\n".join(texts)).strip() for texts in docs.values()]


def fixed_windows(texts: Iterable[str], size: int = WINDOW_CHARS) -> list[str]:
    """Consecutive, non-overlapping windows of `size` characters (the last one of a text may be shorter)."""
    return [t[i:i + size] for t in texts for i in range(0, len(t), size)]


def _ranked(scores: np.ndarray, n: int, positive_only: bool = False) -> list[int]:
    order = np.argsort(-scores, kind="stable")
    return [int(i) for i in order if not positive_only or scores[i] > 0][:n]


class BigramBM25:
    """bm25s over character-bigram tokens."""

    def __init__(self, texts: Sequence[str]):
        self._model = bm25s.BM25()
        self._model.index([bigram_tokens(t) or [""] for t in texts], show_progress=False)
        self._size = len(texts)

    def search(self, query: str, n: int) -> list[int]:
        """Indices of the n best texts with a positive score."""
        tokens = [t for t in bigram_tokens(query) if t in self._model.vocab_dict]
        if not tokens:
            return []
        return _ranked(np.asarray(self._model.get_scores(tokens), dtype=np.float32), n, positive_only=True)


class DenseWindows:
    """Cosine similarity of embedded texts (vectors are L2-normalised by the embedder)."""

    def __init__(self, texts: Sequence[str], embedder: Embedder, batch_size: int = 32):
        self._embedder = embedder
        parts = [embedder.embed_passages(list(texts[i:i + batch_size])) for i in range(0, len(texts), batch_size)]
        self._vectors = np.concatenate(parts) if parts else np.zeros((0, embedder.dim), np.float32)

    def search(self, query: str, n: int) -> list[int]:
        """Indices of the n most similar texts."""
        return _ranked(self._vectors @ self._embedder.embed_query(query), n)


def rrf(rankings: dict[str, list[int]], n: int, k: int = RRF_K) -> list[int]:
    """Reciprocal rank fusion of index lists, best n."""
    return [i for i, _, _ in reciprocal_rank_fusion(rankings, None, k)[:n]]


def baseline_rankers(paragraphs: Iterable[Paragraph], embedder: Embedder, candidates: int = 50,
                     size: int = WINDOW_CHARS, dense_name: str = "e5") -> dict[str, Callable[[str, int], list[str]]]:
    """Rankers (question, n) -> window texts: win300-bm25, win300-<dense_name>, win300-rrf."""
    windows = fixed_windows(document_texts(paragraphs), size)
    bm25 = BigramBM25(windows)
    dense = DenseWindows(windows, embedder)

    def lexical(q: str, n: int) -> list[str]:
        return [windows[i] for i in bm25.search(q, n)]

    def semantic(q: str, n: int) -> list[str]:
        return [windows[i] for i in dense.search(q, n)]

    def fused(q: str, n: int) -> list[str]:
        return [windows[i] for i in rrf({"bm25": bm25.search(q, candidates), "dense": dense.search(q, candidates)}, n)]

    prefix = f"win{size}"
    return {f"{prefix}-bm25": lexical, f"{prefix}-{dense_name}": semantic, f"{prefix}-rrf": fused}
