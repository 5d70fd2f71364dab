"""Build, update, add to and remove from an index (the I/O edge around the pure steps).

Every writer holds the index folder's lock (:mod:`index.lock`) from reading the live manifest
until ``CURRENT`` names its new version, so concurrent builds, adds and removes — from any
process — run one after the other and none loses another's change. Unchanged documents are not
parsed again: their paragraphs come from the live version, their vectors from the embedding cache.
"""
from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from dataclasses import replace as dc_replace
from pathlib import Path

from tqdm import tqdm

from errors import Cancelled
from index.chunking import chunk_paragraphs
from index.documents import Paragraph, doc_id_for
from index.embedders import Embedder, EmbeddingCache, make_embedder
from index.lexical import BM25Index
from index.loaders import (NOTHING_FOUND, PARSER_VERSION, Document, DocumentError, DocumentTooLarge,
                           check_file_size, corpus_files, load_document)
from index.lock import index_lock
from index.metadata import merged as merged_metadata
from index.pdf_ocr import OCR_UNAVAILABLE
from index.metadata import sidecar_problem
from index.store import (CorruptIndex, DocumentNotFound, IndexNotFound, IndexStoreError, build_faiss,
                         live_version, read_paragraphs, sha256_file, write_index, writer_alive, writer_token)
from settings import Config

CACHE_FILE = "embeddings.sqlite"
_REBUILD_CACHE_PREFIX = ".embeddings-"


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
    errors: list[str] = field(default_factory=list)  # skipped files: "path: reason"
    notes: list[str] = field(default_factory=list)
    parsed: int = 0  # documents read from their files (the others were reused from the live index)

    def summary(self) -> str:
        """One-paragraph human summary."""
        lines = [f"{self.documents} documents, {self.paragraphs} paragraphs, {self.chunks} chunks "
                 f"({self.embedded} embedded, {self.chunks - self.embedded} from cache), "
                 f"{self.index_type} index, {self.seconds:.1f} s"]
        for what in ("added", "updated", "removed"):
            if getattr(self, what):
                lines.append(f"{what}: {', '.join(getattr(self, what))}")
        lines += [f"skipped: {e}" for e in self.errors]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def damaged(exc: CorruptIndex, index_dir: str | Path) -> CorruptIndex:
    """The error for a damaged live index, with how to repair it."""
    return CorruptIndex(f"{exc}. Nothing was changed: the damaged index is left as it is. Repair it with "
                        f"`python -m index build --rebuild --index {index_dir}` (with --corpus DIR for another "
                        "corpus folder)")


def previous_manifest(index_dir: str | Path) -> dict | None:
    """The live manifest, or None when no index has been built there.

    A damaged index raises CorruptIndex: it is not the same as no index, and nothing may be
    written over it without an explicit ``--rebuild``.
    """
    try:
        return live_version(index_dir)[1]
    except IndexNotFound:
        return None
    except CorruptIndex as exc:
        raise damaged(exc, index_dir) from exc


# ------------------------------------------------------------------ planning

def _unique_id(base: str, used: set[str]) -> str:
    doc_id, n = base, 2
    while doc_id in used:
        doc_id = f"{base}_{n}"
        n += 1
    used.add(doc_id)
    return doc_id


def _kept_documents(old: dict | None, excluded: set[str]) -> dict[str, Path]:
    """Documents of the old index whose file still exists, under their old IDs."""
    return {doc_id: Path(info["path"]) for doc_id, info in (old or {}).get("documents", {}).items()
            if info["path"] not in excluded and Path(info["path"]).is_file()}


def _add_corpus_files(sources: dict[str, Path], folders: list[Path], excluded: set[str]) -> None:
    """New files of the corpus folders, with IDs from their path inside the folder (made unique)."""
    used = set(sources)
    known = {str(p) for p in sources.values()}
    for folder in folders:
        root = folder.resolve()
        for p in corpus_files(root):
            p = p.resolve()
            if str(p) in known or str(p) in excluded:
                continue
            sources[_unique_id(doc_id_for(str(p.relative_to(root))), used)] = p
            known.add(str(p))


