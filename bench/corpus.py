"""Shared inputs: the bundled report indexed with the configured embedder, and e5 vectors of the dev questions."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from index.builder import CACHE_FILE, build_index
from index.embedders import Embedder, make_embedder
from settings import DEFAULT_CORPUS, DEFAULT_INDEX, Config

from bench.common import BENCH_DIR

WORKDIR = BENCH_DIR / ".work"


def report_index(cfg: Config, workdir: Path = WORKDIR, embedder: Embedder | None = None) -> tuple[Path, Embedder]:
    """The bundled report indexed in workdir/report-index (synced; embeddings reused from the project's
    index cache when there is one, so only a fresh checkout pays for embedding)."""
    index_dir = workdir / "report-index"
    index_dir.mkdir(parents=True, exist_ok=True)
    project_cache = DEFAULT_INDEX / CACHE_FILE
    if not (index_dir / CACHE_FILE).exists() and project_cache.is_file():
        shutil.copy(project_cache, index_dir / CACHE_FILE)
    embedder = embedder or make_embedder(cfg.index.embedder, cfg.index.threads)
    build_index(DEFAULT_CORPUS, index_dir, cfg, embedder=embedder, show_progress=False)
    return index_dir, embedder


def query_vectors(questions: list[str], embedder: Embedder, workdir: Path = WORKDIR) -> np.ndarray:
    """embed_query of every question, cached in workdir per embedder name and question list."""
    path = workdir / "query-vectors.npz"
    meta = json.dumps({"embedder": embedder.name, "questions": questions}, ensure_ascii=False)
    if path.is_file():
        with np.load(path, allow_pickle=False) as f:
            if str(f["meta"]) == meta:
                return f["vectors"]
    vectors = np.stack([embedder.embed_query(q.strip()) for q in questions]).astype(np.float32)
    workdir.mkdir(parents=True, exist_ok=True)
    np.savez(path, vectors=vectors, meta=np.array(meta))
    return vectors


class PrecomputedQueries:
    """An Embedder whose embed_query answers from precomputed vectors, so query embedding time is excluded
    for every system sharing it; set ``live`` to a real embedder to include it instead."""

    def __init__(self, name: str, spec: str, dim: int, questions: list[str], vectors: np.ndarray,
                 live: Embedder | None = None):
        self.name, self.spec, self.dim = name, spec, dim
        self._table = {q.strip(): v for q, v in zip(questions, vectors)}
        self.live = live

    def embed_query(self, text: str) -> np.ndarray:
        """The precomputed vector (or the live embedder's)."""
        if self.live is not None:
            return self.live.embed_query(text)
        return self._table[text.strip()]

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Not available: passages come with precomputed vectors."""
        raise RuntimeError("PrecomputedQueries only answers queries")
