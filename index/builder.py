"""Build, update, add to and remove from an index (the I/O edge around the pure steps)."""
from __future__ import annotations

import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tqdm import tqdm

from index.chunking import chunk_paragraphs
from index.documents import doc_id_for
from index.embedders import Embedder, EmbeddingCache, make_embedder
from index.lexical import BM25Index
from index.loaders import Document, DocumentError, corpus_files, load_document
from index.store import IndexStoreError, build_faiss, read_manifest, sha256_file, write_index
from settings import Config

CACHE_FILE = "embeddings.sqlite"


@dataclass
class BuildReport:
    """What a build did, for printing."""

    documents: int = 0
    paragraphs: int = 0
    chunks: int = 0
    embedded: int = 0  # chunks that needed the embedder (the rest came from the cache)
    seconds: float = 0.0
    index_type: str = "flat"
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One-paragraph human summary."""
        lines = [f"{self.documents} documents, {self.paragraphs} paragraphs, {self.chunks} chunks "
                 f"({self.embedded} embedded, {self.chunks - self.embedded} from cache), "
                 f"{self.index_type} index, {self.seconds:.1f} s"]
        for what in ("added", "updated", "removed"):
            if getattr(self, what):
                lines.append(f"{what}: {', '.join(getattr(self, what))}")
        lines += [f"skipped: {e}" for e in self.errors]
        return "\n".join(lines)


def previous_manifest(index_dir: Path) -> dict | None:
    """The live manifest, or None when there is no readable index."""
    try:
        return read_manifest(index_dir)
    except IndexStoreError:
        return None


def staleness(manifest: dict) -> list[str]:
    """Reasons why an index no longer matches its sources (empty list: fresh)."""
    problems = []
    known = {Path(d["path"]) for d in manifest["documents"].values()}
    known |= {Path(p) for p in manifest.get("excluded", [])}
    for doc_id, info in manifest["documents"].items():
        path = Path(info["path"])
        if not path.is_file():
            problems.append(f"{doc_id}: source file missing ({path})")
        elif sha256_file(path) != info["sha256"]:
            problems.append(f"{doc_id}: source file changed ({path})")
    for folder in manifest.get("corpus_dirs", []):
        try:
            new = [p for p in corpus_files(folder) if p.resolve() not in known]
        except DocumentError:
            problems.append(f"corpus folder missing: {folder}")
            continue
        problems += [f"new document not indexed: {p}" for p in new]
    return problems


def _sources_for_corpus(corpus_dir: Path) -> dict[str, Path]:
    root = corpus_dir.resolve()
    return {doc_id_for(str(p.resolve().relative_to(root))): p.resolve() for p in corpus_files(root)}


def _write(index_dir: Path, sources: dict[str, Path], corpus_dirs: list[str], excluded: list[str], cfg: Config,
           embedder: Embedder, old: dict | None, started: float, show_progress: bool) -> BuildReport:
    report = BuildReport()
    documents: list[Document] = []
    for doc_id, path in sorted(sources.items()):
        try:
            documents.append(load_document(path, doc_id))
        except DocumentError as exc:
            report.errors.append(str(exc))
    if not documents:
        raise DocumentError("no readable documents to index" + (f": {'; '.join(report.errors)}" if report.errors else ""))
    paragraphs = [p for d in documents for p in d.paragraphs]
    per_doc_chunks = {d.doc_id: chunk_paragraphs(d.paragraphs, cfg.chunking) for d in documents}
    chunks = [c for cs in per_doc_chunks.values() for c in cs]
    cache = EmbeddingCache(index_dir / CACHE_FILE)
    try:
        with tqdm(total=len(chunks), desc="embedding", unit="chunk", disable=not show_progress,
                  file=sys.stderr) as bar:
            vectors, report.embedded = cache.embed(embedder, [c.embed_text for c in chunks],
                                                   cfg.index.batch_size, progress=bar.update)
    finally:
        cache.close()
    faiss_index = build_faiss(vectors, cfg.index.hnsw_threshold, cfg.index.hnsw_m, cfg.index.hnsw_ef_search)
    report.index_type = "hnsw" if len(chunks) > cfg.index.hnsw_threshold else "flat"
    old_docs = (old or {}).get("documents", {})
    manifest = {
        "embedder": {"spec": embedder.spec, "name": embedder.name, "dim": int(embedder.dim)},
        "chunking": asdict(cfg.chunking),
        "index_type": report.index_type,
        "corpus_dirs": corpus_dirs,
        "excluded": sorted(set(excluded)),
        "documents": {d.doc_id: {"path": str(d.path), "sha256": d.sha256, "paragraphs": len(d.paragraphs),
                                 "chunks": len(per_doc_chunks[d.doc_id]),
                                 "title": d.paragraphs[0].title} for d in documents},
        "counts": {"documents": len(documents), "paragraphs": len(paragraphs), "chunks": len(chunks)},
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    bm25 = BM25Index.build([c.embed_text for c in chunks])
    write_index(index_dir, manifest, paragraphs, chunks, vectors, faiss_index, bm25)
    report.documents, report.paragraphs, report.chunks = len(documents), len(paragraphs), len(chunks)
    report.added = sorted(set(manifest["documents"]) - set(old_docs))
    report.removed = sorted(set(old_docs) - set(manifest["documents"]))
    report.updated = sorted(k for k in set(manifest["documents"]) & set(old_docs)
                            if manifest["documents"][k]["sha256"] != old_docs[k]["sha256"])
    report.seconds = time.perf_counter() - started
    return report


def _embedder_for(cfg: Config, embedder: Embedder | None) -> Embedder:
    return embedder or make_embedder(cfg.index.embedder, cfg.index.threads)


def build_index(corpus_dir: str | Path, index_dir: str | Path, cfg: Config, rebuild: bool = False,
                embedder: Embedder | None = None, show_progress: bool = True) -> BuildReport:
    """Sync the index with a corpus folder: add new, re-embed changed, drop deleted documents.

    Documents added one by one from elsewhere are kept. ``rebuild`` ignores the
    old index and the embedding cache and starts from scratch.
    """
    started = time.perf_counter()
    index_dir, corpus_dir = Path(index_dir), Path(corpus_dir).resolve()
    if rebuild and index_dir.exists():
        for entry in index_dir.iterdir():
            if entry.name == CACHE_FILE or entry.name.startswith(("v-", ".tmp-", "CURRENT")):
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    old = None if rebuild else previous_manifest(index_dir)
    excluded = (old or {}).get("excluded", [])
    sources = {k: p for k, p in _sources_for_corpus(corpus_dir).items() if str(p) not in excluded}
    corpus_dirs = [str(corpus_dir)]
    if old:
        for doc_id, info in old["documents"].items():
            path = Path(info["path"])
            if not path.is_relative_to(corpus_dir) and path.is_file():
                sources.setdefault(doc_id, path)
        corpus_dirs += [d for d in old.get("corpus_dirs", []) if d != str(corpus_dir)]
    return _write(index_dir, sources, corpus_dirs, excluded, cfg, _embedder_for(cfg, embedder), old, started,
                  show_progress)


def add_document(path: str | Path, index_dir: str | Path, cfg: Config, embedder: Embedder | None = None,
                 show_progress: bool = True) -> BuildReport:
    """Add (or update) one document file in an existing index."""
    started = time.perf_counter()
    path, index_dir = Path(path).resolve(), Path(index_dir)
    load_document(path)  # fail early with a clear DocumentError
    old = previous_manifest(index_dir)
    sources = {k: Path(v["path"]) for k, v in (old or {}).get("documents", {}).items()}
    existing = next((k for k, p in sources.items() if p == path), None)
    doc_id = existing or doc_id_for(path.name)
    n = 2
    while doc_id in sources and sources[doc_id] != path:
        doc_id = f"{doc_id_for(path.name)}_{n}"
        n += 1
    sources[doc_id] = path
    excluded = [p for p in (old or {}).get("excluded", []) if p != str(path)]
    return _write(index_dir, sources, (old or {}).get("corpus_dirs", []), excluded, cfg,
                  _embedder_for(cfg, embedder), old, started, show_progress)


def remove_document(doc_id: str, index_dir: str | Path, cfg: Config, embedder: Embedder | None = None) -> BuildReport:
    """Remove one document from an index (its source file is left alone)."""
    started = time.perf_counter()
    index_dir = Path(index_dir)
    old = previous_manifest(index_dir)
    if not old or doc_id not in old["documents"]:
        raise KeyError(f"document {doc_id!r} is not in the index {index_dir}")
    sources = {k: Path(v["path"]) for k, v in old["documents"].items() if k != doc_id}
    # remember the removal, or the next sync of its corpus folder would bring it back
    excluded = [*old.get("excluded", []), old["documents"][doc_id]["path"]]
    return _write(index_dir, sources, old.get("corpus_dirs", []), excluded, cfg,
                  _embedder_for(cfg, embedder), old, started, False)