def _live(index_dir: Path, rebuild: bool, report: BuildReport) -> tuple[Path | None, dict | None]:
    """(live version folder, its manifest) or (None, None); a damaged index stops everything but --rebuild."""
    try:
        return live_version(index_dir)
    except IndexNotFound:
        return None, None
    except CorruptIndex as exc:
        if not rebuild:
            raise damaged(exc, index_dir) from exc
        salvaged = _newest_readable_manifest(index_dir)
        report.notes.append(f"the live index was damaged ({exc}); rebuilt from the corpus folders"
                            + (" and the folders/removals recorded by the previous version" if salvaged else ""))
        return None, salvaged


def _newest_readable_manifest(index_dir: Path) -> dict | None:
    from index.store import _read_manifest_at  # noqa: PLC0415 — recovery only

    for version in sorted((p for p in index_dir.glob("v-*") if p.is_dir()), reverse=True):
        try:
            return _read_manifest_at(version)
        except CorruptIndex:
            continue
    return None


# ------------------------------------------------------------------ writing

def _check(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled("cancelled: the index was not changed")


def _reusable_paragraphs(version: Path | None, old: dict | None, report: BuildReport) -> dict[str, list[Paragraph]]:
    if version is None or old is None:
        return {}
    if old.get("parser_version", 1) != PARSER_VERSION:
        report.notes.append("the document parser changed: every document was read again")
        return {}
    try:
        paragraphs = read_paragraphs(version, old)
    except IndexStoreError as exc:
        report.notes.append(f"could not reuse the live index ({exc}); every document was read again")
        return {}
    by_doc: dict[str, list[Paragraph]] = {}
    for p in paragraphs:
        by_doc.setdefault(p.doc_id, []).append(p)
    return by_doc


def _read_documents(sources: dict[str, Path], old: dict | None, reusable: dict[str, list[Paragraph]],
                    preloaded: dict[str, Document], cfg: Config, rebuild: bool, report: BuildReport,
                    cancel: threading.Event | None) -> tuple[list[Document], dict[str, dict]]:
    """Documents to index (reused when unchanged, else parsed) and the files that could not be read.

    A file recorded as unreadable keeps its record while it exists: a build looks at it again (and re-reads it
    only when it changed); an add or a remove does not look at it and carries the record forward, without
    which the new version would count it as a new, unindexed document and be stale. A PDF whose scanned pages
    were not read because OCR was unavailable is read again by every build, so that they are read once it is.
    """
    old_docs = (old or {}).get("documents", {})
    old_skipped = {} if rebuild else (old or {}).get("skipped", {})
    documents: list[Document] = []
    skipped: dict[str, dict] = {}
    for doc_id, path in sorted(sources.items()):
        _check(cancel)
        if doc_id in preloaded:
            documents.append(preloaded[doc_id])
            continue
        try:
            sha = sha256_file(path)
        except OSError as exc:
            skipped[str(path)] = {"sha256": "", "reason": f"cannot read {path.name}: {exc}"}
            continue
        info = old_docs.get(doc_id)
        if (info and info["path"] == str(path) and info["sha256"] == sha and doc_id in reusable
                and OCR_UNAVAILABLE not in info.get("scan_note", "")):
            documents.append(Document(doc_id, path, sha, reusable[doc_id], info.get("dropped", {}),
                                      info.get("pages", 0), tuple(info.get("scanned_pages", ())),
                                      info.get("meta_extracted", {}), tuple(info.get("ocr_pages", ())),
                                      info.get("scan_note", "")))
            continue
        before = old_skipped.get(str(path))
        # known unreadable and unchanged: no need to try again (unless OCR was missing: it may be there now)
        if before and before.get("sha256") == sha and OCR_UNAVAILABLE not in before.get("reason", ""):
            skipped[str(path)] = before
            continue
        try:
            documents.append(load_document(path, doc_id, cfg.limits, cfg.ocr))
            report.parsed += 1
        except DocumentError as exc:
            skipped[str(path)] = {"sha256": sha, "reason": str(exc)}
            continue
        report.notes += _unread_note(documents[-1])
    looked_at = {str(p) for p in sources.values()}
    for path, before in (old or {}).get("skipped", {}).items():
        if path not in looked_at and Path(path).is_file():
            skipped[path] = before
    report.errors = [f"{p}: {s['reason']}" for p, s in sorted(skipped.items())]
    report.notes += [f"metadata file ignored: {problem}" for d in documents if (problem := sidecar_problem(d.path))]
    return documents, skipped


def _unread_note(document: Document) -> list[str]:
    """A note naming a document's pages without a text layer that OCR did not run on, and why (none otherwise)."""
    if not document.scanned_pages or document.scan_note == NOTHING_FOUND:
        return []
    return [f"{document.path.name}: pages without a text layer not read ({', '.join(map(str, document.scanned_pages))})"
            f": {document.scan_note}"]


def _write(index_dir: Path, sources: dict[str, Path], corpus_dirs: list[str], excluded: set[str], cfg: Config,
           embedder: Embedder, old: dict | None, version: Path | None, started: float, show_progress: bool,
           report: BuildReport | None = None, *, rebuild: bool = False, preloaded: dict[str, Document] | None = None,
           cancel: threading.Event | None = None,
           before_switch: Callable[[], Callable[[], None] | None] | None = None) -> BuildReport:
    report = report or BuildReport()
    reusable = {} if rebuild else _reusable_paragraphs(version, old, report)
    documents, skipped = _read_documents(sources, old, reusable, preloaded or {}, cfg, rebuild, report, cancel)
    if not documents:
        raise DocumentError("no readable documents to index" + (f": {'; '.join(report.errors)}" if report.errors else ""))
    paragraphs = [p for d in documents for p in d.paragraphs]
    per_doc_chunks = {d.doc_id: chunk_paragraphs(d.paragraphs, cfg.chunking) for d in documents}
    chunks = [c for cs in per_doc_chunks.values() for c in cs]
    # --rebuild embeds into a fresh cache of its own, put in place only once the new version is live
    cache_path = index_dir / (f"{_REBUILD_CACHE_PREFIX}{writer_token()}.sqlite" if rebuild else CACHE_FILE)
    try:
        cache = EmbeddingCache(cache_path)
        try:
            with tqdm(total=len(chunks), desc="embedding", unit="chunk", disable=not show_progress,
                      file=sys.stderr) as bar:
                def progress(n: int) -> None:
                    bar.update(n)
                    _check(cancel)

                vectors, report.embedded = cache.embed(embedder, [c.embed_text for c in chunks],
                                                       cfg.index.batch_size, progress=progress)
        finally:
            cache.close()
        _check(cancel)
        faiss_index = build_faiss(vectors, cfg.index.hnsw_threshold, cfg.index.hnsw_m, cfg.index.hnsw_ef_search)
        report.index_type = "hnsw" if len(chunks) > cfg.index.hnsw_threshold else "flat"
        manifest = {
            "embedder": {"spec": embedder.spec, "name": embedder.name, "dim": int(embedder.dim)},
            "chunking": asdict(cfg.chunking),
            "index_type": report.index_type,
            "corpus_dirs": corpus_dirs,
            "excluded": sorted(excluded),
            "skipped": skipped,
            "parser_version": PARSER_VERSION,
            "documents": {d.doc_id: {"path": str(d.path), "sha256": d.sha256, "paragraphs": len(d.paragraphs),
                                     "chunks": len(per_doc_chunks[d.doc_id]),
                                     "title": d.paragraphs[0].title, "dropped": d.dropped, "pages": d.pages,
                                     "scanned_pages": list(d.scanned_pages), "scan_note": d.scan_note,
                                     "ocr_pages": list(d.ocr_pages), "meta_extracted": d.meta,
                                     "meta": merged_metadata(d.meta, d.path)}
                          for d in documents},
            "counts": {"documents": len(documents), "paragraphs": len(paragraphs), "chunks": len(chunks)},
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }
        if getattr(embedder, "ray_info", None):  # embedded on Ray workers (index.ray_embed)
            manifest["built_on"] = {"ray": embedder.ray_info, "embedded": report.embedded}
        bm25 = BM25Index.build([c.embed_text for c in chunks])
        _check(cancel)
        write_index(index_dir, manifest, paragraphs, chunks, vectors, faiss_index, bm25, before_switch=before_switch)
        if rebuild:
            os.replace(cache_path, index_dir / CACHE_FILE)
    finally:
        if rebuild:
            for leftover in (cache_path, cache_path.with_name(cache_path.name + "-journal")):
                leftover.unlink(missing_ok=True)
    old_docs = (old or {}).get("documents", {})
    report.documents, report.paragraphs, report.chunks = len(documents), len(paragraphs), len(chunks)
    report.added = sorted(set(manifest["documents"]) - set(old_docs))
    report.removed = sorted(set(old_docs) - set(manifest["documents"]))
    report.updated = sorted(k for k in set(manifest["documents"]) & set(old_docs)
                            if manifest["documents"][k]["sha256"] != old_docs[k]["sha256"])
    report.seconds = time.perf_counter() - started
    return report


def _clean_leftovers(index_dir: Path) -> None:
    """Rebuild caches of writers that died (called with the lock held)."""
    for entry in index_dir.glob(f"{_REBUILD_CACHE_PREFIX}*"):
        if not writer_alive(entry.name.removesuffix("-journal")):
            entry.unlink(missing_ok=True)


def _as_document(document: Document, doc_id: str, path: Path) -> Document:
    """The same parsed document under another ID and path (paragraph IDs follow the document ID)."""
    paragraphs = [dc_replace(p, id=f"{doc_id}:{p.id.rsplit(':', 1)[1]}", doc_id=doc_id) for p in document.paragraphs]
    return dc_replace(document, doc_id=doc_id, path=path, paragraphs=paragraphs)


def _embedder_for(cfg: Config, embedder: Embedder | None) -> Embedder:
    return embedder or make_embedder(cfg.index.embedder, cfg.index.threads)


# ------------------------------------------------------------------ public

def build_index(corpus_dir: str | Path, index_dir: str | Path, cfg: Config, rebuild: bool = False,
                embedder: Embedder | None = None, show_progress: bool = True, *, wait: bool = True,
                extra_dirs: tuple[str | Path, ...] | list[str | Path] = (),
                cancel: threading.Event | None = None) -> BuildReport:
    """Sync the index with its corpus folders: add new, re-read changed, drop deleted documents.

    The folders are ``corpus_dir``, ``extra_dirs`` (e.g. the app's uploads) and every folder
    recorded in the index; documents added one by one from elsewhere are kept, removed ones
    stay removed. ``rebuild`` re-reads every document and re-embeds every chunk into a fresh
    embedding cache — aside: the live index stays in use until the new version replaces it.
    ``wait=False`` fails with IndexLocked instead of waiting for another writer.
    """
    started = time.perf_counter()
    index_dir, corpus_dir = Path(index_dir), Path(corpus_dir).resolve()
    if not corpus_dir.is_dir():
        raise DocumentError(f"corpus folder not found: {corpus_dir}")
    report = BuildReport()
    with index_lock(index_dir, wait):
        _clean_leftovers(index_dir)
        version, old = _live(index_dir, rebuild, report)
        excluded = set((old or {}).get("excluded", []))
        folders = [corpus_dir, *(Path(d).resolve() for d in extra_dirs)]
        for d in (old or {}).get("corpus_dirs", []):
            if Path(d).is_dir():
                folders.append(Path(d))
            elif Path(d) not in folders:
                report.notes.append(f"corpus folder {d} no longer exists; it is no longer synced")
        folders = [d for d in dict.fromkeys(folders) if d.is_dir()]
        sources = _kept_documents(old, excluded)
        _add_corpus_files(sources, folders, excluded)
        return _write(index_dir, sources, [str(d) for d in folders], excluded, cfg, _embedder_for(cfg, embedder),
                      old, version, started, show_progress, report, rebuild=rebuild, cancel=cancel)


def add_document(path: str | Path, index_dir: str | Path, cfg: Config, embedder: Embedder | None = None,
                 show_progress: bool = True, *, wait: bool = True, record_as: str | Path | None = None,
                 before_switch: Callable[[], Callable[[], None] | None] | None = None,
                 cancel: threading.Event | None = None, corpus_dir: str | Path | None = None) -> BuildReport:
    """Add (or update) one document file in an index; only this file is parsed.

    ``record_as``: the path the index records for it (the app indexes an upload from a staging
    copy and ``before_switch`` moves it there just before the new version goes live).
    ``corpus_dir``: a folder to record as a corpus folder of the index (the app's uploads), so
    that later syncs and rebuilds keep what is in it.
    Limits: ``[limits] max_upload_mb`` and ``max_chunks_per_upload``; ``cancel`` stops it
    (nothing changed) while it embeds.
    """
    started = time.perf_counter()
    path, index_dir = Path(path).resolve(), Path(index_dir)
    final = Path(record_as).resolve() if record_as else path
    check_file_size(path, cfg.limits)
    document = load_document(path, limits=cfg.limits, ocr=cfg.ocr)  # fail early, before waiting for the lock
    report = BuildReport(parsed=1, notes=_unread_note(document))
    with index_lock(index_dir, wait):
        _clean_leftovers(index_dir)
        version, old = _live(index_dir, False, report)
        sources = {k: Path(v["path"]) for k, v in (old or {}).get("documents", {}).items()}
        doc_id = next((k for k, p in sources.items() if p == final), None)
        doc_id = doc_id or _unique_id(doc_id_for(final.name), set(sources))
        document = _as_document(document, doc_id, final)
        n_chunks = len(chunk_paragraphs(document.paragraphs, cfg.chunking))
        if n_chunks > cfg.limits.max_chunks_per_upload:
            raise DocumentTooLarge(f"{final.name} would make {n_chunks} chunks; the limit for one document is "
                                   f"{cfg.limits.max_chunks_per_upload} ([limits] max_chunks_per_upload)")
        sources[doc_id] = final
        excluded = set((old or {}).get("excluded", [])) - {str(final)}
        corpus_dirs = list((old or {}).get("corpus_dirs", []))
        if corpus_dir is not None and str(Path(corpus_dir).resolve()) not in corpus_dirs:
            corpus_dirs.append(str(Path(corpus_dir).resolve()))
        return _write(index_dir, sources, corpus_dirs, excluded, cfg,
                      _embedder_for(cfg, embedder), old, version, started, show_progress, report,
                      preloaded={doc_id: document}, cancel=cancel, before_switch=before_switch)


def remove_document(doc_id: str, index_dir: str | Path, cfg: Config, embedder: Embedder | None = None, *,
                    wait: bool = True) -> BuildReport:
    """Remove one document from an index (its source file is left alone); DocumentNotFound if unknown."""
    started = time.perf_counter()
    index_dir = Path(index_dir)
    report = BuildReport()
    with index_lock(index_dir, wait):
        version, old = _live(index_dir, False, report)
        if old is None:
            raise IndexNotFound(f"no index in {index_dir}: build one with `python -m index build --index {index_dir}`")
        if doc_id not in old["documents"]:
            raise DocumentNotFound(doc_id, index_dir)
        sources = {k: Path(v["path"]) for k, v in old["documents"].items() if k != doc_id}
        # remember the removal, or the next sync of its corpus folder would bring it back
        excluded = {*old.get("excluded", []), old["documents"][doc_id]["path"]}
        return _write(index_dir, sources, old.get("corpus_dirs", []), excluded, cfg,
                      _embedder_for(cfg, embedder), old, version, started, False, report)
