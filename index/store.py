"""The on-disk index: versioned folders, a manifest with checksums, atomic switch.

Layout of an index folder::

    CURRENT               name of the live version (replaced atomically)
    v-<stamp>/manifest.json
    v-<stamp>/paragraphs.jsonl, chunks.jsonl, vectors.npy, vectors.faiss, bm25/
    embeddings.sqlite     embedding cache shared by all versions

A build writes a complete new version folder, fsyncs it, then replaces CURRENT:
an interrupted build leaves the previous version live. Loading verifies every
file against the manifest's sha256, so a corrupt index is reported, not served.
No pickle anywhere: JSON, .npy (allow_pickle=False) and FAISS's own format.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from index.chunking import Chunk
from index.documents import Paragraph
from index.lexical import BM25Index

FORMAT_VERSION = 1
CURRENT = "CURRENT"
DATA_FILES = ("paragraphs.jsonl", "chunks.jsonl", "vectors.npy", "vectors.faiss")


class IndexStoreError(RuntimeError):
    """Base class for index problems."""


class IndexNotFound(IndexStoreError):
    """No index has been built in this folder."""


class CorruptIndex(IndexStoreError):
    """Files missing, truncated or not matching the manifest."""


@dataclass
class StoredIndex:
    """A loaded index version."""

    path: Path
    manifest: dict
    paragraphs: dict[str, Paragraph]
    chunks: list[Chunk]
    vectors: np.ndarray
    faiss_index: faiss.Index
    bm25: BM25Index


def sha256_file(path: Path) -> str:
    """sha256 of a file, streamed."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def build_faiss(vectors: np.ndarray, hnsw_threshold: int, hnsw_m: int = 32, ef_search: int = 128) -> faiss.Index:
    """Flat inner-product index for small sets, HNSW above the threshold."""
    dim = vectors.shape[1]
    if len(vectors) > hnsw_threshold:
        index = faiss.IndexHNSWFlat(dim, hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = max(40, hnsw_m * 2)
        index.hnsw.efSearch = ef_search
    else:
        index = faiss.IndexFlatIP(dim)
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def _write_jsonl(path: Path, rows) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_index(index_dir: str | Path, manifest: dict, paragraphs: list[Paragraph], chunks: list[Chunk],
                vectors: np.ndarray, faiss_index: faiss.Index, bm25: BM25Index) -> Path:
    """Write a new version and make it live atomically; returns the version folder."""
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    name = f"v-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6:06d}"
    tmp = index_dir / f".tmp-{name}"
    tmp.mkdir()
    try:
        _write_jsonl(tmp / "paragraphs.jsonl", (p.to_dict() for p in paragraphs))
        _write_jsonl(tmp / "chunks.jsonl", (c.to_dict() for c in chunks))
        np.save(tmp / "vectors.npy", np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)
        faiss.write_index(faiss_index, str(tmp / "vectors.faiss"))
        bm25.save(tmp / "bm25")
        files = sorted(p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file())
        manifest = {**manifest, "format_version": FORMAT_VERSION,
                    "files": {f: sha256_file(tmp / f) for f in files}}
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        for f in (*files, "manifest.json"):
            _fsync(tmp / f)
        final = index_dir / name
        os.replace(tmp, final)
        pointer = index_dir / f".{CURRENT}.tmp"
        pointer.write_text(name, encoding="utf-8")
        _fsync(pointer)
        os.replace(pointer, index_dir / CURRENT)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _remove_old_versions(index_dir, keep=name)
    return final


def _remove_old_versions(index_dir: Path, keep: str) -> None:
    for entry in index_dir.iterdir():
        if entry.is_dir() and (entry.name.startswith("v-") or entry.name.startswith(".tmp-v-")) and entry.name != keep:
            shutil.rmtree(entry, ignore_errors=True)


def current_version(index_dir: str | Path) -> Path:
    """The live version folder; raises IndexNotFound / CorruptIndex."""
    index_dir = Path(index_dir)
    pointer = index_dir / CURRENT
    if not pointer.is_file():
        raise IndexNotFound(f"no index in {index_dir}: build one with `python -m index build --index {index_dir}`")
    version = index_dir / pointer.read_text(encoding="utf-8").strip()
    if not version.is_dir():
        raise CorruptIndex(f"index {index_dir}: CURRENT points to missing {version.name}; rebuild with --rebuild")
    return version


def read_manifest(index_dir: str | Path) -> dict:
    """The live version's manifest (no data files read)."""
    path = current_version(index_dir) / "manifest.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CorruptIndex(f"unreadable manifest {path}: {exc}") from exc


def load_index(index_dir: str | Path, verify: bool = True) -> StoredIndex:
    """Load the live version, checking every file against the manifest."""
    version = current_version(index_dir)
    manifest = read_manifest(index_dir)
    if manifest.get("format_version") != FORMAT_VERSION:
        raise CorruptIndex(f"index format {manifest.get('format_version')} is not {FORMAT_VERSION}; rebuild with --rebuild")
    for f in (*DATA_FILES, *manifest.get("files", {})):
        path = version / f
        if not path.is_file() or f not in manifest.get("files", {}):
            raise CorruptIndex(f"index file missing: {path}; rebuild with `python -m index build --rebuild`")
        if verify and sha256_file(path) != manifest["files"][f]:
            raise CorruptIndex(f"index file corrupt (checksum mismatch): {path}; "
                               "rebuild with `python -m index build --rebuild`")
    try:
        paragraphs = {}
        with open(version / "paragraphs.jsonl", encoding="utf-8") as fh:
            for line in fh:
                d = json.loads(line)
                d.pop("label", None)
                paragraphs[d["id"]] = Paragraph(**d)
        with open(version / "chunks.jsonl", encoding="utf-8") as fh:
            chunks = [Chunk.from_dict(json.loads(line)) for line in fh]
        vectors = np.load(version / "vectors.npy", allow_pickle=False)
        faiss_index = faiss.read_index(str(version / "vectors.faiss"))
        bm25 = BM25Index.load(version / "bm25", len(chunks))
    except (OSError, ValueError, TypeError, KeyError, RuntimeError) as exc:
        raise CorruptIndex(f"index {version} cannot be read: {exc}; rebuild with --rebuild") from exc
    if not (len(chunks) == len(vectors) == faiss_index.ntotal == manifest["counts"]["chunks"]):
        raise CorruptIndex(f"index {version}: chunk/vector counts disagree; rebuild with --rebuild")
    return StoredIndex(version, manifest, paragraphs, chunks, vectors, faiss_index, bm25)
