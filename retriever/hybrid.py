"""Hybrid retrieval: dense (FAISS) + BM25, fused by reciprocal rank fusion."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np

from index.chunking import Chunk
from index.documents import Paragraph
from index.embedders import Embedder, make_embedder
from index.store import IndexStoreError, StoredIndex, embedder_spec, load_index, staleness
from retriever.fusion import fit_to_budget, keep_signal_bests, reciprocal_rank_fusion
from questions import EmptyQuestion
from settings import RetrievalConfig

MODES = ("hybrid", "dense", "bm25")


class StaleIndex(IndexStoreError):
    """The index no longer matches its source documents."""


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk with its fused score and per-signal ranks/scores."""

    rank: int
    chunk: Chunk
    score: float
    ranks: dict[str, int] = field(default_factory=dict)
    signal_scores: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON form used by the CLI and batch outputs."""
        return {"rank": self.rank, "chunk_id": self.chunk.id, "paragraph_ids": list(self.chunk.paragraph_ids),
                "label": self.chunk.label, "text": self.chunk.text, "score": round(self.score, 6),
                "ranks": self.ranks, "signal_scores": {k: round(v, 6) for k, v in self.signal_scores.items()}}


def _top_ids(scores: np.ndarray, n: int, allowed: np.ndarray | None) -> np.ndarray:
    """Indices of the n best finite scores (allowed ones only), best first, as an int64 array."""
    if allowed is not None:
        scores = np.where(allowed, scores, -np.inf)
    n = min(n, len(scores))
    if n <= 0:
        return np.zeros(0, dtype=np.int64)
    idx = np.argpartition(-scores, n - 1)[:n]
    idx = idx[np.argsort(-scores[idx], kind="stable")]
    return idx[np.isfinite(scores[idx])].astype(np.int64, copy=False)


def _top(scores: np.ndarray, n: int, allowed: np.ndarray | None) -> list[int]:
    return _top_ids(scores, n, allowed).tolist()


class HybridRetriever:
    """Dense + BM25 retriever over a stored index; ``run()`` returns ranked hits."""

    def __init__(self, stored: StoredIndex, embedder: Embedder, cfg: RetrievalConfig | None = None):
        if embedder.name != stored.manifest["embedder"]["name"]:
            raise IndexStoreError(f"index was built with {stored.manifest['embedder']['name']}, "
                                  f"not {embedder.name}; rebuild or use the same embedder")
        self.stored = stored
        self.embedder = embedder
        self.cfg = cfg or RetrievalConfig()
        self._cases = np.array([c.case for c in stored.chunks], dtype=object)
        self._docs = np.array([c.doc_id for c in stored.chunks], dtype=object)

    @classmethod
    def from_index_dir(cls, index_dir: str | Path, cfg: RetrievalConfig | None = None,
                       embedder: Embedder | None = None, threads: int = 2, allow_stale: bool = False) -> "HybridRetriever":
        """Load an index folder; refuse a stale one unless allow_stale. ``threads`` also caps FAISS's threads."""
        faiss.omp_set_num_threads(threads)
        stored = load_index(index_dir)
        if not allow_stale:
            problems = staleness(stored.manifest)
            if problems:
                raise StaleIndex(f"index {index_dir} is out of date ({'; '.join(problems[:3])}); "
                                 f"update it with `python -m index build --index {index_dir}`")
        embedder = embedder or make_embedder(embedder_spec(stored.manifest), threads)
        return cls(stored, embedder, cfg)

    @property
    def chunks(self) -> list[Chunk]:
        """All chunks, in index order."""
        return self.stored.chunks

    @property
    def paragraphs(self) -> dict[str, Paragraph]:
        """All paragraphs by ID."""
        return self.stored.paragraphs

    def _allowed(self, case: str | None, doc_id: str | None, docs: frozenset[str] | None = None) -> np.ndarray | None:
        if not case and not doc_id and docs is None:
            return None
        mask = np.ones(len(self.chunks), dtype=bool)
        if case:
            mask &= np.array([case in c for c in self._cases], dtype=bool)
        if doc_id:
            mask &= self._docs == doc_id
        if docs is not None:
            mask &= np.array([d in docs for d in self._docs], dtype=bool)
        return mask

    def dense_scores(self, query: str) -> tuple[list[int], dict[int, float]]:
        """Top candidate chunk indices by embedding similarity, with their scores."""
        q = self.embedder.embed_query(query).reshape(1, -1).astype(np.float32)
        n = min(self.cfg.candidates, len(self.chunks))
        scores, ids = self.stored.faiss_index.search(q, n)
        found = ids[0] >= 0
        ids_list = ids[0][found].tolist()
        return ids_list, dict(zip(ids_list, scores[0][found].tolist()))

    def run(self, query: str, k: int | None = None, mode: str = "hybrid", case: str | None = None,
            doc_id: str | None = None, docs: frozenset[str] | None = None) -> list[Hit]:
        """Top-k hits for a query; mode is hybrid, dense or bm25; optional case/document filter, or the set of
        documents allowed (``docs``, see retriever.filters)."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        query = query.strip()
        if not query:
            raise EmptyQuestion()
        k = k or self.cfg.k
        allowed = self._allowed(case, doc_id, docs)
        if allowed is not None and not allowed.any():
            return []
        rankings: dict[str, list[int]] = {}
        signal: dict[str, dict[int, float]] = {}
        if mode in ("hybrid", "dense"):
            if allowed is None:
                ids, scores = self.dense_scores(query)
            else:  # exact scores over the allowed chunks only
                q = self.embedder.embed_query(query)
                all_scores = self.stored.vectors @ q
                ids = _top(all_scores, self.cfg.candidates, allowed)
                scores = {i: float(all_scores[i]) for i in ids}
            rankings["dense"], signal["dense"] = ids, scores
        if mode in ("hybrid", "bm25"):
            bm = self.stored.bm25.scores(query)
            top = _top_ids(bm, self.cfg.candidates, allowed)
            top = top[bm[top] > 0]
            ids = top.tolist()
            rankings["bm25"], signal["bm25"] = ids, dict(zip(ids, bm[top].tolist()))
        fused = keep_signal_bests(reciprocal_rank_fusion(
            rankings, {"dense": self.cfg.dense_weight, "bm25": self.cfg.bm25_weight}, self.cfg.rrf_k),
            self.cfg.signal_best_at)
        hits = []
        for rank, (i, score, ranks) in enumerate(fused[:k], start=1):
            if mode != "hybrid":
                score = signal[mode][i]
            hits.append(Hit(rank, self.chunks[i], score, ranks,
                            {s: signal[s][i] for s in signal if i in signal[s]}))
        return hits

    def context(self, query: str, budget: int | None = None, **kwargs) -> list[Hit]:
        """The top hits whose texts fit the context budget (characters)."""
        hits = self.run(query, k=max(self.cfg.k, self.cfg.context_depth), **kwargs)
        return hits[:fit_to_budget([h.chunk.text for h in hits], budget or self.cfg.context_chars)]
